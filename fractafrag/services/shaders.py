"""Shaders: publish, edit (new code makes a new immutable version), delete, fork, history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value

from fractafrag.extensions import db
from fractafrag.models import Shader, ShaderVersion, User
from fractafrag.models.shader import LISTED, OPEN_BY_LINK
from fractafrag.realtime import broadcast
from fractafrag.services import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    browser_check,
    media,
    quota,
    renders,
    shader_cache,  # noqa: F401  (its session events drop stale copies)
    vectors,
)
from fractafrag.services.licenses import SPDX_LICENSES, canonical_license
from fractafrag.services.ranking import hot_score

MAX_TAGS = 10


class GlslInvalid(ServiceError):
    """The code does not compile (or breaks a structural rule); errors list pass and line."""

    status = 422


def source_from(body: dict[str, Any]) -> dict[str, Any]:
    """A version {common, passes} from a request's `code` or `passes` + `common`."""
    if body.get("code") is not None and body.get("passes") is not None:
        raise ServiceError("Send either code or passes, not both.",
                           {"code": ["Send either code or passes, not both."]})
    if body.get("code") is not None:
        return {"common": body.get("common") or "",
                "passes": [{"name": "Image", "code": body["code"], "inputs": []}]}
    if body.get("passes") is not None:
        passes = [{"name": p["name"], "code": p["code"], "inputs": list(p.get("inputs") or [])}
                  for p in body["passes"]]
        return {"common": body.get("common") or "", "passes": passes}
    raise ServiceError("Send the shader's code (or passes).", {"code": ["Missing code or passes."]})


def compile_or_raise(version: dict[str, Any]) -> None:
    """Validate the version with glslang within the site's compile bounds (compile_gate),
    confirming its known-stricter refusals in the browser (browser_check);
    raise GlslInvalid listing every error (CompileRefused 422 / CompilerBusy 503 past them)."""
    errors = browser_check.validate(version["common"], version["passes"], publishing=True)
    if errors:
        first = errors[0]
        where = f"{first.pass_name} line {first.line}" if first.line else first.pass_name
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise GlslInvalid(f"The shader does not compile: {where}: {first.message}{more}",
                          [e.as_dict() for e in errors])


def normalise_tags(tags: list[str]) -> list[str]:
    """Lower-case, trimmed, de-duplicated tags in their given order."""
    seen: list[str] = []
    for tag in tags:
        cleaned = tag.strip().lower().lstrip("#")
        if cleaned and cleaned not in seen:
            seen.append(cleaned)
    if len(seen) > MAX_TAGS:
        raise ServiceError(f"At most {MAX_TAGS} tags.", {"tags": [f"At most {MAX_TAGS} tags."]})
    return seen


def resolve_license(value: str | None) -> str:
    """The SPDX id to store: the given one, or the configured default."""
    if value is None:
        default: str = current_app.config["DEFAULT_LICENSE"]
        return default
    spdx = canonical_license(value)
    if spdx is None:
        message = f"Unknown licence {value!r}; use an SPDX id such as: {', '.join(SPDX_LICENSES)}."
        raise ServiceError(message, {"license": [message]})
    return spdx


class Seen(Protocol):
    """What can_see reads: a Shader, or a row of these columns of one."""

    @property
    def owner_id(self) -> int: ...
    @property
    def visibility(self) -> str: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def hidden_at(self) -> datetime | None: ...


def can_see(shader: Seen, viewer_id: int | None) -> bool:
    """Whether viewer may see shader: public or unlisted to all, the rest to the owner only."""
    if shader.deleted_at is not None or shader.hidden_at is not None:
        return False
    return shader.visibility in OPEN_BY_LINK or shader.owner_id == viewer_id


def visible_shader(shader_id: int, viewer_id: int | None) -> Shader:
    """The shader if viewer may see it; otherwise NotFound (private ones are not admitted to)."""
    shader = db.session.get(Shader, shader_id)
    if shader is None or not can_see(shader, viewer_id):
        raise NotFound(f"No shader {shader_id}.")
    return shader


def owned_shader(shader_id: int, user_id: int, lock: bool = False) -> Shader:
    """The shader if user owns it; 404 when invisible to them, 403 when it is someone else's."""
    shader = visible_shader(shader_id, user_id)
    if shader.owner_id != user_id:
        raise Forbidden("Only the shader's owner may change it; fork it to make your own.")
    if lock:
        db.session.execute(sa.select(Shader.id).where(Shader.id == shader_id).with_for_update())
        db.session.refresh(shader)
    return shader


def _publish_fields(shader: Shader) -> bool:
    """Stamp the first publication; True when this made a public shader appear in the feed."""
    if shader.visibility in OPEN_BY_LINK and shader.published_at is None:
        shader.published_at = datetime.now(UTC)
        shader.hot = hot_score(shader.score or 0, shader.published_at)
        return shader.visibility in LISTED
    return False


def media_or_raise(version: dict[str, Any], author_id: int | None) -> None:
    """Refuse (GlslInvalid, 422, the same {pass, line, message} errors as a compile) a version
    whose `media:<id>` inputs name media that do not exist or the author may not use."""
    errors = media.media_source_errors(version["passes"], author_id)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise GlslInvalid(f"The shader's inputs are not usable: {first['pass']}: "
                          f"{first['message']}{more}", errors)


def _announce(shader: Shader) -> None:
    assert shader.published_at is not None  # announced once _publish_fields has stamped it
    broadcast.shader_published(shader.id, shader.current_version, shader.title,
                               shader.owner.username, shader.tags, shader.published_at)


def create_shader(owner_id: int, meta: dict[str, Any], version: dict[str, Any],
                  forked_from: tuple[int, int] | None = None) -> Shader:
    """Validate, check the monthly quota, and store a shader with its version 1."""
    compile_or_raise(version)
    media_or_raise(version, owner_id)
    owner = quota.reserve_new_shader(owner_id)
    shader = Shader(
        owner_id=owner.id,
        title=meta["title"].strip(),
        description=meta.get("description") or "",
        tags=normalise_tags(meta.get("tags") or []),
        visibility=meta.get("visibility") or "public",
        license=resolve_license(meta.get("license")),
        current_version=1,
        render_status="pending",
    )
    if forked_from is not None:
        shader.forked_from_id, shader.forked_from_version = forked_from
    announce = _publish_fields(shader)
    db.session.add(shader)
    db.session.flush()
    db.session.add(ShaderVersion(shader_id=shader.id, version=1, common=version["common"],
                                 passes=version["passes"], author_id=owner.id,
                                 message=meta.get("message") or ""))
    if forked_from is not None:
        db.session.execute(sa.update(Shader).where(Shader.id == forked_from[0])
                           .values(fork_count=Shader.fork_count + 1))
    db.session.commit()
    if announce:
        _announce(shader)
    renders.request_render(shader.id, 1)
    vectors.request_style_vector(shader.id)
    return shader


def _same_code(row: ShaderVersion, version: dict[str, Any]) -> bool:
    return bool(row.common == version["common"] and row.passes == version["passes"])


def _add_version(shader: Shader, version: dict[str, Any], user_id: int, message: str,
                 co_author_ids: list[int] | None = None) -> None:
    shader.current_version += 1
    db.session.add(ShaderVersion(shader_id=shader.id, version=shader.current_version,
                                 common=version["common"], passes=version["passes"],
                                 author_id=user_id, message=message,
                                 co_author_ids=list(co_author_ids or [])))
    shader.render_status = "pending"
    shader.render_error = None


def _answer_with(shader: Shader, number: int) -> None:
    """After the commit, let shader answer with the version this request made (number) and its
    code, not whatever a concurrent edit has made current since (reloading would read that)."""
    set_committed_value(shader, "current_version", number)


def _edited_source(current: ShaderVersion, changes: dict[str, Any]) -> dict[str, Any] | None:
    """The code after an edit: `passes` replace all, `code` replaces the Image pass only."""
    if all(changes.get(key) is None for key in ("code", "passes", "common")):
        return None
    if changes.get("code") is not None and changes.get("passes") is not None:
        raise ServiceError("Send either code or passes, not both.",
                           {"code": ["Send either code or passes, not both."]})
    passes = current.passes
    if changes.get("passes") is not None:
        passes = source_from({"passes": changes["passes"]})["passes"]
    elif changes.get("code") is not None:
        passes = [{**p, "code": changes["code"]} if p["name"] == "Image" else p for p in passes]
    common = changes["common"] if changes.get("common") is not None else current.common
    return {"common": common or "", "passes": passes}


def update_shader(shader_id: int, user_id: int, changes: dict[str, Any]) -> Shader:
    """Edit metadata and/or code; only code that differs from the current makes version n+1."""
    shader = owned_shader(shader_id, user_id)
    version = _edited_source(shader.current, changes)
    if version is not None and _same_code(shader.current, version):
        version = None  # the same code makes no new version
    new_version = version is not None
    if version is not None:
        compile_or_raise(version)  # before taking the row lock: compiling takes ~0.1 s
        media_or_raise(version, user_id)
    shader = owned_shader(shader_id, user_id, lock=True)
    if version is not None:
        _add_version(shader, version, user_id, changes.get("message") or "")
    for field in ("title", "description", "visibility"):
        if changes.get(field) is not None:
            setattr(shader, field, changes[field].strip() if field == "title" else changes[field])
    if changes.get("tags") is not None:
        shader.tags = normalise_tags(changes["tags"])
    if changes.get("license") is not None:
        shader.license = resolve_license(changes["license"])
    announce = _publish_fields(shader)
    made = shader.current_version
    db.session.commit()
    if new_version:
        _answer_with(shader, made)
    if announce:
        _announce(shader)
    if new_version:
        renders.request_render(shader.id, shader.current_version)
    if new_version or any(changes.get(k) is not None for k in ("title", "description", "tags")):
        vectors.request_style_vector(shader.id)
    return shader


def save_jam_version(shader_id: int, owner_id: int, version: dict[str, Any], message: str,
                     co_author_ids: list[int]) -> Shader:
    """A jam's code as version n+1 of its shader, written by its owner with co_author_ids;
    validated, rendered and announced like any edit (Conflict when it equals the current)."""
    shader = visible_shader(shader_id, owner_id)
    if _same_code(shader.current, version):
        raise Conflict(f"The jam's code is the same as version {shader.current_version}: "
                       "nothing new to save.")
    compile_or_raise(version)
    media_or_raise(version, owner_id)
    shader = owned_shader(shader_id, owner_id, lock=True)
    _add_version(shader, version, owner_id, message[:200], co_author_ids)
    made = shader.current_version
    db.session.commit()
    _answer_with(shader, made)
    renders.request_render(shader.id, made)
    vectors.request_style_vector(shader.id)
    return shader


def co_authors_of(versions: list[ShaderVersion]) -> dict[int, list[str]]:
    """The co-authors' usernames of each version (by version id), in the order stored."""
    ids = {user_id for row in versions for user_id in row.co_author_ids or []}
    if not ids:
        return {}
    names = dict(db.session.execute(sa.select(User.id, User.username)
                                    .where(User.id.in_(ids))).all())
    return {row.id: [names[u] for u in row.co_author_ids if u in names]
            for row in versions if row.co_author_ids}


def delete_shader(shader_id: int, user_id: int) -> None:
    """Remove the shader from view; versions stay so forks keep their lineage."""
    shader = owned_shader(shader_id, user_id)
    shader.deleted_at = datetime.now(UTC)
    db.session.commit()


def versions_of(shader_id: int, viewer_id: int | None) -> list[ShaderVersion]:
    """Every version of a visible shader, oldest first."""
    visible_shader(shader_id, viewer_id)
    return list(db.session.scalars(sa.select(ShaderVersion)
                                   .where(ShaderVersion.shader_id == shader_id)
                                   .order_by(ShaderVersion.version)))


def version_of(shader_id: int, number: int, viewer_id: int | None) -> ShaderVersion:
    """Version `number` of a visible shader, or NotFound naming the versions that exist."""
    shader = visible_shader(shader_id, viewer_id)
    row = db.session.scalar(sa.select(ShaderVersion).where(
        ShaderVersion.shader_id == shader_id, ShaderVersion.version == number))
    if row is None:
        raise NotFound(f"Shader {shader_id} has versions 1 to {shader.current_version}; "
                       f"there is no version {number}.")
    return row


def restore_version(shader_id: int, number: int, user_id: int) -> Shader:
    """Make a new version whose code equals version `number`."""
    old = version_of(shader_id, number, user_id)
    media_or_raise({"common": old.common, "passes": old.passes}, user_id)
    shader = owned_shader(shader_id, user_id, lock=True)
    _add_version(shader, {"common": old.common, "passes": old.passes}, user_id,
                 f"Restored version {number}")
    made = shader.current_version
    db.session.commit()
    _answer_with(shader, made)
    renders.request_render(shader.id, shader.current_version)
    vectors.request_style_vector(shader.id)
    return shader


def fork_shader(shader_id: int, user_id: int, number: int | None = None,
                overrides: dict[str, Any] | None = None) -> Shader:
    """A new shader owned by user, copied from a version of a visible shader (default: latest)."""
    parent = visible_shader(shader_id, user_id)
    number = number or parent.current_version
    source = version_of(shader_id, number, user_id)
    overrides = overrides or {}
    meta = {
        "title": overrides.get("title") or f"Fork of {parent.title}"[:120],
        "description": parent.description,
        "tags": parent.tags,
        "visibility": overrides.get("visibility") or "draft",
        "license": parent.license,
        "message": f"Forked from shader {parent.id} version {number}",
    }
    fork = create_shader(user_id, meta, {"common": source.common, "passes": source.passes},
                         forked_from=(parent.id, number))
    from fractafrag.services import notifications

    notifications.notify(parent.owner_id, "fork", actor_id=user_id, shader_id=parent.id,
                         data={"title": parent.title, "fork_id": fork.id})
    return fork


def forks_of(shader_id: int, viewer_id: int | None) -> list[Shader]:
    """Direct forks of a visible shader that the viewer may see, newest first."""
    visible_shader(shader_id, viewer_id)
    query = (sa.select(Shader).where(Shader.forked_from_id == shader_id, Shader.live())
             .where(sa.or_(Shader.visibility.in_(LISTED), Shader.owner_id == viewer_id))
             .order_by(Shader.created_at.desc(), Shader.id.desc()))
    return list(db.session.scalars(query))


def ancestors_of(shader_id: int, viewer_id: int | None) -> list[dict[str, Any]]:
    """The fork chain from the parent up to the original, in one recursive query."""
    visible_shader(shader_id, viewer_id)
    chain = sa.text("""
        WITH RECURSIVE chain(id, from_id, from_version, depth) AS (
            SELECT id, forked_from_id, forked_from_version, 0 FROM shaders WHERE id = :id
            UNION ALL
            SELECT s.id, s.forked_from_id, s.forked_from_version, c.depth + 1
            FROM shaders s JOIN chain c ON s.id = c.from_id WHERE c.depth < 100
        )
        SELECT c.from_id AS id, c.from_version AS version, c.depth FROM chain c
        WHERE c.from_id IS NOT NULL ORDER BY c.depth
    """)
    rows = db.session.execute(chain, {"id": shader_id}).all()
    shaders = {s.id: s for s in db.session.scalars(
        sa.select(Shader).where(Shader.id.in_([r.id for r in rows])))}
    lineage = []
    for row in rows:
        parent = shaders.get(row.id)
        if parent is not None and can_see(parent, viewer_id):
            lineage.append({"id": parent.id, "version": row.version, "title": parent.title,
                            "author": parent.owner.username, "available": True})
        else:
            lineage.append({"id": row.id, "version": row.version, "title": None,
                            "author": None, "available": False})
    return lineage


def diff_versions(shader_id: int, viewer_id: int | None, old: int, new: int
                  ) -> list[dict[str, Any]]:
    """A unified diff per pass (Common included) between two versions.

    Visibility is checked on every call; the diff itself is computed once, off the event loop,
    within a size cap and a time budget, and cached (services/diffs.py): DiffTooLarge (413) or
    DiffTooSlow (422) when it cannot be shown.
    """
    from fractafrag.services import diffs

    shader = visible_shader(shader_id, viewer_id)
    row_ids = dict(db.session.execute(
        sa.select(ShaderVersion.version, ShaderVersion.id).where(
            ShaderVersion.shader_id == shader_id, ShaderVersion.version.in_((old, new)))).all())
    for number in (old, new):
        if number not in row_ids:
            raise NotFound(f"Shader {shader_id} has versions 1 to {shader.current_version}; "
                           f"there is no version {number}.")

    def load() -> tuple[dict[str, Any], dict[str, Any]]:
        rows = {row.id: row for row in db.session.scalars(sa.select(ShaderVersion).where(
            ShaderVersion.id.in_((row_ids[old], row_ids[new]))))}
        before, after = rows[row_ids[old]], rows[row_ids[new]]
        return ({"common": before.common or "", "passes": list(before.passes)},
                {"common": after.common or "", "passes": list(after.passes)})

    return diffs.cached_diff(shader_id, (row_ids[old], row_ids[new]), old, new, load)
