"""Socket.IO namespace "/": connect with an optional JWT, subscribe and unsubscribe to rooms;
the jam:* events are served by realtime/jams.py.

Handlers stay thin: rooms.py says who may join what, services/presence.py counts viewers, and
domain events reach rooms only through broadcast.py. This module adds the guard rails: a rate
limit and a size limit per client event, and an `error` event for anything it cannot serve.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import socketio as socketio_lib
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from flask import Flask, current_app, request
from flask_jwt_extended.config import config as jwt_config
from flask_socketio import Namespace
from redis.exceptions import RedisError
from socketio.exceptions import ConnectionRefusedError

from fractafrag.auth import VALID_AFTER_PREFIX
from fractafrag.extensions import redis
from fractafrag.observability import SOCKETS
from fractafrag.realtime import rooms
from fractafrag.realtime.broadcast import owner_room
from fractafrag.realtime.guard import ConnectionGuard, Tally
from fractafrag.realtime.jams import CONTROL_EVENTS, STREAM_EVENTS, JamEvents
from fractafrag.services import ServiceError, presence
from fractafrag.urls import same_site_origins

log = logging.getLogger(__name__)
CLIENT_EVENTS = ("subscribe", "unsubscribe")
WINDOW_SECONDS = 10
FLUSH_SECONDS = 0.25
RECONCILE_SECONDS = 5.0
# Subscribes and unsubscribes handled at once per process (each takes a Redis connection, of
# which redis-py allows 100); a crowd's other events wait up to TURN_WAIT_SECONDS, then 503.
CONCURRENT_EVENTS = 24
TURN_WAIT_SECONDS = 10.0


@dataclass(slots=True)
class Client:
    """One connection of this process: who it is, its rooms, its event budget."""

    user_id: int | None
    issued: float = 0.0  # when the token it signed in with was issued
    rooms: set[str] = field(default_factory=set)
    joining: int = 0  # subscribes in progress, which hold a place under SOCKET_MAX_ROOMS
    window: int = 0
    events: int = 0

    def spend(self) -> int:
        """Count one event in the current 10-second window; return the window's total."""
        window = int(time.monotonic() // WINDOW_SECONDS)
        if window != self.window:
            self.window, self.events = window, 0
        self.events += 1
        return self.events


def _sid() -> str:
    return request.sid  # type: ignore[attr-defined]


def _size(data: tuple[Any, ...]) -> float:
    """The JSON size of an event's arguments; binary or unencodable ones count as too big."""
    try:
        return len(json.dumps(data, separators=(",", ":")))
    except (TypeError, ValueError, RecursionError):
        return float("inf")


def _unreadable(message: Any) -> bool:
    """True for a Socket.IO packet that cannot be anything we answer, to be dropped unread.

    python-socketio logs a traceback for each of these (JSON that does not parse or nests past
    the parser's depth, unknown packet types, an event that is not a list starting with its
    name, binary attachments, which no Fractafrag event uses), so a client could flood the log.
    """
    if not isinstance(message, str):
        return True  # a binary attachment: never asked for, since binary packets are dropped
    try:
        packet = socketio_lib.packet.Packet(encoded_packet=message)
    except (ValueError, TypeError, RecursionError):
        return True
    kind = packet.packet_type
    if kind == socketio_lib.packet.EVENT:
        return not (isinstance(packet.data, list) and packet.data
                    and isinstance(packet.data[0], str))
    return kind not in (socketio_lib.packet.CONNECT, socketio_lib.packet.DISCONNECT,
                        socketio_lib.packet.ACK)


def _room_of(data: tuple[Any, ...]) -> Any:
    """The `room` of a `{room}` payload, or a ServiceError for any other shape."""
    if len(data) != 1 or not isinstance(data[0], dict) or set(data[0]) != {"room"}:
        raise ServiceError("Send exactly one payload {room: <name>}.",
                           {"room": ["Send {room: <name>}."]})
    return data[0]["room"]


class Realtime(Namespace):
    """The one namespace; every event runs inside a request context of its connection."""

    def __init__(self, namespace: str = "/") -> None:
        super().__init__(namespace)
        self.clients: dict[str, Client] = {}
        self._background_started = False
        self.tally = Tally()
        self.turns = threading.BoundedSemaphore(CONCURRENT_EVENTS)
        self.guard: ConnectionGuard | None = None
        self.jams = JamEvents(self)

    def _set_server(self, server: socketio_lib.Server) -> None:
        """Attach to the server; guard its messages (both transports) and its WebSocket frames."""
        super()._set_server(server)
        eio = server.eio
        dispatch = server._handle_eio_message

        def read_message(eio_sid: str, message: Any) -> Any:
            if _unreadable(message):
                log.debug("dropped an unreadable Socket.IO packet from %s", eio_sid)
                return None
            return dispatch(eio_sid, message)

        eio.on("message", read_message)  # both transports: WebSocket and long-polling
        # Past SOCKET_MAX_CONNECTIONS / SOCKET_MAX_PER_IP a handshake answers 503 at once.
        self.guard = ConnectionGuard(eio, self.tally)
        self.guard.install()
        websocket = eio._async.get("websocket")
        if isinstance(websocket, type) and issubclass(websocket, SimpleWebSocketWSGI):
            limit = eio.max_http_buffer_size

            class GuardedWebSocket(websocket):  # type: ignore[misc, valid-type]
                def __init__(self, handler: Callable[..., Any], server: Any) -> None:
                    super().__init__(handler, server)
                    # engine.io checks a frame's size only once simple-websocket has buffered
                    # all of it; with max_message_size it stops reading at the limit instead.
                    self.server_args["max_message_size"] = limit

                def wait(self) -> Any:
                    while True:
                        data = super().wait()
                        # engine.io ends the whole connection on a text frame that does not
                        # start with a packet type; such frames are dropped instead.
                        if not isinstance(data, str) or (data and data[0] in "0123456789"):
                            return data

            eio._async = {**eio._async, "websocket": GuardedWebSocket}

    def trigger_event(self, event: Any, *args: Any) -> Any:
        """Route an event: the server's own connect/disconnect, or a client event."""
        sid = args[0] if args else ""
        environ = self.server.get_environ(sid, self.namespace)
        if environ is None:
            return None
        # A client may send events named "connect" or "disconnect"; only the server's count.
        if event == "connect" and len(args) > 1 and args[1] is environ:
            return self._in_request(environ, sid, self.on_connect, *args[2:3])
        if event == "disconnect" and not self.server.manager.is_connected(sid, self.namespace):
            return self._in_request(environ, sid, self.on_disconnect, *args[1:2])
        return self._in_request(environ, sid, self._client_event, event, args[1:])

    def _in_request(self, environ: dict[str, Any], sid: str, handler: Callable[..., Any],
                    *args: Any) -> Any:
        with environ["flask.app"].request_context(environ):
            request.sid = sid  # type: ignore[attr-defined]
            return handler(*args)

    def _client_event(self, event: Any, data: tuple[Any, ...]) -> Any:
        client = self.clients.get(_sid())
        if client is None:
            return None
        config = current_app.config
        if event in STREAM_EVENTS:  # Yjs updates and cursors: their own budgets and size cap
            return self.jams.handle(client, event, data)
        limit = config["SOCKET_EVENTS_PER_10S"]
        spent = client.spend()
        if spent > limit:
            self.tally.add("events dropped over SOCKET_EVENTS_PER_10S")
            if spent == limit + 1:
                return self._error(429, f"Slow down: at most {limit} events per "
                                        f"{WINDOW_SECONDS} s; later ones are dropped.", event)
            return None
        if not isinstance(event, str) or event not in CLIENT_EVENTS + CONTROL_EVENTS:
            shown = event[:60] if isinstance(event, str) else type(event).__name__
            return self._error(400, f"Unknown event {shown!r}; send subscribe, unsubscribe or "
                                    "a jam:* event.", event)
        if _size(data) > config["SOCKET_MAX_PAYLOAD_BYTES"]:
            return self._error(413, f"Payloads are limited to "
                                    f"{config['SOCKET_MAX_PAYLOAD_BYTES']} bytes of JSON.", event)
        if event in CONTROL_EVENTS:
            return self.jams.handle(client, event, data)
        handler = self.on_subscribe if event == "subscribe" else self.on_unsubscribe
        reserved = False
        try:
            if event == "subscribe":
                # Before waiting for a turn: a join past the cap costs nothing.
                self._reserve_place(client, data)
                reserved = True
            if not self.turns.acquire(timeout=TURN_WAIT_SECONDS):
                raise ServiceError("The server is busy; try again in a moment.", status=503)
            try:
                return handler(*data)
            finally:
                self.turns.release()
        except ServiceError as error:
            room = data[0].get("room") if data and isinstance(data[0], dict) else None
            if error.status in (429, 503):
                self.tally.add(f"{event} refused ({error.status})")
            return self._error(error.status, error.message, event, room)
        except Exception:
            # One traceback per interval; a flood of failures is counted, not logged each.
            self.tally.exception(f"socket event {event} failed")
            return self._error(500, "Something went wrong on our side; try again.", event)
        finally:
            if reserved:
                client.joining -= 1

    def _error(self, code: int, message: str, event: Any, room: Any = None) -> dict[str, Any]:
        """Send `error {code, message, event[, room]}` to this client; it is also the ack."""
        payload: dict[str, Any] = {"code": code, "message": message,
                                   "event": event if isinstance(event, str) else None}
        if isinstance(room, str):
            payload["room"] = room[:200]
        self.server.emit("error", payload, to=_sid(), namespace=self.namespace,
                         ignore_queue=True)
        return {"ok": False, **payload}

    def on_connect(self, auth: Any = None) -> None:
        """Accept anyone; auth {token}, or the access cookie from our own pages, signs in."""
        cookie = request.cookies.get(jwt_config.access_cookie_name)
        origins = [o.strip() for o in request.headers.get("Origin", "").split(",") if o.strip()]
        ours = {urlsplit(o).netloc for o in same_site_origins(
            request.environ, current_app.config.get("PUBLIC_URL") or "")} | {request.host}
        if any(urlsplit(origin).netloc not in ours for origin in origins):
            # Another site's page: its visitor's cookie must not sign it in (the token in auth
            # is something that page would have to know).
            cookie = None
        try:
            signed_in = rooms.session_of(auth, cookie)
        except ServiceError as error:
            raise ConnectionRefusedError(error.message,
                                         {"code": error.status, "message": error.message}
                                         ) from error
        self.clients[_sid()] = (Client(*signed_in) if signed_in is not None else Client(None))
        SOCKETS.set(len(self.clients))
        self._start_background(current_app._get_current_object())  # type: ignore[attr-defined]

    def on_subscribe(self, *data: Any) -> dict[str, Any]:
        """`subscribe {room}`: join if allowed; the ack is {ok, room[, viewers]}."""
        client = self._still_connected()
        room = rooms.admit(_room_of(data), client.user_id)
        self.enter_room(_sid(), room.name)
        client.rooms.add(room.name)
        answer: dict[str, Any] = {"ok": True, "room": room.name}
        if room.shader_id is not None and client.user_id is not None:
            # Where the shader's events go while only its owner may see it (broadcast.py).
            self.enter_room(_sid(), owner_room(room.shader_id, client.user_id))
        if room.shader_id is not None:
            count = presence.tracker().join(_sid(), room.shader_id)
            if count is not None:
                answer["viewers"] = count
        return answer

    def _still_connected(self) -> Client:
        """This event's connection, unless it closed while the event waited for its turn (a
        page going offline drops its socket at once); then nothing is joined for it."""
        client = self.clients.get(_sid())
        if client is None:
            raise ServiceError("This connection has closed; connect again.", status=410)
        return client

    @staticmethod
    def _reserve_place(client: Client, data: tuple[Any, ...]) -> None:
        """Hold one of the connection's SOCKET_MAX_ROOMS places for a join (429 if none is
        left); joins in progress hold theirs, so concurrent ones cannot overshoot the cap."""
        limit = current_app.config["SOCKET_MAX_ROOMS"]
        if len(client.rooms) + client.joining >= limit:
            name = rooms.parse(_room_of(data)).name
            if name not in client.rooms:
                raise ServiceError(f"At most {limit} rooms per connection (SOCKET_MAX_ROOMS); "
                                   "unsubscribe from one first.", status=429)
        client.joining += 1

    def on_unsubscribe(self, *data: Any) -> dict[str, Any]:
        """`unsubscribe {room}`: leave it (leaving a room you are not in is fine)."""
        client = self._still_connected()
        room = rooms.parse(_room_of(data))
        self.leave_room(_sid(), room.name)
        client.rooms.discard(room.name)
        if room.shader_id is not None and client.user_id is not None:
            self.leave_room(_sid(), owner_room(room.shader_id, client.user_id))
        if room.shader_id is not None:
            presence.tracker().leave(_sid(), room.shader_id)
        return {"ok": True, "room": room.name}

    def on_disconnect(self, reason: Any = None) -> None:
        """Forget the client and stop counting it as a viewer."""
        client = self.clients.pop(_sid(), None)
        SOCKETS.set(len(self.clients))
        if client is not None and client.rooms:
            with self.turns:
                presence.tracker().leave_all(_sid())
        self.jams.disconnect(_sid(), client.user_id if client is not None else None)

    def _start_background(self, app: Flask) -> None:
        if not self._background_started:
            self._background_started = True
            self.server.start_background_task(self._background, app)

    def _end_sessions(self, app: Flask) -> None:
        """Disconnect this process's connections whose account ended its sessions after they
        signed in (a password change, "sign out everywhere"): one Redis read for all, every
        RECONCILE_SECONDS. A page whose own session goes on reconnects with its new cookie."""
        signed_in = {sid: client for sid, client in list(self.clients.items())
                     if client.user_id is not None}
        if not signed_in:
            return
        users = sorted({client.user_id for client in signed_in.values()
                        if client.user_id is not None})
        try:
            with app.app_context():
                cutoffs = dict(zip(users, redis.mget(
                    [VALID_AFTER_PREFIX + str(user) for user in users]), strict=True))
        except RedisError:
            self.tally.exception("session cut-offs not read")
            return
        for sid, client in signed_in.items():
            cutoff = cutoffs.get(client.user_id)
            if cutoff is not None and client.issued < float(cutoff):
                self.server.disconnect(sid, namespace=self.namespace, ignore_queue=True)

    def _background(self, app: Flask) -> None:
        """Forever: flush coalesced viewer counts; every PRESENCE_TTL / 3, the heartbeat."""
        interval = app.config["PRESENCE_TTL"] / 3
        next_beat = time.monotonic() + interval
        next_reconcile = time.monotonic() + RECONCILE_SECONDS
        while True:
            self.server.sleep(min(FLUSH_SECONDS, interval))
            self.tally.flush()
            if time.monotonic() >= next_reconcile:
                next_reconcile = time.monotonic() + RECONCILE_SECONDS
                if self.guard is not None:
                    self.guard.reconcile()
                self._end_sessions(app)
            try:
                with app.app_context():
                    tracker = presence.tracker()
                    tracker.flush()
                    if time.monotonic() >= next_beat:
                        next_beat = time.monotonic() + interval
                        tracker.heartbeat()
                self.jams.upkeep(app)
            except Exception:
                self.tally.exception("presence upkeep failed; retrying")
