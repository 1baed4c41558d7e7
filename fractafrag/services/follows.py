"""Follows: whose new public shaders fill your Following feed."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from fractafrag.extensions import db
from fractafrag.models import Follow, Shader, User
from fractafrag.services import ServiceError
from fractafrag.services.accounts import get_by_username
from fractafrag.services.ratelimit import count_community_write


def counts(user_id: int) -> dict[str, int]:
    """{followers, following} of a user."""
    followers = db.session.scalar(sa.select(sa.func.count()).select_from(Follow).where(
        Follow.followee_id == user_id)) or 0
    following = db.session.scalar(sa.select(sa.func.count()).select_from(Follow).where(
        Follow.follower_id == user_id)) or 0
    return {"followers": followers, "following": following}


def is_following(follower_id: int | None, followee_id: int) -> bool:
    """Whether follower_id follows followee_id."""
    if follower_id is None:
        return False
    return db.session.get(Follow, (follower_id, followee_id)) is not None


def state(viewer_id: int, user: User) -> dict[str, object]:
    """What the follow endpoints answer."""
    numbers = counts(user.id)
    return {"username": user.username, "following": is_following(viewer_id, user.id),
            "followers": numbers["followers"], "following_n": numbers["following"]}


def follow(follower_id: int, username: str) -> dict[str, object]:
    """Follow someone (idempotent); you cannot follow yourself (RATELIMIT_FOLLOW per account)."""
    count_community_write("follow", follower_id)
    user = get_by_username(username)
    if user.id == follower_id:
        message = "You cannot follow yourself."
        raise ServiceError(message, {"username": [message]})
    db.session.execute(insert(Follow).values(follower_id=follower_id, followee_id=user.id)
                       .on_conflict_do_nothing())
    db.session.commit()
    return state(follower_id, user)


def unfollow(follower_id: int, username: str) -> dict[str, object]:
    """Stop following someone (idempotent)."""
    user = get_by_username(username)
    db.session.execute(sa.delete(Follow).where(Follow.follower_id == follower_id,
                                               Follow.followee_id == user.id))
    db.session.commit()
    return state(follower_id, user)


def following_feed(user_id: int, page: int, page_size: int) -> tuple[list[Shader], int]:
    """Newest public shaders of the people user_id follows."""
    from fractafrag.services.search import visible_listing

    followed = sa.select(Follow.followee_id).where(Follow.follower_id == user_id)
    query = visible_listing(user_id).where(Shader.owner_id.in_(followed),
                                           Shader.published_at.is_not(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(Shader.published_at.desc(), Shader.id.desc())
                              .offset((page - 1) * page_size).limit(page_size))
    return list(rows), total
