"""Engagement: one vote per user and shader, and dwell time on shader pages."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fractafrag.extensions import Model
from fractafrag.models.types import created_at_column, updated_at_column


class Vote(Model):
    """A user's up (+1) or down (-1) vote on a shader; the primary key makes it unique."""

    __tablename__ = "votes"
    __table_args__ = (sa.CheckConstraint("value IN (-1, 1)", name="value"),)

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    shader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shaders.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[int] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class DwellEvent(Model):
    """How long someone stayed on a shader's page; feeds taste vectors and view counts."""

    __tablename__ = "dwell_events"
    __table_args__ = (sa.CheckConstraint("ms > 0 AND ms <= 600000", name="ms_range"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    shader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shaders.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    ms: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = created_at_column()
