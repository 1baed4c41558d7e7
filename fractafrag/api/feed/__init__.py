"""REST resource: feeds (trending, personalised, similar)."""
