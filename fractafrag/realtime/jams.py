"""Jam events on the one namespace: `jam:join`, `jam:update`, `jam:awareness`, `jam:leave`.

Updates and awareness have their own per-connection budgets (token buckets: a steady rate and
a burst) and their own size cap, large enough for a whole document; joins and leaves spend the
connection's ordinary event budget and hold a place under SOCKET_MAX_ROOMS. The rules (who may
edit, what an update may do) live in services/jams.py; this module parses, calls it, answers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, request

from fractafrag.realtime.broadcast import jam_event, jam_room
from fractafrag.services import ServiceError, jam_presence, jams

if TYPE_CHECKING:
    from fractafrag.realtime.handlers import Client, Realtime

STREAM_EVENTS = ("jam:update", "jam:awareness")  # their own budgets, not the 10-s one
CONTROL_EVENTS = ("jam:join", "jam:leave")
ROLE_SECONDS = 2.0  # how long an editor's right to send awareness is trusted unchecked
PRESENCE_FLUSH_SECONDS = 0.25  # at most 4 `jam:presence` per jam per second


@dataclass(slots=True)
class Bucket:
    """A token bucket: `rate` tokens a second, at most `burst` saved up."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self) -> bool:
        """Spend one token if there is one."""
        now = time.monotonic()
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(slots=True)
class JamClient:
    """One connection's jams, budgets and recently checked editing rights."""

    updates: Bucket
    awareness: Bucket
    jams: set[int] = field(default_factory=set)
    may_edit: dict[int, tuple[bool, float]] = field(default_factory=dict)


def _sid() -> str:
    return request.sid  # type: ignore[attr-defined]


def _payload(data: tuple[Any, ...], fields: set[str], required: set[str]) -> dict[str, Any]:
    """The one {…} payload of an event with the jam's id checked (400 naming what to fix)."""
    if len(data) != 1 or not isinstance(data[0], dict):
        raise ServiceError("Send one payload {jam: <id>, …}.", {"jam": ["Missing."]}, status=400)
    payload: dict[str, Any] = data[0]
    unknown = sorted(set(payload) - fields)
    if unknown:
        raise ServiceError(f"Unknown field {unknown[0][:40]!r}; send {', '.join(sorted(fields))}.",
                           {unknown[0][:40]: ["Unknown field."]}, status=400)
    missing = sorted(required - set(payload))
    if missing:
        raise ServiceError(f"Missing {missing[0]}.", {missing[0]: ["Missing."]}, status=400)
    jam = payload["jam"]
    if isinstance(jam, bool) or not isinstance(jam, int) or not 0 < jam < 2**63:
        raise ServiceError("jam must be the jam's id (a positive integer).",
                           {"jam": ["Not a jam id."]}, status=400)
    return payload


def _refused(error: ServiceError, event: str) -> dict[str, Any]:
    """The ack of a refused jam event."""
    return {"ok": False, "code": error.status, "message": error.message, "event": event}


class JamEvents:
    """The jam events of one Realtime namespace (one per web process)."""

    def __init__(self, realtime: Realtime) -> None:
        self.realtime = realtime
        self.clients: dict[str, JamClient] = {}
        self.changed: set[int] = set()  # jams whose presence changed since the last flush
        self._next_flush = 0.0
        self._next_beat = 0.0

    def _client(self, sid: str) -> JamClient:
        """This connection's jam state, made with fresh budgets on first use."""
        client = self.clients.get(sid)
        if client is None:
            config = current_app.config
            client = JamClient(
                Bucket(config["JAM_UPDATES_PER_SECOND"], config["JAM_UPDATE_BURST"]),
                Bucket(config["JAM_AWARENESS_PER_SECOND"], config["JAM_AWARENESS_BURST"]))
            self.clients[sid] = client
        return client

    def handle(self, client: Client, event: str, data: tuple[Any, ...]) -> dict[str, Any]:
        """Serve one jam event (the caller has checked the connection's ordinary budget for
        joins and leaves); the ack is {ok, …} or {ok: false, code, message, event}."""
        try:
            if event == "jam:update":
                return self._update(client, data)
            if event == "jam:awareness":
                return self._awareness(client, data)
            if event == "jam:join":
                return self._join(client, data)
            return self._leave(client, data)
        except ServiceError as error:
            if error.status in (429, 503):
                self.realtime.tally.add(f"{event} refused ({error.status})")
            return _refused(error, event)
        except Exception:
            self.realtime.tally.exception(f"socket event {event} failed")
            return {"ok": False, "code": 500, "event": event,
                    "message": "Something went wrong on our side; try again."}

    def _turn(self) -> None:
        """Take one of the process's concurrent-event turns (503 after waiting 10 s)."""
        if not self.realtime.turns.acquire(timeout=10.0):
            raise ServiceError("The server is busy; try again in a moment.", status=503)

    def _join(self, client: Client, data: tuple[Any, ...]) -> dict[str, Any]:
        """`jam:join {jam, vector?}`: enter the room and answer the state the client lacks."""
        payload = _payload(data, {"jam", "vector"}, {"jam"})
        vector = payload.get("vector")
        state = jams.decode_update(vector, "vector") if vector is not None else None
        jam_id, sid = payload["jam"], _sid()
        room = jam_room(jam_id)
        limit = current_app.config["SOCKET_MAX_ROOMS"]
        if room not in client.rooms and len(client.rooms) + client.joining >= limit:
            raise ServiceError(f"At most {limit} rooms per connection (SOCKET_MAX_ROOMS); "
                               "leave one first.", status=429)
        client.joining += 1
        try:
            self._turn()
            try:
                # In the room before reading the state: an update made meanwhile arrives too
                # (Yjs applies it once, in whichever order).
                self.realtime.enter_room(sid, room)
                try:
                    answer = jams.sync(jam_id, client.user_id, state)
                except ServiceError:
                    if room not in client.rooms:
                        self.realtime.leave_room(sid, room)
                    raise
            finally:
                self.realtime.turns.release()
        finally:
            client.joining -= 1
        client.rooms.add(room)
        mine = self._client(sid)
        mine.jams.add(jam_id)
        mine.may_edit.pop(jam_id, None)
        jam_presence.enter(jam_id, sid, client.user_id)
        self.changed.add(jam_id)
        return {"ok": True, **answer}

    def _leave(self, client: Client, data: tuple[Any, ...]) -> dict[str, Any]:
        """`jam:leave {jam}`: leave the room (leaving one you are not in is fine)."""
        jam_id = _payload(data, {"jam"}, {"jam"})["jam"]
        sid = _sid()
        self.realtime.leave_room(sid, jam_room(jam_id))
        client.rooms.discard(jam_room(jam_id))
        mine = self.clients.get(sid)
        if mine is not None and jam_id in mine.jams:
            mine.jams.discard(jam_id)
            jam_presence.leave(jam_id, sid, client.user_id)
            self.changed.add(jam_id)
        return {"ok": True, "jam": jam_id}

    def _stream_payload(self, data: tuple[Any, ...], cap_setting: str) -> tuple[int, bytes]:
        """The jam id and decoded bytes of an update or awareness payload, within its cap."""
        payload = _payload(data, {"jam", "update"}, {"jam", "update"})
        cap = current_app.config[cap_setting]
        update = payload["update"]
        if isinstance(update, str) and len(update) > cap:
            raise ServiceError(f"An update is limited to {cap} bytes of base64 "
                               f"({cap_setting}); rejoin to resync.", status=413)
        return payload["jam"], jams.decode_update(update)

    def _update(self, client: Client, data: tuple[Any, ...]) -> dict[str, Any]:
        """`jam:update {jam, update}`: an editor's Yjs update, stored, then broadcast."""
        sid = _sid()
        if not self._client(sid).updates.take():
            rate = current_app.config["JAM_UPDATES_PER_SECOND"]
            raise ServiceError(f"Slow down: at most {rate:g} updates a second; batch them "
                               "(Y.mergeUpdates) and rejoin to resync.", status=429)
        jam_id, update = self._stream_payload(data, "JAM_MAX_UPDATE_BYTES")
        if not self._may_edit(client, jam_id):
            raise ServiceError("Watchers are read-only: join with the invite to edit.",
                               status=403)
        self._turn()
        try:
            jams.apply_update(jam_id, client.user_id, update, skip_sid=sid)
        finally:
            self.realtime.turns.release()
        return {"ok": True}

    def _awareness(self, client: Client, data: tuple[Any, ...]) -> dict[str, Any]:
        """`jam:awareness {jam, update}`: an editor's cursor, relayed and not stored."""
        sid = _sid()
        mine = self._client(sid)
        if not mine.awareness.take():
            raise ServiceError(f"Slow down: at most "
                               f"{current_app.config['JAM_AWARENESS_PER_SECOND']:g} awareness "
                               "updates a second.", status=429)
        jam_id, update = self._stream_payload(data, "JAM_MAX_AWARENESS_BYTES")
        if jam_id not in mine.jams:
            raise ServiceError("Join the jam (jam:join) before sending awareness.", status=409)
        if not self._may_edit(client, jam_id):
            raise ServiceError("Watchers are read-only: only editors share their cursor.",
                               status=403)
        jam_event("jam:awareness", jam_id, {"update": jams.encode(update)}, skip_sid=sid)
        return {"ok": True}

    def _may_edit(self, client: Client, jam_id: int) -> bool:
        """Whether this connection's user edits the jam, checked at most every ROLE_SECONDS:
        a watcher's updates and cursors are refused without reaching the database (an editor's
        updates are checked again under the jam's lock)."""
        if client.user_id is None:
            return False
        mine = self._client(_sid())
        allowed, checked = mine.may_edit.get(jam_id, (False, -ROLE_SECONDS))
        if time.monotonic() - checked >= ROLE_SECONDS:
            allowed = jams.may_edit(jam_id, client.user_id)
            mine.may_edit[jam_id] = (allowed, time.monotonic())
        return allowed

    def disconnect(self, sid: str, user_id: int | None) -> None:
        """Forget a closed connection and take it out of its jams' presence."""
        mine = self.clients.pop(sid, None)
        if mine is None:
            return
        for jam_id in mine.jams:
            jam_presence.leave(jam_id, sid, user_id)
            self.changed.add(jam_id)

    def upkeep(self, app: Flask) -> None:
        """From the namespace's background loop: send the presence of jams that changed (at
        most every PRESENCE_FLUSH_SECONDS), and every PRESENCE_TTL / 3 re-stamp this process's
        connections."""
        now = time.monotonic()
        if now >= self._next_beat:
            self._next_beat = now + app.config["PRESENCE_TTL"] / 3
            members: dict[int, list[tuple[str, int | None]]] = {}
            for sid, mine in list(self.clients.items()):
                client = self.realtime.clients.get(sid)
                for jam_id in mine.jams:
                    members.setdefault(jam_id, []).append(
                        (sid, client.user_id if client else None))
            with app.app_context():
                for jam_id, pairs in members.items():
                    jam_presence.stamp(jam_id, pairs)
        if now < self._next_flush or not self.changed:
            return
        self._next_flush = now + PRESENCE_FLUSH_SECONDS
        changed, self.changed = self.changed, set()
        with app.app_context():
            for jam_id in changed:
                jams.announce_presence(jam_id)
