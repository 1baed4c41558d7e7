"""The desire board: asks for shaders and the clusters similar asks form."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fractafrag.extensions import Model
from fractafrag.models.types import created_at_column, embedding_column, one_of, updated_at_column
from fractafrag.models.user import User

DESIRE_STATUSES = ("open", "fulfilled", "closed")


class DesireCluster(Model):
    """A group of similar desires around a centroid, with a label and a heat."""

    __tablename__ = "desire_clusters"
    __table_args__ = (
        sa.Index(
            "ix_desire_clusters_centroid",
            "centroid",
            postgresql_using="hnsw",
            postgresql_ops={"centroid": "vector_cosine_ops"},
            # Every join rewrites a centroid (an index insert); a smaller candidate list at
            # build time halves that cost, and bench/desires.py checks the search still finds
            # the true nearest centroid.
            postgresql_with={"ef_construction": 32},
        ),
        sa.Index("ix_desire_clusters_heat", "heat"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    centroid = embedding_column()
    size: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    heat: Mapped[float] = mapped_column(sa.Float, server_default="0")
    label: Mapped[str] = mapped_column(sa.String(120), server_default="")
    # log2(heat) + updated_at / half-life: orders clusters by their heat *now*, since every
    # cluster's heat decays at the same rate; indexed.
    heat_rank: Mapped[float] = mapped_column(sa.Float, server_default="0", index=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Desire(Model):
    """Someone's ask for a shader that does not exist yet, optionally with a bounty."""

    __tablename__ = "desires"
    __table_args__ = (
        one_of("status", DESIRE_STATUSES),
        sa.CheckConstraint("bounty_cents >= 0", name="bounty_nonnegative"),
        sa.Index("ix_desires_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    author_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    prompt: Mapped[str] = mapped_column(sa.String(500))
    bounty_cents: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(16), server_default="open")
    embedding = embedding_column()
    cluster_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("desire_clusters.id", ondelete="SET NULL"), index=True
    )
    fulfilled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("shaders.id", ondelete="SET NULL")
    )
    fulfilled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)


FULFILLMENT_STATUSES = ("offered", "accepted", "declined")


class DesireFulfillment(Model):
    """A shader someone offers as the answer to a desire; the asker accepts one."""

    __tablename__ = "desire_fulfillments"
    __table_args__ = (
        one_of("status", FULFILLMENT_STATUSES),
        sa.UniqueConstraint("desire_id", "shader_id", name="uq_desire_fulfillments_offer"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    desire_id: Mapped[int] = mapped_column(sa.ForeignKey("desires.id", ondelete="CASCADE"))
    shader_id: Mapped[int] = mapped_column(sa.ForeignKey("shaders.id", ondelete="CASCADE"))
    offered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(16), server_default="offered")
    created_at: Mapped[datetime] = created_at_column()
