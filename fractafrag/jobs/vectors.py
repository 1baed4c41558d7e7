"""RQ jobs of the default queue that keep style and taste vectors current."""

from fractafrag.services import vectors


def update_style(shader_id: int) -> bool:
    """Embed a shader's current version into its style vector."""
    return vectors.update_style(shader_id)


def update_taste(user_id: int) -> bool:
    """Recompute a user's taste vector from votes and dwell."""
    return vectors.update_taste(user_id)
