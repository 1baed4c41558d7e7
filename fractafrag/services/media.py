"""Your own media: upload (checked and cleaned by media_codec), list, delete, who may use it.

Kinds: images (texture inputs), audio (music inputs) and videos (video inputs, playing live in
the page and black in server renders).

Files are immutable and live under `<data>/media/<2 hex>/<32 random hex>.<ext>`, served at
`/media/…` with a year's immutable caching like renders (nginx serves the same folder). The
name is random, not the content hash: a URL says nothing about the bytes, and deleting one
person's upload never touches another's file. Which shader versions use a medium is kept by the
database (`media_uses`, written by a trigger on every new version), so deleting a used one is
refused however the version was made.

A version may name `"source": "media:<id>"`: `media_codec.is_media_source` is the syntax check the
validator needs, `media_source_errors` the per-account check (the medium exists and the author
may use it), `media_for_passes` what a player needs to load them.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from fractafrag.extensions import db
from fractafrag.models import Media, MediaUse, Shader, ShaderVersion, User
from fractafrag.models.shader import OPEN_BY_LINK
from fractafrag.offload import off_hub
from fractafrag.services import Conflict, NotFound, ServiceError
from fractafrag.services.media_codec import CleanMedia, clean, is_media_source
from fractafrag.services.ratelimit import enforce

log = logging.getLogger(__name__)

URL_PREFIX = "/media/"


class StorageQuotaExceeded(ServiceError):
    """The upload does not fit in the account's storage."""

    status = 413


def media_dir() -> Path:
    """The folder holding every uploaded file (shared by web processes and nginx)."""
    return Path(current_app.config["DATA_DIR"]) / "media"


def url_of(media: Media) -> str:
    """Where the file is served."""
    return URL_PREFIX + media.path


def as_dict(media: Media) -> dict[str, Any]:
    """A medium as the API answers it."""
    return {"id": media.id, "kind": media.kind, "width": media.width, "height": media.height,
            "url": url_of(media), "source": f"media:{media.id}", "mime": media.mime,
            "bytes": media.bytes, "name": media.name, "created_at": media.created_at}


# ------------------------------------------------------------------------------ upload


def _limits() -> dict[str, Any]:
    config = current_app.config
    return {"max_image_bytes": config["MEDIA_MAX_IMAGE_BYTES"],
            "max_audio_bytes": config["MEDIA_MAX_AUDIO_BYTES"],
            "max_video_bytes": config["MEDIA_MAX_VIDEO_BYTES"],
            "max_video_seconds": config["MEDIA_MAX_VIDEO_SECONDS"],
            "max_side": config["MEDIA_MAX_SIDE"]}


def max_upload_bytes() -> int:
    """The largest request body an upload may have (the largest file limit, plus the multipart
    envelope)."""
    config = current_app.config
    largest: int = max(config["MEDIA_MAX_IMAGE_BYTES"], config["MEDIA_MAX_AUDIO_BYTES"],
                       config["MEDIA_MAX_VIDEO_BYTES"])
    return largest + 64 * 1024


def used_bytes(owner_id: int) -> int:
    """Bytes the account's media take."""
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Media.bytes), 0))
                                 .where(Media.owner_id == owner_id)) or 0)


def _write(cleaned: CleanMedia) -> str:
    """Write the file under a new random name (atomically) and return its relative path."""
    token = secrets.token_hex(16)
    relative = f"{token[:2]}/{token}.{cleaned.extension}"
    path = media_dir() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(cleaned.data)
    temporary.replace(path)  # a reader never sees half a file
    return relative


def _unlink(relative: str) -> None:
    try:
        (media_dir() / relative).unlink(missing_ok=True)
    except OSError as error:  # an orphan file wastes space but breaks nothing
        log.warning("media file %s not removed: %s", relative, error)


def upload(owner_id: int, data: bytes, filename: str = "") -> Media:
    """Check, clean and store an upload for owner; return the new row (committed).

    Rate limited per account (FRACTAFRAG_RATELIMIT_MEDIA). Refusals: MediaRefused (413, 415,
    422, naming the problem) and StorageQuotaExceeded (413 with {limit, used, size}).
    """
    enforce("RATELIMIT_MEDIA", f"user:{owner_id}", "uploads")
    cleaned = off_hub(clean, data, **_limits())  # Pillow keeps a core busy: not on the hub
    quota = current_app.config["MEDIA_QUOTA_BYTES"]
    # The owner's row lock makes concurrent uploads of one account count one after another.
    owner = db.session.scalar(sa.select(User).where(User.id == owner_id).with_for_update())
    if owner is None:
        raise NotFound("The account no longer exists.")
    used = used_bytes(owner_id)
    size = len(cleaned.data)
    if used + size > quota:
        db.session.rollback()
        raise StorageQuotaExceeded(
            f"This {cleaned.kind} takes {size} bytes stored, but your media already use {used} "
            f"of your {quota} bytes (FRACTAFRAG_MEDIA_QUOTA_BYTES); delete some first.",
            {"quota": {"limit": quota, "used": used, "size": size}})
    relative = _write(cleaned)
    media = Media(owner_id=owner_id, kind=cleaned.kind, mime=cleaned.mime, path=relative,
                  sha256=cleaned.sha256, bytes=size, width=cleaned.width, height=cleaned.height,
                  name=os.path.basename(filename or "").strip()[:200])
    db.session.add(media)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _unlink(relative)
        raise
    return media


# --------------------------------------------------------------------------- read, delete


def list_media(owner_id: int, kind: str | None = None, page: int = 1,
               page_size: int | None = None) -> tuple[list[Media], int]:
    """One page of the account's media (of one kind when given), newest first, and how many
    there are in all (every one when page_size is None)."""
    where = [Media.owner_id == owner_id] + ([Media.kind == kind] if kind else [])
    query = sa.select(Media).where(*where).order_by(Media.id.desc())
    if page_size is not None:
        query = query.limit(page_size).offset((max(page, 1) - 1) * page_size)
    rows = list(db.session.scalars(query))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Media).where(*where))
    return rows, int(total or 0)


def media_visible_to(media_id: int, viewer_id: int | None) -> bool:
    """Whether viewer may use the medium: its owner, and anyone who can see a shader one of
    whose versions uses it (services.shaders.can_see: live, not hidden, public or unlisted or
    their own)."""
    owned = sa.select(Media.id).where(Media.id == media_id, Media.owner_id == viewer_id) \
        if viewer_id is not None else None
    shown = (sa.select(MediaUse.media_id).join(Shader, Shader.id == MediaUse.shader_id)
             .where(MediaUse.media_id == media_id, Shader.live(),
                    sa.or_(Shader.visibility.in_(OPEN_BY_LINK), Shader.owner_id == viewer_id)))
    test = sa.exists(shown) if owned is None else sa.or_(sa.exists(owned), sa.exists(shown))
    return bool(db.session.scalar(sa.select(test)))


def visible_media(media_id: int, viewer_id: int | None) -> Media:
    """The medium if viewer may use it, else NotFound."""
    media = db.session.get(Media, media_id)
    if media is None or not media_visible_to(media_id, viewer_id):
        raise NotFound(f"No medium {media_id}.")
    return media


def delete_media(media_id: int, owner_id: int) -> None:
    """Delete the owner's medium and its file; 404 for anyone else's, 409 naming the shader
    while a version of a live (or hidden) shader uses it. Versions of deleted shaders do not
    hold it: nobody can see them any more."""
    media = db.session.scalar(sa.select(Media).where(Media.id == media_id).with_for_update())
    if media is None or media.owner_id != owner_id:
        raise NotFound(f"No medium {media_id} of yours.")
    db.session.execute(sa.delete(MediaUse).where(
        MediaUse.media_id == media_id,
        MediaUse.shader_id.in_(sa.select(Shader.id).where(Shader.deleted_at.is_not(None)))))
    user = _first_user(media_id, owner_id)
    if user is not None:
        db.session.rollback()
        raise user
    relative = media.path
    db.session.delete(media)
    try:
        db.session.commit()
    except IntegrityError:  # a version naming it was committed meanwhile
        db.session.rollback()
        raise _first_user(media_id, owner_id) or Conflict(
            f"Medium {media_id} is used by a shader version; it cannot be deleted.") from None
    _unlink(relative)


def _first_user(media_id: int, owner_id: int) -> Conflict | None:
    """The 409 naming a shader that uses the medium (the owner's first), if any."""
    row = db.session.execute(
        sa.select(Shader.id, Shader.title, Shader.owner_id, Shader.visibility,
                  sa.func.min(ShaderVersion.version).label("version"))
        .join(MediaUse, MediaUse.shader_id == Shader.id)
        .join(ShaderVersion, ShaderVersion.id == MediaUse.version_id)
        .where(MediaUse.media_id == media_id, Shader.deleted_at.is_(None))
        .group_by(Shader.id)
        .order_by((Shader.owner_id != owner_id), Shader.id).limit(1)).first()
    if row is None:
        return None
    count = db.session.scalar(sa.select(sa.func.count(sa.distinct(MediaUse.shader_id)))
                              .join(Shader, Shader.id == MediaUse.shader_id)
                              .where(MediaUse.media_id == media_id,
                                     Shader.deleted_at.is_(None))) or 1
    others = f" and {count - 1} more" if count > 1 else ""
    if row.owner_id == owner_id or row.visibility in OPEN_BY_LINK:
        named = f"shader {row.id} “{row.title}” (version {row.version})"
    else:
        named = "someone's private shader"
    return Conflict(f"Medium {media_id} is used by {named}{others}; it cannot be deleted while "
                    "a shader version uses it.",
                    {"shader": {"id": row.id if named != "someone's private shader" else None,
                                "version": row.version, "count": count}})


# ------------------------------------------------------------------- shader inputs (wiring)


def _media_ids(passes: list[dict[str, Any]]) -> list[tuple[str, object, int]]:
    """(pass name, channel as given, media id) for every `media:<id>` input."""
    found: list[tuple[str, object, int]] = []
    for spec in passes if isinstance(passes, list) else []:
        inputs = spec.get("inputs") if isinstance(spec, dict) else None
        for item in inputs if isinstance(inputs, list) else []:
            if isinstance(item, dict) and is_media_source(item.get("source")):
                found.append((str(spec.get("name")), item.get("channel"),
                              int(item["source"].removeprefix("media:"))))
    return found


def media_source_errors(passes: list[dict[str, Any]], author_id: int | None
                        ) -> list[dict[str, Any]]:
    """Errors `{pass, line: 0, message}` for `media:<id>` inputs the author may not use: a
    medium that does not exist or that they may not see (media_visible_to). Empty when all
    are fine. Call it where a version is about to be stored (publish, edit, fork, import)."""
    errors: list[dict[str, Any]] = []
    for name, channel, media_id in _media_ids(passes):
        if not media_visible_to(media_id, author_id):
            errors.append({"pass": name, "line": 0, "message": (
                f"iChannel{channel} of {name} reads media:{media_id}, which does not exist or "
                "is not yours to use: upload it (POST /api/v1/media) and use its id.")})
    return errors


def media_for_passes(passes: list[dict[str, Any]], viewer_id: int | None
                     ) -> dict[str, dict[str, Any]]:
    """`{"media:<id>": {id, kind, width, height, url}}` for the media a version's inputs name
    and viewer may use: what a player needs to load them."""
    ids = sorted({media_id for _, _, media_id in _media_ids(passes)})
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(Media).where(Media.id.in_(ids)))
    return {f"media:{m.id}": {k: v for k, v in as_dict(m).items()
                               if k in ("id", "kind", "width", "height", "url", "mime")}
            for m in rows if media_visible_to(m.id, viewer_id)}


def media_for_render(passes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Like media_for_passes, for the render worker: every image a version's inputs name, with
    its bytes inline as a data URL (the worker's page has no origin to fetch `/media/` from).
    Audio and video are left out: music is silent and video black in server renders."""
    import base64

    ids = sorted({media_id for _, _, media_id in _media_ids(passes)})
    if not ids:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for m in db.session.scalars(sa.select(Media).where(Media.id.in_(ids))):
        if m.kind != "image":
            continue
        try:
            data = (media_dir() / m.path).read_bytes()
        except OSError as error:
            log.warning("media %s not readable for a render: %s", m.id, error)
            continue
        found[f"media:{m.id}"] = {
            "id": m.id, "kind": m.kind, "width": m.width, "height": m.height, "mime": m.mime,
            "url": f"data:{m.mime};base64,{base64.b64encode(data).decode('ascii')}"}
    return found
