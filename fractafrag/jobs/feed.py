"""RQ job of the default queue that keeps materialised feed rankings fresh."""

from fractafrag.services import feed


def refresh_ranking(owner: str, user_id: int | None) -> int:
    """Recompute one owner's stale ranking (served meanwhile); the ranking's length."""
    return feed.refresh_ranking(owner, user_id)


def refresh_active_rankings() -> int:
    """After a listing change, recompute the recent readers' rankings before they ask; how
    many were recomputed."""
    return feed.refresh_active()
