"""Ending an account's sessions ("sign out everywhere", a password change) ends its open
Socket.IO connections too: a hijacker's socket stops hearing the account's private room, and its
old token no longer connects."""

from __future__ import annotations

import pytest
import requests
import socketio

from fractafrag.realtime.handlers import RECONCILE_SECONDS
from tests.helpers import bearer


def test_sign_out_everywhere_disconnects_the_other_sessions_sockets(web, listen, make_user):
    user = make_user()
    stolen = user["access_token"]
    hijacker = listen("websocket").connect(web.url, token=stolen)
    hijacker.subscribe(f"user:{user['id']}")
    signed_in = requests.post(f"{web.url}/api/v1/auth/login", timeout=10, json={
        "username": user["username"], "password": user["password"]})
    assert signed_in.status_code == 200, signed_in.text

    revoked = requests.post(f"{web.url}/api/v1/users/me/sessions/revoke", timeout=10,
                            headers=bearer(signed_in.json()["access_token"]))
    assert revoked.status_code == 200, revoked.text

    hijacker.next("__disconnected__", timeout=RECONCILE_SECONDS + 5)
    with pytest.raises(socketio.exceptions.ConnectionError):
        listen("websocket").connect(web.url, token=stolen)
    # The session that signed everyone else out goes on, live.
    owner = listen("websocket").connect(web.url, token=revoked.json()["access_token"])
    assert owner.subscribe(f"user:{user['id']}")["ok"] is True


def test_a_visitor_and_other_accounts_keep_their_sockets(web, listen, make_user):
    user, other = make_user(), make_user()
    visitor = listen("websocket").connect(web.url)
    visitor.subscribe("feed")
    theirs = listen("websocket").connect(web.url, token=other["access_token"])
    theirs.subscribe(f"user:{other['id']}")
    revoked = requests.post(f"{web.url}/api/v1/users/me/sessions/revoke", timeout=10,
                            headers=bearer(user["access_token"]))
    assert revoked.status_code == 200, revoked.text
    with pytest.raises(AssertionError):
        visitor.next("__disconnected__", timeout=RECONCILE_SECONDS + 2)
    assert "__disconnected__" not in theirs.names()
    assert theirs.call("subscribe", {"room": "feed"})["ok"] is True
