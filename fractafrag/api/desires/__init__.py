"""REST resource: the desire board."""
