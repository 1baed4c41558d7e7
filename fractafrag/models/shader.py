"""Shaders and their immutable versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fractafrag.extensions import Model
from fractafrag.models.types import (
    created_at_column,
    embedding_column,
    one_of,
    updated_at_column,
)
from fractafrag.models.user import User

VISIBILITIES = ("public", "unlisted", "private", "draft")
RENDER_STATUSES = ("pending", "rendering", "ready", "failed")
LISTED = ("public",)                   # shown in feeds, search, listings and rooms' live events
OPEN_BY_LINK = ("public", "unlisted")  # anyone with the link may see it
# Shader.listed() for raw SQL (the feed's ranking statements), kept beside it.
LISTED_SQL = "visibility = 'public' AND deleted_at IS NULL AND hidden_at IS NULL"


class Shader(Model):
    """A shader: its metadata, counters and render state; the code lives in its versions."""

    __tablename__ = "shaders"
    __table_args__ = (
        one_of("visibility", VISIBILITIES),
        one_of("render_status", RENDER_STATUSES),
        sa.Index("ix_shaders_search", "search", postgresql_using="gin"),
        sa.Index("ix_shaders_tags", "tags", postgresql_using="gin"),
        sa.Index(
            "ix_shaders_style_vector",
            "style_vector",
            postgresql_using="hnsw",
            postgresql_ops={"style_vector": "vector_cosine_ops"},
        ),
        # Listing orders (new / hot / top) over live shaders, id breaking ties for stable pages.
        sa.Index("ix_shaders_listing_published", "visibility", "published_at", "id",
                 postgresql_where=sa.text("deleted_at IS NULL")),
        sa.Index("ix_shaders_listing_hot", "visibility", "hot", "id",
                 postgresql_where=sa.text("deleted_at IS NULL")),
        sa.Index("ix_shaders_listing_score", "visibility", "score", "id",
                 postgresql_where=sa.text("deleted_at IS NULL")),
        # The sweeper's scan for renders that never finished.
        sa.Index("ix_shaders_render_status", "render_status",
                 postgresql_where=sa.text("render_status IN ('pending', 'rendering')")),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, server_default="")
    tags: Mapped[list[str]] = mapped_column(ARRAY(sa.String(32)), server_default="{}")
    visibility: Mapped[str] = mapped_column(sa.String(16), server_default="public")
    license: Mapped[str] = mapped_column(sa.String(64))
    current_version: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    forked_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("shaders.id", ondelete="SET NULL"), index=True
    )
    forked_from_version: Mapped[int | None] = mapped_column(sa.Integer)
    fork_count: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    up: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    down: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    score: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    hot: Mapped[float] = mapped_column(sa.Float, server_default="0")
    view_count: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    render_status: Mapped[str] = mapped_column(sa.String(16), server_default="pending")
    render_error: Mapped[str | None] = mapped_column(sa.Text)
    render_attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    render_started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    rendered_version: Mapped[int | None] = mapped_column(sa.Integer)
    thumbnail_url: Mapped[str | None] = mapped_column(sa.String(300))
    preview_url: Mapped[str | None] = mapped_column(sa.String(300))
    # What the last render made (see render_worker.capture): preview frames and their rate
    # (fewer and slower when the budget ran short; 0: the preview is the thumbnail) and the
    # milliseconds one thumbnail-sized frame took to draw.
    preview_frames: Mapped[int | None] = mapped_column(sa.Integer)
    preview_fps: Mapped[float | None] = mapped_column(sa.Float)
    render_frame_ms: Mapped[float | None] = mapped_column(sa.Float)
    style_vector = embedding_column(deferred=True)
    # Kept current by the shaders_search_refresh trigger (title, description, tags, author).
    search: Mapped[Any] = mapped_column(TSVECTOR, nullable=True, deferred=True)
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    owner: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    # The code of the current version; loaded only where a single shader is shown.
    current: Mapped[ShaderVersion] = relationship(
        primaryjoin="and_(ShaderVersion.shader_id == Shader.id, "
        "ShaderVersion.version == foreign(Shader.current_version))",
        viewonly=True,
        uselist=False,
        lazy="select",
    )

    @classmethod
    def live(cls) -> sa.ColumnElement[bool]:
        """Not deleted and not hidden by a moderator (its owner still sees its pages)."""
        return sa.and_(cls.deleted_at.is_(None), cls.hidden_at.is_(None))

    @classmethod
    def listed(cls) -> sa.ColumnElement[bool]:
        """Publicly listed: live and public (LISTED_SQL says the same in SQL)."""
        return sa.and_(cls.visibility.in_(LISTED), cls.live())

    @classmethod
    def in_feed(cls) -> sa.ColumnElement[bool]:
        """Listed and rendered: what feeds and trending show."""
        return sa.and_(cls.listed(), cls.render_status == "ready")

    def __repr__(self) -> str:
        return f"<Shader {self.id} v{self.current_version} {self.title!r}>"


class ShaderVersion(Model):
    """One immutable snapshot of a shader's code; the database refuses UPDATEs of it."""

    __tablename__ = "shader_versions"
    __table_args__ = (sa.UniqueConstraint("shader_id", "version", name="uq_shader_versions"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    shader_id: Mapped[int] = mapped_column(sa.ForeignKey("shaders.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(sa.Integer)
    common: Mapped[str] = mapped_column(sa.Text, server_default="")
    passes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(sa.String(200), server_default="")
    # Who else wrote this version live with the author (a saved jam's editors).
    co_author_ids: Mapped[list[int]] = mapped_column(ARRAY(sa.BigInteger), server_default="{}")
    created_at: Mapped[datetime] = created_at_column()

    def __repr__(self) -> str:
        return f"<ShaderVersion {self.shader_id} v{self.version}>"
