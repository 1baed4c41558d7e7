"""REST resource: AI generation jobs run with your own provider key."""
