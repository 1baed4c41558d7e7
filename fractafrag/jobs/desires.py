"""RQ jobs of the default queue for the desire board."""

from fractafrag.services import clustering


def process_desire(desire_id: int) -> int | None:
    """Cluster one desire; returns its cluster id."""
    desire = clustering.process_desire(desire_id)
    return desire.cluster_id if desire is not None else None
