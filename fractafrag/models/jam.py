"""Jam sessions: a shader's code edited live by several people, and the log of their edits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from fractafrag.extensions import Model
from fractafrag.models.types import created_at_column, one_of

JAM_STATUSES = ("live", "ended")


class Jam(Model):
    """One jam on a shader: who started it, its invite, and its compacted Yjs document."""

    __tablename__ = "jams"
    __table_args__ = (
        one_of("status", JAM_STATUSES),
        # A shader has at most one live jam.
        sa.Index("uq_jams_live_shader", "shader_id", unique=True,
                 postgresql_where=sa.text("status = 'live'")),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    shader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shaders.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    base_version: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16), server_default="live")
    # The token in edit_url; a new one replaces it (people who joined stay editors).
    invite: Mapped[str] = mapped_column(sa.String(64))
    editors_may_save: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    # The pass names in the document's meta order (Common first when present).
    passes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(16)))
    # The document as one Yjs update, holding every jam_updates row up to state_upto.
    state: Mapped[bytes] = mapped_column(sa.LargeBinary)
    state_upto: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    created_at: Mapped[datetime] = created_at_column()
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<Jam {self.id} shader {self.shader_id} {self.status}>"


class JamParticipant(Model):
    """A co-editor who joined with the invite (the owner needs no row); removed ones stay,
    marked, so no token lets them back in."""

    __tablename__ = "jam_participants"

    jam_id: Mapped[int] = mapped_column(
        sa.ForeignKey("jams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    color: Mapped[str] = mapped_column(sa.String(16))
    # Accepted updates sent: who counts as a co-author of a save.
    updates: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    joined_at: Mapped[datetime] = created_at_column()
    removed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class JamUpdate(Model):
    """One accepted Yjs update, stored before it is acknowledged; compaction folds the old
    ones into Jam.state."""

    __tablename__ = "jam_updates"
    __table_args__ = (sa.Index("ix_jam_updates_jam_id_id", "jam_id", "id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    jam_id: Mapped[int] = mapped_column(sa.ForeignKey("jams.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    update: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = created_at_column()
