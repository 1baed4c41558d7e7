"""The free tier's monthly allowance of new shaders (forks and imports count, versions do not)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app

from fractafrag.extensions import db
from fractafrag.models import Shader, User
from fractafrag.services import NotFound, ServiceError


class QuotaExceeded(ServiceError):
    """The free allowance for this month is used up."""

    status = 429


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Start of this calendar month and of the next one (UTC)."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = start.replace(year=start.year + 1, month=1) if start.month == 12 else \
        start.replace(month=start.month + 1)
    return start, following


def is_pro(user: User, now: datetime) -> bool:
    """True for Pro accounts whose paid period has not ended."""
    return user.tier == "pro" and (user.pro_until is None or user.pro_until > now)


def reserve_new_shader(user_id: int) -> User:
    """Lock the user's row and check one more shader fits this month; return the user."""
    user = db.session.scalar(sa.select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound("The account no longer exists.")
    now = datetime.now(UTC)
    if is_pro(user, now):
        return user
    limit = current_app.config["FREE_SHADERS_PER_MONTH"]
    start, reset = month_bounds(now)
    used = db.session.scalar(sa.select(sa.func.count(Shader.id)).where(
        Shader.owner_id == user_id, Shader.created_at >= start))
    if used >= limit:
        db.session.rollback()
        wait = int((reset - now).total_seconds()) + 1
        raise QuotaExceeded(
            f"Free accounts may create {limit} shaders a month (forks and imports count; new "
            f"versions do not). Your allowance resets on {reset.date().isoformat()}; "
            "Pro accounts are unlimited.",
            {"quota": {"limit": limit, "used": used, "resets_at": reset.isoformat()}},
            headers={"Retry-After": str(wait)},
        )
    return user
