"""Moderation: reports, admins hiding and restoring content (audited), and user blocks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from fractafrag.extensions import db
from fractafrag.models import Block, Comment, Desire, ModerationAction, Report, Shader, User
from fractafrag.services import Forbidden, NotFound, ServiceError
from fractafrag.services.accounts import get_by_username
from fractafrag.services.ratelimit import count_community_write

KINDS: dict[str, Any] = {"shader": Shader, "comment": Comment, "desire": Desire}


def _target(kind: str, target_id: int, include_hidden: bool = False) -> Any:
    model = KINDS.get(kind)
    if model is None:
        message = "kind is shader, comment or desire."
        raise ServiceError(message, {"kind": [message]})
    row = db.session.get(model, target_id)
    if row is None or (row.hidden_at is not None and not include_hidden) or (
            kind == "shader" and row.deleted_at is not None):
        raise NotFound(f"No {kind} {target_id}.")
    return row


def report(reporter_id: int, kind: str, target_id: int, reason: str) -> Report:
    """Report content the reporter can see, for the admins (RATELIMIT_REPORT per account)."""
    count_community_write("report", reporter_id)
    row = _target(kind, target_id)
    if kind == "shader":
        from fractafrag.services import shaders

        shaders.visible_shader(row.id, reporter_id)
    elif kind == "comment":
        from fractafrag.services import shaders

        shaders.visible_shader(row.shader_id, reporter_id)
    entry = Report(reporter_id=reporter_id, kind=kind, target_id=target_id,
                   reason=reason.strip()[:1000])
    db.session.add(entry)
    db.session.commit()
    return entry


def require_admin(user_id: int) -> User:
    """The user if they are an admin; Forbidden otherwise."""
    user = db.session.get(User, user_id)
    if user is None or user.role != "admin":
        raise Forbidden("Only admins may moderate content.")
    return user


def set_hidden(admin_id: int, kind: str, target_id: int, hide: bool,
               reason: str = "") -> ModerationAction:
    """Hide (it leaves every listing, page and room) or restore content; logged."""
    require_admin(admin_id)
    row = _target(kind, target_id, include_hidden=True)
    row.hidden_at = datetime.now(UTC) if hide else None
    action = ModerationAction(admin_id=admin_id, kind=kind, target_id=target_id,
                              action="hide" if hide else "restore", reason=reason[:1000])
    db.session.add(action)
    if hide:
        db.session.execute(sa.update(Report).where(Report.kind == kind,
                                                   Report.target_id == target_id)
                           .values(status="resolved"))
    db.session.commit()
    if kind == "comment" and hide:
        from fractafrag.realtime import broadcast

        broadcast.comment_event("deleted", row.shader_id, {
            "id": row.id, "shader_id": row.shader_id, "parent_id": row.parent_id})
    return action


def audit_log(admin_id: int, limit: int = 100) -> list[ModerationAction]:
    """The newest moderation actions (admins only)."""
    require_admin(admin_id)
    return list(db.session.scalars(sa.select(ModerationAction)
                                   .order_by(ModerationAction.id.desc()).limit(limit)))


def open_reports(admin_id: int, limit: int = 100) -> list[Report]:
    """Open reports, oldest first (admins only)."""
    require_admin(admin_id)
    return list(db.session.scalars(sa.select(Report).where(Report.status == "open")
                                   .order_by(Report.id).limit(limit)))


def block(blocker_id: int, username: str) -> dict[str, Any]:
    """Block someone: their comments disappear for you; they cannot comment on your shaders."""
    user = get_by_username(username)
    if user.id == blocker_id:
        message = "You cannot block yourself."
        raise ServiceError(message, {"username": [message]})
    db.session.execute(insert(Block).values(blocker_id=blocker_id, blocked_id=user.id)
                       .on_conflict_do_nothing())
    db.session.commit()
    return {"username": user.username, "blocked": True}


def unblock(blocker_id: int, username: str) -> dict[str, Any]:
    """Lift a block."""
    user = get_by_username(username)
    db.session.execute(sa.delete(Block).where(Block.blocker_id == blocker_id,
                                              Block.blocked_id == user.id))
    db.session.commit()
    return {"username": user.username, "blocked": False}


def grant_admin(username: str, admin: bool = True) -> User:
    """Make username an admin (or a plain user again); used by `fractafrag admin`."""
    user = get_by_username(username)
    user.role = "admin" if admin else "user"
    db.session.commit()
    return user
