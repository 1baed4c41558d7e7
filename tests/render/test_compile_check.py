"""The browser is the judge: glslang's known-stricter refusals are confirmed by the render
worker's compile checker in real headless Chromium (render_worker/compile_check.py)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from redis import Redis

from fractafrag.services import browser_check
from render_worker.browser import find_chromium
from render_worker.compile_check import CompileChecker
from tests.helpers import bearer

CHROMIUM = find_chromium(os.environ.get("FRACTAFRAG_CHROMIUM", ""))
MAIN = ("void mainImage(out vec4 fragColor, in vec2 fragCoord)\n{\n"
        "    fragColor = vec4(T[0], 0.0, 1.0);\n}\n")
TRANSPOSE = "const mat2 R = mat2(0.8, 0.6, -0.6, 0.8);\nconst mat2 T = transpose(R);\n" + MAIN
LOCAL_INVERSE = ("void mainImage(out vec4 fragColor, in vec2 fragCoord)\n{\n"
                 "    const mat2 T = inverse(mat2(2.0));\n"
                 "    fragColor = vec4(T[0], 0.0, 1.0);\n}\n")
# Real errors with the same glslang messages: Chromium refuses them too.
FROM_UNIFORM = "const mat2 T = mat2(iTime);\n" + MAIN
LOCAL_FROM_FUNCTION = ("float k(float x) { return x; }\n"
                       "void mainImage(out vec4 fragColor, in vec2 fragCoord)\n{\n"
                       "    const float A = k(1.0);\n    fragColor = vec4(A);\n}\n")
SAMPLER3D = ("vec4 fetch(sampler3D volume, vec3 p) { return texture(volume, p); }\n"
             "vec4 face(samplerCube cube, vec3 d) { return texture(cube, d); }\n"
             "void mainImage(out vec4 fragColor, in vec2 fragCoord)\n{\n"
             "    fragColor = vec4(fragCoord / iResolution.xy, 0.0, 1.0);\n}\n")


@pytest.fixture(scope="module")
def conn(app: Flask) -> Redis:
    from fractafrag.extensions import redis

    with app.app_context():
        return redis.conn


@pytest.fixture(scope="module")
def checker(conn: Redis) -> Iterator[CompileChecker]:
    running = CompileChecker(conn, CHROMIUM or "", budget=10.0).start()
    yield running
    running.stop()


@pytest.fixture
def alive(checker: CompileChecker, conn: Redis) -> CompileChecker:
    """The checker, once it has said it is alive (each test starts with an empty Redis)."""
    deadline = time.monotonic() + 60
    while not conn.exists(browser_check.ALIVE_KEY):
        assert time.monotonic() < deadline, "the compile checker never came up"
        time.sleep(0.05)
    return checker


def version(code: str, common: str = "") -> dict:
    return {"common": common, "passes": [{"name": "Image", "code": code, "inputs": []}]}


def test_a_global_const_transpose_validates(client, alive) -> None:
    response = client.post("/api/v1/validate", json={"code": TRANSPOSE})
    assert response.status_code == 200
    assert response.json == {"ok": True, "errors": []}


def test_a_local_const_inverse_validates(client, alive) -> None:
    response = client.post("/api/v1/validate", json={"code": LOCAL_INVERSE})
    assert response.json == {"ok": True, "errors": []}


def test_publishing_accepts_what_the_browser_compiles(client, alive, make_user) -> None:
    user = make_user()
    created = client.post("/api/v1/shaders", json={"title": "Rotated", "code": TRANSPOSE},
                          headers=bearer(user["access_token"]))
    assert created.status_code == 201, created.json


@pytest.mark.parametrize("code, line, message", [
    (FROM_UNIFORM, 1, "'=' : global const initializers must be constant 'const highp 2X2 "
                      "matrix of float'"),
    (LOCAL_FROM_FUNCTION, 4, "'non-constant initializer' : not supported with this profile: es"),
])
def test_a_real_error_in_a_const_initializer_is_still_refused(client, alive, code, line,
                                                               message) -> None:
    response = client.post("/api/v1/validate", json={"code": code})
    assert response.json == {"ok": False, "errors": [
        {"pass": "Image", "line": line, "message": message}]}


def test_a_refusal_for_another_reason_never_asks_the_browser(client, alive, monkeypatch) -> None:
    asked = []
    monkeypatch.setattr(browser_check, "ask_browser", lambda *args: asked.append(args))
    response = client.post("/api/v1/validate", json={"code": TRANSPOSE + "float broken = nope;\n"})
    assert response.json["ok"] is False and asked == []
    assert [e["line"] for e in response.json["errors"]] == [2, 7]


def test_without_a_checker_the_refusal_stands_and_says_why(make_app) -> None:
    app = make_app(COMPILE_CONFIRM_MAX_QUEUED=0)  # as if every confirmation slot were taken
    response = app.test_client().post("/api/v1/validate", json={"code": TRANSPOSE})
    assert response.json["ok"] is False
    [error] = response.json["errors"]
    assert error["line"] == 2
    assert error["message"].endswith(browser_check.UNCONFIRMED)


# The checker's browser belongs to its thread: these go through Redis as the web's requests do.


def test_the_player_compiles_functions_taking_sampler3d_and_samplercube(alive, conn) -> None:
    assert browser_check.ask_browser(conn, version(SAMPLER3D), 10.0, 8) is True


def test_the_browser_refuses_what_it_refuses(alive, conn) -> None:
    assert browser_check.ask_browser(conn, version(FROM_UNIFORM), 10.0, 8) is False
    assert browser_check.ask_browser(conn, version(TRANSPOSE), 10.0, 8) is True


def test_a_request_made_while_the_checker_starts_waits_for_it(alive, conn) -> None:
    """Right after `fractafrag up` the checker's Chromium is still launching: a shader validated
    then is confirmed once the checker beats, not refused with "try again"."""
    browser_check.starting(conn)
    conn.delete(browser_check.ALIVE_KEY)  # as before its first heartbeat (it beats every 2.5 s)
    assert browser_check.ask_browser(conn, version(TRANSPOSE), 10.0, 8) is True


def test_with_no_checker_alive_or_starting_nobody_waits(alive, conn) -> None:
    conn.delete(browser_check.ALIVE_KEY, browser_check.STARTING_KEY)
    began = time.monotonic()
    assert browser_check.ask_browser(conn, version(TRANSPOSE), 10.0, 8) is None
    assert time.monotonic() - began < 5.0  # not the 10 s it would wait for a checker


def test_no_more_than_the_bound_wait_at_once(alive, conn) -> None:
    conn.set(browser_check.WAITERS_KEY, 8)  # eight requests already waiting, site-wide
    assert browser_check.ask_browser(conn, version(TRANSPOSE), 10.0, 8) is None
    assert int(conn.get(browser_check.WAITERS_KEY)) == 8  # its own count taken back
    conn.set(browser_check.WAITERS_KEY, 0)
    assert browser_check.ask_browser(conn, version(TRANSPOSE), 10.0, 8) is True


def test_a_request_past_its_due_time_is_dropped(alive, conn) -> None:
    conn.rpush(browser_check.REQUESTS_KEY, "not json", json.dumps(
        {"id": "late", "version": version(TRANSPOSE), "due": time.time() - 1}))
    assert browser_check.ask_browser(conn, version(SAMPLER3D), 10.0, 8) is True  # served after
    assert not conn.exists(browser_check.REPLY_KEY.format(id="late"))
