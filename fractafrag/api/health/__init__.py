"""REST resource: health."""
