"""Community: comments, notifications, follows, blocks, reports, moderation log, playlists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fractafrag.extensions import Model
from fractafrag.models.types import created_at_column, one_of, updated_at_column
from fractafrag.models.user import User

REPORTABLE_KINDS = ("shader", "comment", "desire")  # what may be reported, hidden, restored
REPORT_STATUSES = ("open", "resolved")
MODERATION_ACTIONS = ("hide", "restore")


class Comment(Model):
    """A comment on a shader; replies (parent_id) go one level deep."""

    __tablename__ = "comments"
    __table_args__ = (sa.CheckConstraint("length(body) BETWEEN 1 AND 2000", name="body_length"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    shader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shaders.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    edited_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class Notification(Model):
    """Something that happened to a user's work (fork, comment, vote, fulfilment, failed
    render) or account (its email changed)."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('fork', 'comment', 'vote', 'fulfilled', 'render_failed', 'email_changed')",
            name="kind"),
        sa.Index("ix_notifications_user_unread", "user_id", "id",
                 postgresql_where=sa.text("read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    shader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shaders.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=sa.text("'{}'::jsonb"))
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    actor: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[actor_id])


class Follow(Model):
    """follower follows followee."""

    __tablename__ = "follows"
    __table_args__ = (sa.CheckConstraint("follower_id <> followee_id", name="not_self"),)

    follower_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    followee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = created_at_column()


class Block(Model):
    """blocker no longer sees blocked's comments, and blocked cannot comment on their shaders."""

    __tablename__ = "blocks"
    __table_args__ = (sa.CheckConstraint("blocker_id <> blocked_id", name="not_self"),)

    blocker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = created_at_column()


class Report(Model):
    """A user's report of a shader, comment or desire, for the admins."""

    __tablename__ = "reports"
    __table_args__ = (
        one_of("kind", REPORTABLE_KINDS),
        one_of("status", REPORT_STATUSES),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    reporter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    target_id: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(1000))
    status: Mapped[str] = mapped_column(sa.String(16), server_default="open")
    created_at: Mapped[datetime] = created_at_column()


class ModerationAction(Model):
    """The audit log: which admin hid or restored what, and when."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        one_of("kind", REPORTABLE_KINDS),
        one_of("action", MODERATION_ACTIONS),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    admin_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    target_id: Mapped[int] = mapped_column(sa.BigInteger)
    action: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.String(1000), server_default="")
    created_at: Mapped[datetime] = created_at_column()


class Playlist(Model):
    """An ordered, public or private collection of shaders."""

    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.String(1000), server_default="")
    public: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    owner: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class PlaylistItem(Model):
    """One shader at one position of a playlist."""

    __tablename__ = "playlist_items"

    playlist_id: Mapped[int] = mapped_column(
        sa.ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True)
    shader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shaders.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = created_at_column()
