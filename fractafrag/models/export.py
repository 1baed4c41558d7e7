"""Exports: a shader version rendered offline to a still, a video or a GIF for its requester."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fractafrag.extensions import Model
from fractafrag.models.types import created_at_column, one_of

EXPORT_FORMATS = ("png", "webm", "mp4", "gif")
EXPORT_STATUSES = ("queued", "rendering", "ready", "failed")


class Export(Model):
    """One export job and, once ready, its file under `<data>/exports/<path>` (served at
    `/exports/<path>`) until `expires_at`, when the sweeper deletes it (the row stays, as
    expired: url null)."""

    __tablename__ = "exports"
    __table_args__ = (
        one_of("format", EXPORT_FORMATS),
        one_of("status", EXPORT_STATUSES),
        sa.CheckConstraint("width > 0 AND height > 0 AND fps > 0 AND seconds >= 0",
                           name="positive"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    shader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shaders.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    format: Mapped[str] = mapped_column(sa.String(8))
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    seconds: Mapped[float] = mapped_column(sa.Float)
    fps: Mapped[int] = mapped_column(sa.Integer)
    start: Mapped[float] = mapped_column(sa.Float, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(16), server_default="queued")
    progress: Mapped[float] = mapped_column(sa.Float, server_default="0")
    # Relative to <data>/exports and to /exports/: "<2 hex>/<32 hex>.<ext>"; null until ready
    # and again once the file has expired.
    path: Mapped[str | None] = mapped_column(sa.String(120))
    bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)

    def __repr__(self) -> str:
        return f"<Export {self.id} {self.format} {self.width}x{self.height} {self.status}>"
