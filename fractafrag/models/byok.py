"""Bring-your-own-key provider credentials, encrypted at rest."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fractafrag.extensions import Model
from fractafrag.models.types import created_at_column, updated_at_column


class ByokKey(Model):
    """A user's key for an AI provider; only the ciphertext and the last 4 characters are kept."""

    __tablename__ = "byok_keys"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "provider", name="uq_byok_keys_user_provider"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(sa.String(32))
    ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
    last4: Mapped[str] = mapped_column(sa.String(4))
    base_url: Mapped[str | None] = mapped_column(sa.String(300))
    model: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
