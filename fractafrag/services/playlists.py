"""Playlists: ordered collections of shaders, public or private."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fractafrag.extensions import db
from fractafrag.models import Playlist, PlaylistItem, Shader
from fractafrag.models.shader import OPEN_BY_LINK
from fractafrag.services import Conflict, Forbidden, NotFound, ServiceError, shaders
from fractafrag.services.ratelimit import count_community_write

MAX_ITEMS = 500


def _visible(playlist_id: int, viewer_id: int | None) -> Playlist:
    playlist = db.session.get(Playlist, playlist_id)
    if playlist is None or (not playlist.public and playlist.owner_id != viewer_id):
        raise NotFound(f"No playlist {playlist_id}.")
    return playlist


def _owned(playlist_id: int, user_id: int) -> Playlist:
    playlist = _visible(playlist_id, user_id)
    if playlist.owner_id != user_id:
        raise Forbidden("Only the playlist's owner may change it.")
    db.session.execute(sa.select(Playlist.id).where(Playlist.id == playlist_id)
                       .with_for_update())
    return playlist


def _stored(playlist_id: int) -> int:
    """Every item, seen or not (what MAX_ITEMS bounds)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(PlaylistItem).where(
        PlaylistItem.playlist_id == playlist_id)) or 0


def _count(playlist_id: int, viewer_id: int | None) -> int:
    """The items viewer may see (the rule of shaders.can_see, in SQL)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(PlaylistItem)
        .join(Shader, Shader.id == PlaylistItem.shader_id)
        .where(PlaylistItem.playlist_id == playlist_id, Shader.live(),
               sa.or_(Shader.visibility.in_(OPEN_BY_LINK),
                      Shader.owner_id == viewer_id))) or 0


def summary(playlist: Playlist, viewer_id: int | None,
            item_count: int | None = None) -> dict[str, Any]:
    """The playlist without its items; item_count counts only what viewer may see."""
    return {"id": playlist.id, "title": playlist.title, "description": playlist.description,
            "public": playlist.public, "owner": playlist.owner,
            "item_count": _count(playlist.id, viewer_id) if item_count is None else item_count,
            "created_at": playlist.created_at, "updated_at": playlist.updated_at}


def items(playlist_id: int, viewer_id: int | None) -> list[Shader]:
    """The shaders in order, leaving out those the viewer may not see."""
    _visible(playlist_id, viewer_id)
    rows = db.session.scalars(sa.select(Shader).join(
        PlaylistItem, PlaylistItem.shader_id == Shader.id).where(
        PlaylistItem.playlist_id == playlist_id).order_by(PlaylistItem.position))
    return [s for s in rows if shaders.can_see(s, viewer_id)]


def detail(playlist_id: int, viewer_id: int | None) -> dict[str, Any]:
    """The playlist with its visible shaders in order."""
    playlist = _visible(playlist_id, viewer_id)
    shown = items(playlist_id, viewer_id)
    return {**summary(playlist, viewer_id, len(shown)), "items": shown}


def list_playlists(viewer_id: int | None, owner_id: int | None) -> list[Playlist]:
    """Public playlists (of one owner, when given), plus all of the viewer's own."""
    query = sa.select(Playlist)
    if owner_id is not None:
        query = query.where(Playlist.owner_id == owner_id)
    query = query.where(sa.or_(Playlist.public.is_(True), Playlist.owner_id == viewer_id))
    return list(db.session.scalars(query.order_by(Playlist.updated_at.desc(),
                                                  Playlist.id.desc()).limit(200)))


def create_playlist(owner_id: int, fields: dict[str, Any]) -> Playlist:
    """A new, empty playlist (RATELIMIT_PLAYLIST per account)."""
    count_community_write("playlist", owner_id)
    playlist = Playlist(owner_id=owner_id, title=fields["title"].strip(),
                        description=fields.get("description", ""),
                        public=fields.get("public", True))
    if not playlist.title:
        raise ServiceError("A playlist needs a title.", {"title": ["A playlist needs a title."]})
    db.session.add(playlist)
    db.session.commit()
    return playlist


def update_playlist(playlist_id: int, user_id: int, changes: dict[str, Any]) -> Playlist:
    """Rename, describe, or make public/private."""
    playlist = _owned(playlist_id, user_id)
    for key in ("title", "description", "public"):
        if key in changes:
            setattr(playlist, key, changes[key])
    db.session.commit()
    return playlist


def delete_playlist(playlist_id: int, user_id: int) -> None:
    """Delete a playlist (the shaders stay)."""
    playlist = _owned(playlist_id, user_id)
    db.session.delete(playlist)
    db.session.commit()


def add_item(playlist_id: int, user_id: int, shader_id: int) -> Playlist:
    """Append a shader the owner may see."""
    playlist = _owned(playlist_id, user_id)
    shaders.visible_shader(shader_id, user_id)
    if db.session.get(PlaylistItem, (playlist_id, shader_id)) is not None:
        raise Conflict(f"Shader {shader_id} is already in this playlist.",
                       {"shader_id": ["Already in this playlist."]})
    if _stored(playlist_id) >= MAX_ITEMS:
        message = f"A playlist holds at most {MAX_ITEMS} shaders."
        raise ServiceError(message, {"shader_id": [message]})
    last = db.session.scalar(sa.select(sa.func.max(PlaylistItem.position)).where(
        PlaylistItem.playlist_id == playlist_id))
    db.session.add(PlaylistItem(playlist_id=playlist_id, shader_id=shader_id,
                                position=(last or 0) + 1))
    playlist.updated_at = sa.func.now()
    db.session.commit()
    return playlist


def remove_item(playlist_id: int, user_id: int, shader_id: int) -> Playlist:
    """Take a shader out."""
    playlist = _owned(playlist_id, user_id)
    item = db.session.get(PlaylistItem, (playlist_id, shader_id))
    if item is None:
        raise NotFound(f"Shader {shader_id} is not in playlist {playlist_id}.")
    db.session.delete(item)
    playlist.updated_at = sa.func.now()
    db.session.commit()
    return playlist


def reorder(playlist_id: int, user_id: int, shader_ids: list[int]) -> Playlist:
    """Put the items in this order; shader_ids must list exactly the playlist's shaders."""
    playlist = _owned(playlist_id, user_id)
    rows = {i.shader_id: i for i in db.session.scalars(sa.select(PlaylistItem).where(
        PlaylistItem.playlist_id == playlist_id))}
    if sorted(shader_ids) != sorted(rows) or len(set(shader_ids)) != len(shader_ids):
        message = "List every shader of the playlist exactly once."
        raise ServiceError(message, {"shader_ids": [message]})
    for position, shader_id in enumerate(shader_ids, start=1):
        rows[shader_id].position = position
    playlist.updated_at = sa.func.now()
    db.session.commit()
    return playlist
