"""Comments on shaders: one level of replies, safe Markdown, live events, blocks respected."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from fractafrag.extensions import db
from fractafrag.models import Block, Comment
from fractafrag.offload import off_hub
from fractafrag.realtime import broadcast
from fractafrag.services import Forbidden, NotFound, ServiceError, markdown, shaders
from fractafrag.services.ratelimit import count_community_write

MAX_BODY = 2000


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body or len(body) > MAX_BODY:
        message = f"A comment is 1 to {MAX_BODY} characters."
        raise ServiceError(message, {"body": [message]})
    return body


def payload(comment: Comment) -> dict[str, Any]:
    """The comment as JSON (API answers and live events)."""
    return {"id": comment.id, "shader_id": comment.shader_id, "parent_id": comment.parent_id,
            "body": comment.body, "body_html": comment.body_html,
            "author": {"id": comment.author.id, "username": comment.author.username,
                       "display_name": comment.author.display_name},
            "edited": comment.edited_at is not None,
            "created_at": comment.created_at.isoformat(),
            "updated_at": comment.updated_at.isoformat()}


def blocked_ids(user_id: int | None) -> set[int]:
    """The users that user_id has blocked."""
    if user_id is None:
        return set()
    return set(db.session.scalars(sa.select(Block.blocked_id).where(Block.blocker_id == user_id)))


def is_blocked(blocker_id: int, blocked_id: int) -> bool:
    """Whether blocker_id has blocked blocked_id."""
    return db.session.get(Block, (blocker_id, blocked_id)) is not None


def list_comments(shader_id: int, viewer_id: int | None) -> list[dict[str, Any]]:
    """Top-level comments oldest first, each with its replies; hidden and blocked ones left out."""
    shaders.visible_shader(shader_id, viewer_id)
    hide = blocked_ids(viewer_id)
    rows = list(db.session.scalars(
        sa.select(Comment).where(Comment.shader_id == shader_id, Comment.hidden_at.is_(None))
        .order_by(Comment.created_at, Comment.id)))
    tops: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.parent_id is None and row.author_id not in hide:
            tops[row.id] = {**payload(row), "replies": []}
    for row in rows:
        if row.parent_id in tops and row.author_id not in hide:
            tops[row.parent_id]["replies"].append(payload(row))
    return list(tops.values())


def create_comment(shader_id: int, author_id: int, body: str,
                   parent_id: int | None = None) -> Comment:
    """Comment on (or reply within) a shader the author may see; tells the owner
    (RATELIMIT_COMMENT per account)."""
    count_community_write("comment", author_id)
    shader = shaders.visible_shader(shader_id, author_id)
    body = _clean_body(body)
    if shader.owner_id != author_id and is_blocked(shader.owner_id, author_id):
        raise Forbidden("The shader's author does not take comments from you.")
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.shader_id != shader_id or parent.hidden_at is not None:
            message = f"Shader {shader_id} has no comment {parent_id}."
            raise ServiceError(message, {"parent_id": [message]})
        if parent.parent_id is not None:
            message = "Replies go one level deep: reply to the top comment instead."
            raise ServiceError(message, {"parent_id": [message]})
    comment = Comment(shader_id=shader_id, author_id=author_id, parent_id=parent_id, body=body,
                      body_html=off_hub(markdown.render, body))
    db.session.add(comment)
    db.session.commit()
    data = payload(comment)
    broadcast.comment_event("created", shader_id, data)
    from fractafrag.services import notifications

    notifications.notify(shader.owner_id, "comment", actor_id=author_id, shader_id=shader_id,
                         data={"comment_id": comment.id, "title": shader.title,
                               "excerpt": body[:140]})
    return comment


def _own_comment(comment_id: int, user_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.hidden_at is not None:
        raise NotFound(f"No comment {comment_id}.")
    shaders.visible_shader(comment.shader_id, user_id)
    if comment.author_id != user_id:
        raise Forbidden("Only the comment's author may change it.")
    return comment


def get_comment(comment_id: int, viewer_id: int | None) -> Comment:
    """A visible comment, or NotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.hidden_at is not None:
        raise NotFound(f"No comment {comment_id}.")
    shaders.visible_shader(comment.shader_id, viewer_id)
    return comment


def edit_comment(comment_id: int, user_id: int, body: str) -> Comment:
    """The author rewrites their comment."""
    comment = _own_comment(comment_id, user_id)
    comment.body = _clean_body(body)
    comment.body_html = off_hub(markdown.render, comment.body)
    comment.edited_at = datetime.now(UTC)
    db.session.commit()
    broadcast.comment_event("updated", comment.shader_id, payload(comment))
    return comment


def delete_comment(comment_id: int, user_id: int) -> None:
    """The author deletes their comment (and its replies)."""
    comment = _own_comment(comment_id, user_id)
    shader_id, parent_id = comment.shader_id, comment.parent_id
    db.session.delete(comment)
    db.session.commit()
    broadcast.comment_event("deleted", shader_id, {"id": comment_id, "shader_id": shader_id,
                                                   "parent_id": parent_id})
