"""Presence and room rules in-process: the same Redis, several trackers standing for processes."""

from __future__ import annotations

import time

import pytest

from fractafrag.extensions import redis
from fractafrag.realtime import rooms
from fractafrag.services import ServiceError, presence


@pytest.fixture
def sent(app, monkeypatch) -> list[tuple[int, int]]:
    """The `viewers` broadcasts, recorded instead of sent; counts are not coalesced."""
    recorded: list[tuple[int, int]] = []
    monkeypatch.setattr(presence.broadcast, "viewers", lambda s, c: recorded.append((s, c)))
    monkeypatch.setattr(presence, "COALESCE_SECONDS", 0.0)
    monkeypatch.setitem(app.config, "PRESENCE_TTL", 0.6)
    return recorded


def test_counts_span_processes_and_forget_a_dead_one(app, sent):
    with app.app_context():
        first, second = presence.Presence(), presence.Presence()
        assert first.join("a", 7) == 1
        assert second.join("b", 7) == 2
        assert first.join("a", 7) == 2, "joining twice counts once"
        second.leave("b", 7)
        second.leave("b", 7)
        assert first.count(7) == 1
        second.join("c", 7)
        time.sleep(0.7)  # the second process died: only the first keeps stamping
        first.heartbeat()
        assert first.count(7) == 1
        first.leave_all("a")
        assert first.count(7) == 0
        first.sweep()
        assert not redis.sismember(presence.WATCHED, 7), "empty shaders stop being swept"
    assert sent == [(7, 1), (7, 2), (7, 1), (7, 2), (7, 1), (7, 0)]


def test_heartbeat_restores_entries_redis_lost(app, sent):
    with app.app_context():
        tracker = presence.Presence()
        tracker.join("a", 8)
        redis.flushdb()
        tracker.heartbeat()
        assert tracker.count(8) == 1
    assert sent == [(8, 1), (8, 1)]


def test_quick_changes_are_coalesced(app, sent, monkeypatch):
    monkeypatch.setattr(presence, "COALESCE_SECONDS", 0.3)
    with app.app_context():
        tracker = presence.Presence()
        for sid in ("a", "b", "c"):
            tracker.join(sid, 9)
        tracker.flush()
        assert sent == [(9, 1)]
        time.sleep(0.35)
        tracker.flush()
    assert sent == [(9, 1), (9, 3)]


@pytest.mark.parametrize(("auth", "status"), [
    ("a string", 400), ([1], 400), ({"token": 5}, 401), ({"token": "x.y.z"}, 401)])
def test_identity_refuses_bad_auth(app, auth, status):
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        rooms.identity(auth, None)
    assert refused.value.status == status


def test_identity_from_token_or_cookie(app, make_user):
    user = make_user()
    with app.test_request_context():
        assert rooms.identity({"token": user["access_token"]}, None) == user["id"]
        assert rooms.identity(None, user["access_token"]) == user["id"]
        assert rooms.identity({}, "garbage") is None
        assert rooms.identity({"token": None}, None) is None


def test_room_names(app):
    with app.app_context():
        assert rooms.admit("feed", None) == rooms.Room("feed")
        assert rooms.admit("desires", None) == rooms.Room("desires")
        assert rooms.admit("user:03", 3) == rooms.Room("user:3")
        assert rooms.parse("shader:0012") == rooms.Room("shader:12", 12)
        for name, status in [("user:4", 403), ("Feed", 404), ("shader:x", 404),
                             ("shader:1234567890123456789", 404), (None, 422)]:
            with pytest.raises(ServiceError) as refused:
                rooms.admit(name, 3)
            assert refused.value.status == status, name
