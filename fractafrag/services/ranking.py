"""Ranking formulas shared by votes, feeds and search."""

from __future__ import annotations

import math
from datetime import datetime

# Reddit's epoch offset and 12.5-hour decay: 10 net votes outweigh 12.5 hours of age.
HOT_EPOCH = 1134028003
HOT_DECAY_SECONDS = 45000


def hot_score(score: int, published_at: datetime) -> float:
    """sign(s)·log10(max(|s|, 1)) + (published − 1134028003) / 45000."""
    sign = (score > 0) - (score < 0)
    order = math.log10(max(abs(score), 1))
    return round(sign * order + (published_at.timestamp() - HOT_EPOCH) / HOT_DECAY_SECONDS, 7)


def hot_score_sql(score: str, published_at: str) -> str:
    """`hot_score` as a PostgreSQL expression over two SQL expressions (a vote computes the
    hot score in the statement that changes the counters); tests keep the two in agreement."""
    return (f"round((sign({score})::float8 * log(greatest(abs({score}), 1)::float8)"
            f" + (extract(epoch FROM {published_at})::float8 - {HOT_EPOCH})"
            f" / {HOT_DECAY_SECONDS})::numeric, 7)::float8")
