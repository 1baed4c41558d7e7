"""Notifications: what others did to your work, stored and sent live to `user:<id>`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError

from fractafrag.extensions import db
from fractafrag.models import Notification
from fractafrag.realtime import broadcast

log = logging.getLogger(__name__)
KINDS = ("fork", "comment", "vote", "fulfilled", "render_failed", "email_changed")
TEXT = {
    "fork": "{actor} forked “{title}”",
    "comment": "{actor} commented on “{title}”",
    "vote": "{actor} voted on “{title}”",
    "fulfilled": "{actor} accepted “{title}” for their desire",
    "render_failed": "“{title}” failed to render",
    "email_changed": "Your account's email was changed from {old} to {new}. If you did not do "
                     "this, change your password now.",
}


def text_of(note: Notification) -> str:
    """One line describing the notification."""
    return _text(note.kind, note.actor.username if note.actor is not None else None,
                 note.data or {})


def _text(kind: str, actor: str | None, data: dict[str, Any]) -> str:
    return TEXT[kind].format(actor=actor or "Someone", title=data.get("title", "a shader"),
                             old=data.get("old", "?"), new=data.get("new", "?"))


def payload(note: Notification) -> dict[str, Any]:
    """The notification as JSON."""
    return payload_of(note.id, note.kind, note.shader_id,
                      note.actor.username if note.actor is not None else None,
                      note.data or {}, note.read_at is not None, note.created_at)


def payload_of(note_id: int, kind: str, shader_id: int | None, actor: str | None,
               data: dict[str, Any], read: bool, created_at: datetime) -> dict[str, Any]:
    """The JSON of a notification from its columns (a caller that inserted it in SQL)."""
    return {"id": note_id, "kind": kind, "shader_id": shader_id, "actor": actor, "data": data,
            "text": _text(kind, actor, data), "read": read,
            "created_at": created_at.isoformat()}


def stage(user_id: int, kind: str, actor_id: int | None = None, shader_id: int | None = None,
          data: dict[str, Any] | None = None) -> Notification | None:
    """Add a notification to the caller's transaction (send it with `send` after the commit).

    For callers holding row locks: the insert's foreign-key checks then run after their locks
    are taken, in the same order, so concurrent callers cannot deadlock.
    """
    if actor_id is not None and actor_id == user_id:
        return None
    note = Notification(user_id=user_id, actor_id=actor_id, kind=kind, shader_id=shader_id,
                        data=data or {})
    db.session.add(note)
    return note


def send(note: Notification | None) -> None:
    """Emit a committed notification to its recipient's room."""
    if note is not None:
        broadcast.notification(note.user_id, payload(note))


def notify(user_id: int, kind: str, actor_id: int | None = None, shader_id: int | None = None,
           data: dict[str, Any] | None = None) -> Notification | None:
    """Tell user_id; nothing when they did it themselves. Never fails the caller's action."""
    if actor_id is not None and actor_id == user_id:
        return None
    try:
        note = Notification(user_id=user_id, actor_id=actor_id, kind=kind, shader_id=shader_id,
                            data=data or {})
        db.session.add(note)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("could not store a %s notification for user %s: %s", kind, user_id, error)
        return None
    broadcast.notification(user_id, payload(note))
    return note


def list_for(user_id: int, unread_only: bool, page: int, page_size: int
             ) -> tuple[list[Notification], int]:
    """The user's notifications, newest first."""
    query = sa.select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(Notification.id.desc())
                              .offset((page - 1) * page_size).limit(page_size))
    return list(rows), total


def unread_count(user_id: int) -> int:
    """How many unread notifications user_id has."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(user_id: int, ids: list[int] | None) -> int:
    """Mark the given notifications (all when ids is None) read; return how many changed."""
    query = (sa.update(Notification).where(Notification.user_id == user_id,
                                           Notification.read_at.is_(None))
             .values(read_at=datetime.now(UTC)))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    # An UPDATE's result is a CursorResult; Session.execute's overloads only say Result.
    changed = cast("CursorResult[Any]", db.session.execute(query)).rowcount
    db.session.commit()
    return changed
