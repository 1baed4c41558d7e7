"""Jam sessions: start one on a shader, let invited people co-edit it live, save it, end it.

Every accepted Yjs update is written to `jam_updates` before it is acknowledged, under a row
lock on the jam, so the log of one jam commits in id order. Each web process keeps the documents
it serves in a small LRU (jam_doc.JamDoc) and, before using one, applies the rows it has not seen
(by id), so every process agrees. Every JAM_COMPACT_EVERY rows the document is folded into
`jams.state` and the older rows go.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from fractafrag.extensions import db
from fractafrag.models import Jam, JamParticipant, JamUpdate, Shader, ShaderVersion, User
from fractafrag.realtime import broadcast
from fractafrag.services import Conflict, Forbidden, NotFound, ServiceError, jam_presence, shaders
from fractafrag.services.jam_doc import JamDoc, UpdateRefused
from fractafrag.services.ratelimit import enforce
from fractafrag.services.shader_format import COMMON, PASS_NAMES

OWNER, EDITOR, WATCHER = "owner", "editor", "watcher"
PALETTE = ("#e8590c", "#1c7ed6", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#e03131",
           "#5f3dc4", "#66a80f", "#c2255c")
MESSAGE_CHARS = 200  # shader_versions.message

# The stored state (when compacted past `mark`) and the log rows after `mark`, in one statement
# so one snapshot answers both (a compaction between two reads would hide rows).
_CATCH_UP = sa.text("""
    SELECT 0 AS kind, j.state_upto AS id, j.state AS update FROM jams j
    WHERE j.id = :jam AND j.state_upto > :mark
    UNION ALL
    SELECT 1, u.id, u.update FROM jam_updates u WHERE u.jam_id = :jam AND u.id > :mark
    ORDER BY kind, id
""")


class JamLive(Conflict):
    """The shader already has a live jam (its id is in jam_id)."""

    def __init__(self, jam_id: int) -> None:
        super().__init__(f"Shader already has a live jam ({jam_id}); join it or end it first.")
        self.jam_id = jam_id


# ------------------------------------------------------------------------ the documents in memory

def _docs() -> OrderedDict[int, tuple[datetime, JamDoc]]:
    """This process's documents by jam id, with the jam's creation time (a database restored
    or rebuilt may give the same id to another jam)."""
    docs: OrderedDict[int, tuple[datetime, JamDoc]] = current_app.extensions.setdefault(
        "fractafrag.jam_docs", OrderedDict())
    return docs


def _forget(jam_id: int) -> None:
    """Drop this process's copy (after a refused update or a failed write): read it again."""
    _docs().pop(jam_id, None)


def document(jam: Jam) -> JamDoc:
    """This process's copy of the jam's document, caught up with the log."""
    docs = _docs()
    born, doc = docs.get(jam.id, (jam.created_at, None))
    if doc is None or born != jam.created_at:
        doc = JamDoc(jam.passes)
        doc.upto = -1  # nothing applied yet, not even a state that covers no rows
        docs[jam.id] = (jam.created_at, doc)
        while len(docs) > current_app.config["JAM_DOC_CACHE"]:
            docs.popitem(last=False)
    docs.move_to_end(jam.id)
    for _kind, row_id, update in db.session.execute(_CATCH_UP, {"jam": jam.id,
                                                                "mark": doc.upto}).all():
        doc.load(bytes(update))
        doc.upto = max(doc.upto, int(row_id))
    return doc


# --------------------------------------------------------------------------------- reading

def jam_for(jam_id: int, viewer_id: int | None) -> Jam:
    """The jam if its shader is visible to viewer (NotFound otherwise, as if it did not exist)."""
    jam = db.session.get(Jam, jam_id)
    if jam is None:
        raise NotFound(f"No jam {jam_id}.")
    shader = db.session.get(Shader, jam.shader_id)
    if shader is None or not shaders.can_see(shader, viewer_id):
        raise NotFound(f"No jam {jam_id}.")
    return jam


def _participant(jam_id: int, user_id: int) -> JamParticipant | None:
    """The user's participant row in the jam (removed ones too), if any; read afresh, so a
    check made again under the jam's lock sees a removal committed while it waited."""
    return db.session.get(JamParticipant, (jam_id, user_id), populate_existing=True)


def role_of(jam: Jam, user_id: int | None) -> str:
    """owner, editor (joined with the invite, not removed) or watcher; ended jams: read-only
    for everyone but still name the owner."""
    if user_id is None:
        return WATCHER
    if user_id == jam.owner_id:
        return OWNER
    participant = _participant(jam.id, user_id)
    return EDITOR if participant is not None and participant.removed_at is None else WATCHER


def _editors(jam_id: int, owner_id: int) -> list[tuple[User, JamParticipant | None]]:
    """The owner, then the co-editors not removed, in joining order."""
    owner = db.session.get(User, owner_id)
    assert owner is not None  # jams.owner_id cascades on delete
    rows = db.session.execute(
        sa.select(User, JamParticipant).join(JamParticipant, JamParticipant.user_id == User.id)
        .where(JamParticipant.jam_id == jam_id, JamParticipant.removed_at.is_(None))
        .order_by(JamParticipant.joined_at, JamParticipant.user_id)).all()
    return [(owner, None), *((user, row) for user, row in rows)]


def people(jam_id: int, owner_id: int) -> dict[str, Any]:
    """{participants: [{id, username, color, role, online}], watchers} for presence events."""
    present = jam_presence.present(jam_id)
    editors = _editors(jam_id, owner_id)
    editor_ids = {user.id for user, _ in editors}
    return {
        "participants": [{"id": user.id, "username": user.username,
                          "color": row.color if row is not None else PALETTE[0],
                          "role": OWNER if row is None else EDITOR,
                          "online": user.id in present} for user, row in editors],
        "watchers": sum(1 for user_id in present if user_id not in editor_ids),
    }


def _urls(jam: Jam) -> dict[str, str]:
    """The watcher URL, the edit URL and the invite: for the owner only."""
    return {"url": f"/jam/{jam.id}", "edit_url": f"/jam/{jam.id}/edit?invite={jam.invite}",
            "invite": jam.invite}


def _may_save(jam: Jam, role: str) -> bool:
    """Whether someone with this role may save the jam now."""
    return jam.status == "live" and (role == OWNER or (role == EDITOR and jam.editors_may_save))


def describe(jam: Jam, viewer_id: int | None) -> dict[str, Any]:
    """The jam as GET /jams/<id> shows it to viewer (the invite only to the owner)."""
    doc = document(jam)
    shader = db.session.get(Shader, jam.shader_id)
    owner = db.session.get(User, jam.owner_id)
    assert shader is not None and owner is not None
    role = role_of(jam, viewer_id)
    described: dict[str, Any] = {
        "id": jam.id, "shader_id": jam.shader_id, "shader_title": shader.title,
        "status": jam.status, "owner": {"id": owner.id, "username": owner.username},
        "base_version": jam.base_version, "editors_may_save": jam.editors_may_save,
        "created_at": jam.created_at.isoformat(),
        "ended_at": jam.ended_at.isoformat() if jam.ended_at else None,
        "url": f"/jam/{jam.id}",
        "passes": [{"name": name, "code": code} for name, code in doc.code_by_pass()],
        "active_pass": doc.active_pass(),
        **people(jam.id, jam.owner_id),
        "role": role,
        "can_edit": jam.status == "live" and role != WATCHER,
        "can_save": _may_save(jam, role),
    }
    if role == OWNER:
        described.update(_urls(jam))
    return described


# ------------------------------------------------------------------------------- lifecycle

def start_jam(shader_id: int, owner_id: int, editors_may_save: bool = False) -> dict[str, Any]:
    """Start a jam on a shader you own, seeded from its current version (409 if one is live)."""
    shader = shaders.owned_shader(shader_id, owner_id)
    live = db.session.scalar(sa.select(Jam.id).where(Jam.shader_id == shader_id,
                                                     Jam.status == "live"))
    if live is not None:
        raise JamLive(live)
    current = shader.current
    code = [(COMMON, current.common or "")]
    code += [(p["name"], p["code"]) for p in current.passes if p.get("name") in PASS_NAMES]
    doc = JamDoc.seeded(code)
    jam = Jam(shader_id=shader.id, owner_id=owner_id, base_version=shader.current_version,
              status="live", invite=secrets.token_urlsafe(24),
              editors_may_save=bool(editors_may_save), passes=doc.passes, state=doc.diff(),
              state_upto=0)
    db.session.add(jam)
    try:
        db.session.commit()
    except sa.exc.IntegrityError as error:  # a concurrent start won the partial unique index
        db.session.rollback()
        live = db.session.scalar(sa.select(Jam.id).where(Jam.shader_id == shader_id,
                                                         Jam.status == "live"))
        raise JamLive(live or 0) from error
    return {"id": jam.id, "shader_id": jam.shader_id, "status": jam.status, **_urls(jam)}


def _locked(jam_id: int, user_id: int | None) -> Jam:
    """The jam, visible to user_id, with its row locked until the transaction ends."""
    jam_for(jam_id, user_id)
    jam = db.session.scalars(sa.select(Jam).where(Jam.id == jam_id).with_for_update()
                             .execution_options(populate_existing=True)).one()
    return jam


def _live(jam: Jam) -> None:
    """Conflict unless the jam is still live."""
    if jam.status != "live":
        raise Conflict(f"Jam {jam.id} has ended; its final state is read-only at /jam/{jam.id}.")


def _owned(jam: Jam, user_id: int, doing: str) -> None:
    """Forbidden unless user_id owns the jam."""
    if jam.owner_id != user_id:
        raise Forbidden(f"Only the jam's owner may {doing}.")


def join(jam_id: int, user_id: int, invite: str) -> dict[str, Any]:
    """Become an editor with the jam's current invite token."""
    jam = _locked(jam_id, user_id)
    _live(jam)
    if user_id == jam.owner_id:
        db.session.rollback()
        return {"role": EDITOR}
    participant = _participant(jam.id, user_id)
    if participant is not None and participant.removed_at is not None:
        raise Forbidden("The jam's owner removed you from this jam; you may still watch it.")
    if not hmac.compare_digest(invite.encode(), jam.invite.encode()):
        raise Forbidden("This invite is not (or no longer) valid: ask the owner for the "
                        "current edit link.", {"invite": ["Not the jam's current invite."]})
    if participant is None:
        taken = db.session.scalar(sa.select(sa.func.count()).select_from(JamParticipant)
                                  .where(JamParticipant.jam_id == jam.id)) or 0
        db.session.add(JamParticipant(jam_id=jam.id, user_id=user_id,
                                      color=PALETTE[(taken + 1) % len(PALETTE)]))
    db.session.commit()
    announce_presence(jam.id)
    return {"role": EDITOR}


def new_invite(jam_id: int, owner_id: int) -> dict[str, str]:
    """Replace the invite token; who already joined stays an editor."""
    jam = _locked(jam_id, owner_id)
    _owned(jam, owner_id, "make a new invite")
    _live(jam)
    jam.invite = secrets.token_urlsafe(24)
    db.session.commit()
    urls = _urls(jam)
    return {"invite": urls["invite"], "edit_url": urls["edit_url"]}


def remove_participant(jam_id: int, owner_id: int, user_id: int) -> None:
    """Make a co-editor a watcher for good: no token lets them edit this jam again."""
    jam = _locked(jam_id, owner_id)
    _owned(jam, owner_id, "remove people")
    if user_id == owner_id:
        raise ServiceError("The owner cannot be removed from their own jam; end it instead.",
                           {"user_id": ["That is you."]})
    participant = _participant(jam.id, user_id)
    if participant is None:
        participant = JamParticipant(jam_id=jam.id, user_id=user_id, color=PALETTE[0])
        if db.session.get(User, user_id) is None:
            raise NotFound(f"No user {user_id}.")
        db.session.add(participant)
    participant.removed_at = participant.removed_at or datetime.now(UTC)
    db.session.commit()
    broadcast.jam_event("jam:removed", jam.id, {"user_id": user_id})
    announce_presence(jam.id)


def end_jam(jam_id: int, owner_id: int) -> dict[str, Any]:
    """End the jam: later updates are refused; its final state stays readable."""
    jam = _locked(jam_id, owner_id)
    _owned(jam, owner_id, "end it")
    if jam.status == "live":
        doc = document(jam)
        jam.status = "ended"
        jam.ended_at = datetime.now(UTC)
        _compact(jam, doc)
        db.session.commit()
        broadcast.jam_event("jam:ended", jam.id, {})
    return {"status": jam.status}


# --------------------------------------------------------------------------------- editing

def decode_update(value: Any, field: str = "update") -> bytes:
    """The bytes of a base64 string from a client (a 400 naming the field otherwise)."""
    if not isinstance(value, str) or not value:
        raise ServiceError(f"{field} must be a base64 string.",
                           {field: ["Send a base64-encoded Yjs value."]}, status=400)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ServiceError(f"{field} is not valid base64.",
                           {field: ["Send a base64-encoded Yjs value."]}, status=400) from error


def encode(update: bytes) -> str:
    """Yjs bytes as the base64 text that travels in JSON."""
    return base64.b64encode(update).decode()


def sync(jam_id: int, viewer_id: int | None, vector: bytes | None) -> dict[str, Any]:
    """What a joining socket gets: its role, what it lacks (or everything), the server's state
    vector, the people, the pass being edited."""
    jam = jam_for(jam_id, viewer_id)
    doc = document(jam)
    try:
        update = doc.diff(vector)
    except UpdateRefused:
        _forget(jam.id)
        raise
    role = role_of(jam, viewer_id) if jam.status == "live" else WATCHER
    return {"jam": jam.id, "role": EDITOR if role == OWNER else role, "status": jam.status,
            "update": encode(update), "vector": encode(doc.state_vector()),
            **people(jam.id, jam.owner_id), "active_pass": doc.active_pass()}


def may_edit(jam_id: int, user_id: int | None) -> bool:
    """Whether user_id is one of the jam's editors (its owner, or joined and not removed;
    NotFound when they may not see it), read without taking the jam's lock. Whether the jam
    is still live is the update's own check (409)."""
    if user_id is None:
        return False
    return role_of(jam_for(jam_id, user_id), user_id) != WATCHER


def _editing(jam_id: int, user_id: int | None) -> tuple[Jam, JamDoc]:
    """The locked, live jam and its caught-up document, if user_id may edit it."""
    if user_id is None or role_of(jam_for(jam_id, user_id), user_id) == WATCHER:
        # Refused before the lock: a watcher's updates never wait on, or hold up, the editors'.
        raise Forbidden("Watchers are read-only: join with the invite to edit.")
    jam = db.session.scalars(sa.select(Jam).where(Jam.id == jam_id).with_for_update()
                             .execution_options(populate_existing=True)).one()
    _live(jam)
    if role_of(jam, user_id) == WATCHER:
        raise Forbidden("Watchers are read-only: join with the invite to edit.")
    return jam, document(jam)


def _record(jam: Jam, doc: JamDoc, user_id: int | None, update: bytes) -> int:
    """Store an applied update, count it for its author, commit; the row's id."""
    row = JamUpdate(jam_id=jam.id, user_id=user_id, update=update)
    db.session.add(row)
    if user_id is not None and user_id != jam.owner_id:
        db.session.execute(sa.update(JamParticipant).where(
            JamParticipant.jam_id == jam.id, JamParticipant.user_id == user_id)
            .values(updates=JamParticipant.updates + 1))
    db.session.flush()
    row_id, jam_id = row.id, jam.id  # read before the commit expires them
    if row_id - jam.state_upto >= current_app.config["JAM_COMPACT_EVERY"]:
        _compact(jam, doc, row_id)
    try:
        db.session.commit()
    except Exception:
        _forget(jam_id)
        raise
    doc.upto = max(doc.upto, row_id)
    return row_id


def _compact(jam: Jam, doc: JamDoc, upto: int | None = None) -> None:
    """Fold the log (up to upto, the newest row this copy holds) into jams.state."""
    upto = doc.upto if upto is None else upto
    if upto <= jam.state_upto:
        return
    jam.state = doc.diff()
    jam.state_upto = upto
    db.session.execute(sa.delete(JamUpdate).where(JamUpdate.jam_id == jam.id,
                                                  JamUpdate.id <= upto))


def apply_update(jam_id: int, user_id: int | None, update: bytes,
                 skip_sid: str | None = None) -> None:
    """Apply, persist and broadcast an editor's Yjs update (403 watcher, 409 ended, 413 a pass
    over the limit, 400 unreadable); the sender's own connection is skipped."""
    jam, doc = _editing(jam_id, user_id)
    try:
        doc.apply(update)
    except UpdateRefused:
        _forget(jam.id)
        db.session.rollback()
        raise
    _record(jam, doc, user_id, update)
    broadcast.jam_event("jam:update", jam_id, {"update": encode(update), "by": user_id},
                        skip_sid=skip_sid)


def edit_pass(jam_id: int, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """A REST edit of one pass: {pass, text} replaces it (minimally), {pass, at, delete?,
    insert?} splices it; broadcast to the room like a socket update."""
    enforce("RATELIMIT_JAM_EDIT", str(user_id), "jam edits")
    jam, doc = _editing(jam_id, user_id)
    name = body["pass"]
    if name not in doc.passes:
        raise ServiceError(f"This jam's passes are {', '.join(doc.passes)}; not {name!r}.",
                           {"pass": [f"Choose one of: {', '.join(doc.passes)}."]})
    if body.get("text") is not None:
        if body.get("at") is not None:
            raise ServiceError("Send either text or at/delete/insert, not both.",
                               {"text": ["Send either text or at/delete/insert."]})
        update = doc.replace(name, body["text"])
    elif body.get("at") is not None:
        update = doc.edit(name, body["at"], body.get("delete") or 0, body.get("insert") or "")
    else:
        raise ServiceError("Send text (the whole pass) or at with delete and/or insert.",
                           {"text": ["Send text, or at with delete/insert."]})
    _record(jam, doc, user_id, update)
    broadcast.jam_event("jam:update", jam_id, {"update": encode(update), "by": user_id})
    code = doc.code(name)
    return {"pass": name, "code": code, "length": len(code)}


# ------------------------------------------------------------------------------------ save

def _co_authors(jam: Jam) -> list[User]:
    """Co-editors other than the owner who sent at least one accepted update, in joining order."""
    return list(db.session.scalars(
        sa.select(User).join(JamParticipant, JamParticipant.user_id == User.id)
        .where(JamParticipant.jam_id == jam.id, JamParticipant.updates > 0,
               JamParticipant.user_id != jam.owner_id)
        .order_by(JamParticipant.joined_at, JamParticipant.user_id)))


def jam_message(names: list[str], message: str | None) -> str:
    """The version message: the caller's, then who jammed, within the column's 200 chars."""
    with_whom = "Jam with " + ", ".join(f"@{name}" for name in names) if names else ""
    if message and message.strip():
        text = message.strip() + (f" ({with_whom[0].lower()}{with_whom[1:]})"
                                  if with_whom else "")
    else:
        text = with_whom or "Jam session"
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS - 1] + "…"


def save_jam(jam_id: int, user_id: int, message: str | None = None) -> dict[str, Any]:
    """The jam's current code as version n+1 of its shader, naming the co-authors."""
    jam = jam_for(jam_id, user_id)
    _live(jam)
    if not _may_save(jam, role_of(jam, user_id)):
        raise Forbidden("Only the jam's owner may save it (or its editors, when the owner "
                        "allows it).")
    doc = document(jam)
    base = db.session.scalar(sa.select(ShaderVersion).where(
        ShaderVersion.shader_id == jam.shader_id, ShaderVersion.version == jam.base_version))
    inputs = {p["name"]: p.get("inputs") or [] for p in (base.passes if base else [])}
    code = dict(doc.code_by_pass())
    version = {"common": code.get(COMMON, ""),
               "passes": [{"name": name, "code": text, "inputs": inputs.get(name, [])}
                          for name, text in doc.code_by_pass() if name != COMMON]}
    authors = _co_authors(jam)
    names = [user.username for user in authors]
    shader = shaders.save_jam_version(jam.shader_id, jam.owner_id, version,
                                      jam_message(names, message), [u.id for u in authors])
    number = shader.current_version
    broadcast.jam_event("jam:saved", jam.id, {"version": number, "co_authors": names})
    return {"shader_id": shader.id, "version": number, "co_authors": names,
            "url": f"/shaders/{shader.id}?version={number}"}


# -------------------------------------------------------------------------------- presence

def announce_presence(jam_id: int) -> None:
    """`jam:presence {jam, participants, watchers}` to the room, now.

    Also sent from the namespace's background loop: the jam is read in a transaction of its
    own, so this never holds `jams` while waiting for `users` (a TRUNCATE or a migration taking
    both, in the other order, would deadlock with it)."""
    owner_id = db.session.scalar(sa.select(Jam.owner_id).where(Jam.id == jam_id))
    db.session.rollback()
    if owner_id is not None:
        broadcast.jam_event("jam:presence", jam_id, people(jam_id, owner_id))


