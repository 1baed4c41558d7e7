"""Column types and helpers shared by the models."""

from datetime import datetime

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from sqlalchemy.orm import mapped_column

EMBEDDING_DIM = 512


def created_at_column() -> sa.orm.MappedColumn[datetime]:
    """A timezone-aware creation time set by the database."""
    return mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def updated_at_column() -> sa.orm.MappedColumn[datetime]:
    """A timezone-aware modification time, refreshed on every ORM update."""
    return mapped_column(
        sa.DateTime(timezone=True),
        server_default=sa.func.now(),
        onupdate=sa.func.now(),
        nullable=False,
    )


def embedding_column(deferred: bool = False) -> sa.orm.MappedColumn[list[float] | None]:
    """A nullable 512-dimension pgvector column; deferred ones load only when read (parsing
    512 floats for every row of a feed page is most of the page's cost)."""
    return mapped_column(Vector(EMBEDDING_DIM), nullable=True, deferred=deferred)


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> sa.CheckConstraint:
    """A CHECK that column holds one of values: the tuple the code uses is the one rule."""
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name or column)
