"""Shader search: PostgreSQL full text with field syntax, filters, sorts, stable pages."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import Select

from fractafrag.extensions import db
from fractafrag.models import Shader, User

SORTS = ("relevance", "new", "hot", "top")
# Counting every match of a broad query costs more than the page itself; totals stop here.
COUNT_CAP = 10_000
# Relevance ranks the hottest matches only: ranking every row that contains a common word
# ("fractal" is in most shaders) would cost tens of milliseconds for no visible gain.
RELEVANCE_CANDIDATES = 1_000
_FIELD = re.compile(r"^(-?)(tag|author):(.+)$", re.IGNORECASE)


@dataclass
class ParsedQuery:
    """A search string split into full-text terms and field filters."""

    text: str = ""
    tags: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)


def parse_query(q: str) -> ParsedQuery:
    """Split `tag:x author:y "exact phrase" -word` into filters and a websearch text."""
    parsed = ParsedQuery()
    try:
        tokens = shlex.split(q, posix=False)
    except ValueError:  # an unbalanced quote: treat it as a plain word
        tokens = q.replace('"', " ").split()
    words = []
    for token in tokens:
        match = _FIELD.match(token)
        if match:
            negate, kind, value = match.groups()
            value = value.strip('"').lower()
            if kind.lower() == "tag":
                (parsed.not_tags if negate else parsed.tags).append(value.lstrip("#"))
            elif not negate:
                parsed.authors.append(value)
            continue
        words.append(token)
    parsed.text = " ".join(words)
    return parsed


def visible_listing(viewer_id: int | None, author_id: int | None = None) -> Select[Shader]:
    """Shaders a list may show: public ones, plus all of the viewer's own when listing them."""
    query = sa.select(Shader).where(Shader.live())
    if author_id is not None and author_id == viewer_id:
        return query.where(Shader.owner_id == author_id)
    query = query.where(Shader.listed())
    if author_id is not None:
        query = query.where(Shader.owner_id == author_id)
    return query


def search_shaders(q: str = "", tags: list[str] | None = None, author: str | None = None,
                   sort: str | None = None, viewer_id: int | None = None,
                   page: int = 1, page_size: int = 20) -> tuple[list[Shader], int]:
    """One page of matching shaders and the number of matches (counted up to a cap)."""
    parsed = parse_query(q or "")
    all_tags = [t.lower() for t in (tags or [])] + parsed.tags
    authors = parsed.authors + ([author.lower()] if author else [])
    author_id = None
    if authors:
        ids = set(db.session.scalars(sa.select(User.id).where(
            sa.func.lower(User.username).in_(authors))))
        if len(ids) != 1:
            return [], 0
        author_id = ids.pop()
    query = visible_listing(viewer_id, author_id)
    if all_tags:
        query = query.where(Shader.tags.contains(sa.cast(all_tags, Shader.tags.type)))
    for tag in parsed.not_tags:
        query = query.where(sa.not_(Shader.tags.contains(sa.cast([tag], Shader.tags.type))))
    tsquery = None
    if parsed.text.strip():
        tsquery = sa.func.websearch_to_tsquery("english", parsed.text)
        query = query.where(Shader.search.bool_op("@@")(tsquery))
    sort = sort or ("relevance" if tsquery is not None else "new")
    if sort == "relevance" and tsquery is not None:
        return _by_relevance(query, tsquery, page, page_size)
    total = db.session.scalars(sa.select(sa.func.count()).select_from(
        query.with_only_columns(Shader.id).limit(COUNT_CAP).subquery())).one()
    order: list[sa.UnaryExpression[Any]]
    if sort == "hot":
        order = [Shader.hot.desc(), Shader.id.desc()]
    elif sort == "top":
        order = [Shader.score.desc(), Shader.id.desc()]
    else:
        order = [Shader.published_at.desc(), Shader.id.desc()]
    rows = db.session.scalars(query.order_by(*order).limit(page_size)
                              .offset((page - 1) * page_size))
    return list(rows), total


def _by_relevance(query: Select[Shader], tsquery: sa.ColumnElement[Any], page: int,
                  page_size: int) -> tuple[list[Shader], int]:
    """Rank the hottest RELEVANCE_CANDIDATES matches; their number is the total."""
    candidates = (query.with_only_columns(Shader.id, Shader.search)
                  .order_by(Shader.hot.desc()).limit(RELEVANCE_CANDIDATES).subquery())
    scored = list(db.session.execute(sa.select(
        candidates.c.id, sa.func.ts_rank_cd(candidates.c.search, tsquery))).all())
    scored.sort(key=lambda row: (-row[1], -row[0]))
    ids = [row[0] for row in scored[(page - 1) * page_size: page * page_size]]
    found = {s.id: s for s in db.session.scalars(sa.select(Shader).where(Shader.id.in_(ids)))}
    return [found[i] for i in ids], len(scored)


def popular_tags(limit: int = 24) -> list[dict[str, str | int]]:
    """The tags most used by listed shaders, with their counts (the explore page's cloud)."""
    tag = sa.func.unnest(Shader.tags).label("tag")
    used = sa.select(tag).where(Shader.listed()).subquery()
    count = sa.func.count().label("n")
    rows = db.session.execute(sa.select(used.c.tag, count).group_by(used.c.tag)
                              .order_by(count.desc(), used.c.tag).limit(limit))
    return [{"tag": row.tag, "n": row.n} for row in rows]
