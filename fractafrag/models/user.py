"""Accounts: who someone is, how they sign in, and their plan."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fractafrag.extensions import Model
from fractafrag.models.types import created_at_column, embedding_column, one_of, updated_at_column

ROLES = ("user", "admin")
TIERS = ("free", "pro")


class User(Model):
    """A person (or an agent's owner) with an account."""

    __tablename__ = "users"
    __table_args__ = (
        sa.Index("uq_users_username_lower", sa.func.lower(sa.text("username")), unique=True),
        sa.Index("uq_users_email_lower", sa.func.lower(sa.text("email")), unique=True),
        one_of("role", ROLES),
        one_of("tier", TIERS),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(32))
    email: Mapped[str] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(64), server_default="")
    bio: Mapped[str] = mapped_column(sa.String(1000), server_default="")
    website: Mapped[str] = mapped_column(sa.String(200), server_default="")
    role: Mapped[str] = mapped_column(sa.String(16), server_default="user")
    tier: Mapped[str] = mapped_column(sa.String(16), server_default="free")
    pro_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    taste_vector = embedding_column(deferred=True)
    # Deleted by its owner: personal data erased, never signs in again; the row stays so what
    # they published keeps its foreign keys (see accounts.delete_account).
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"
