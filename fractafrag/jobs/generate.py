"""RQ job of the default queue: turn a prompt into a compiling draft with the user's own key."""

from fractafrag.services import generation


def generate_shader(job_id: str) -> str:
    """Run the compile-and-repair loop of one generation job; returns done, failed or gone."""
    return generation.run(job_id)
