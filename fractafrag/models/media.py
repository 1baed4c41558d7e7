"""Media people upload for their shaders' inputs (images, audio, video), and which versions
use them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fractafrag.extensions import Model
from fractafrag.models.types import created_at_column, one_of

MEDIA_KINDS = ("image", "audio", "video")


class Media(Model):
    """One uploaded file, immutable: stored once under `<data>/media/<path>`, served at
    `/media/<path>`. Images are Pillow's re-encoding of what was sent; audio is as sent; a
    video is its one video stream remuxed by PyAV into a new WebM or MP4."""

    __tablename__ = "media"
    __table_args__ = (
        one_of("kind", MEDIA_KINDS),
        sa.CheckConstraint("bytes > 0", name="bytes_positive"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    mime: Mapped[str] = mapped_column(sa.String(32))
    # Relative to <data>/media and to /media/: "<2 hex>/<32 hex>.<ext>" (never reused).
    path: Mapped[str] = mapped_column(sa.String(120), unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    bytes: Mapped[int] = mapped_column(sa.Integer)
    width: Mapped[int | None] = mapped_column(sa.Integer)
    height: Mapped[int | None] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(200), server_default="")
    created_at: Mapped[datetime] = created_at_column()

    def __repr__(self) -> str:
        return f"<Media {self.id} {self.kind} {self.path}>"


class MediaUse(Model):
    """A shader version whose inputs name `media:<id>`. Rows are written by the database (the
    `shader_versions_media_uses` trigger, on every inserted version) and go with the version;
    a used medium cannot be deleted (the foreign key refuses it)."""

    __tablename__ = "media_uses"

    media_id: Mapped[int] = mapped_column(
        sa.ForeignKey("media.id", ondelete="RESTRICT"), primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shader_versions.id", ondelete="CASCADE"), primary_key=True, index=True)
    shader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shaders.id", ondelete="CASCADE"), index=True)
