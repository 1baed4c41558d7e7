"""REST resource: auth."""
