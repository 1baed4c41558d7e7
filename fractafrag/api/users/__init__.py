"""REST resource: users."""
