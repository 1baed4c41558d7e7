"""RQ jobs of the default queue that keep style and taste vectors current."""

from fractafrag.services import vectors


def update_style(shader_id: int) -> bool:
    """Embed a shader's current version into its style vector."""
    return vectors.update_style(shader_id)


def update_taste(user_id: int) -> bool:
    """Recompute a user's taste vector from votes and dwell."""
    from fractafrag.extensions import redis
    from fractafrag.services.votes import taste_pending_key

    redis.delete(taste_pending_key(user_id))  # what comes now schedules the next refresh
    return vectors.update_taste(user_id)
