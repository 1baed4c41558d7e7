"""REST resource: your own AI provider keys (bring your own key)."""
