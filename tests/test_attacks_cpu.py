"""CPU attacks against a real web process (gunicorn + gevent): while one runs, /api/v1/health is
probed every 100 ms and must keep answering (a liveness check: no failed probe, each well within
2 s), and the attack requests must answer or be refused clearly within 15 s.

- Diffs between two ~56 KB comment-only versions over Common + 5 passes (every other line
  shared: difflib's quadratic case), through the API and the shader page, several at once.
- Wrong current_password on PATCH /users/me, 8 at a time: argon2 runs off the event loop and the
  guesses hit the sign-in limit (429 with Retry-After).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests

from fractafrag.services.ratelimit import parse_limit
from tests.api.shader_helpers import GRADIENT
from tests.helpers import HealthProbe
from tests.processes import WebProcess

PASSES = ("Image", "Buffer A", "Buffer B", "Buffer C", "Buffer D")
ANSWER_WITHIN = 15.0
PROBE_WITHIN = 2.0


def comment_block(count: int, tag: str) -> str:
    """~36 bytes a pair: a changed comment line, then a shared one."""
    return "".join(f"// {tag}{i} changed\n// shared line {i}\n" for i in range(count))


def big_version(tag: str, pairs: int = 1500) -> dict:
    """Common + 5 passes, ~54 KB of comments each (the passes still compile)."""
    return {"common": comment_block(pairs, tag),
            "passes": [{"name": name, "code": GRADIENT + comment_block(pairs, tag),
                        "inputs": []} for name in PASSES]}


def _account(url: str, name: str) -> str:
    answer = requests.post(f"{url}/api/v1/auth/register", timeout=30, json={
        "username": name, "email": f"{name}@example.org", "password": "cpu attack secret"})
    assert answer.status_code == 201, answer.text
    return answer.json()["access_token"]


def make_big_shader(url: str, token: str) -> int:
    """A public shader whose versions 1 and 2 are the diff bomb."""
    auth = {"Authorization": f"Bearer {token}"}
    created = requests.post(f"{url}/api/v1/shaders", timeout=60, headers=auth,
                            json={"title": "Comment storm", **big_version("a")})
    assert created.status_code == 201, created.text
    shader = created.json()["id"]
    edited = requests.patch(f"{url}/api/v1/shaders/{shader}", timeout=60, headers=auth,
                            json=big_version("b"))
    assert edited.status_code == 200, edited.text
    return shader


def attack(url: str, requests_to_fire: list[Callable[[], requests.Response]]
           ) -> tuple[list[tuple[int, float]], dict[str, float]]:
    """Fire the requests all at once while probing /health; (status, seconds) of each, and the
    probe's numbers."""
    probe = HealthProbe(url).start()
    time.sleep(0.3)

    def timed(fire: Callable[[], requests.Response]) -> tuple[int, float]:
        started = time.monotonic()
        try:
            status = fire().status_code
        except requests.RequestException:
            status = 0
        return status, time.monotonic() - started

    with ThreadPoolExecutor(len(requests_to_fire)) as pool:
        answers = list(pool.map(timed, requests_to_fire))
    time.sleep(0.3)
    return answers, probe.finish()


def diff_requests(url: str, shader: int, copies: int = 3) -> list[Callable[[], requests.Response]]:
    api = f"{url}/api/v1/shaders/{shader}/diff?from=1&to=2"
    page = f"{url}/shaders/{shader}?from=1&to=2"
    return [lambda u=u: requests.get(u, timeout=60) for u in [api, page] * copies]


def assert_live(probe: dict[str, float]) -> None:
    assert probe["probes"] >= 3
    assert probe["max"] < PROBE_WITHIN, f"/health stalled: {probe}"


def test_diff_bombs_leave_the_site_answering(app, service_urls):
    web = WebProcess(service_urls, "cpu-diff")
    try:
        web.wait_ready()
        shader = make_big_shader(web.url, _account(web.url, "differ"))
        first, probe = attack(web.url, diff_requests(web.url, shader))
        assert_live(probe)
        for status, seconds in first:
            assert status in (200, 413, 422) and seconds < ANSWER_WITHIN, first
        # The API's answer is a whole diff (the size is within the default caps).
        body = requests.get(f"{web.url}/api/v1/shaders/{shader}/diff?from=1&to=2",
                            timeout=30).json()
        image = next(p for p in body["passes"] if p["pass"] == "Image")
        assert image["status"] == "changed" and image["diff"].count("\n+// b") == 1500
        # Again, now cached: the same answers, quickly enough that nobody waits.
        again, probe = attack(web.url, diff_requests(web.url, shader))
        assert_live(probe)
        assert [s for s, _ in again] == [s for s, _ in first]
    finally:
        web.stop()


def test_a_diff_over_the_caps_is_refused_clearly_under_load(app, service_urls):
    web = WebProcess(service_urls, "cpu-diff-capped", {"FRACTAFRAG_DIFF_MAX_LINES": "20000"})
    try:
        web.wait_ready()
        shader = make_big_shader(web.url, _account(web.url, "capped"))
        answers, probe = attack(web.url, diff_requests(web.url, shader, copies=2))
        assert_live(probe)
        assert all(seconds < ANSWER_WITHIN for _, seconds in answers), answers
        assert [s for s, _ in answers] == [413, 200, 413, 200], answers  # API, page, API, page
        api = requests.get(f"{web.url}/api/v1/shaders/{shader}/diff?from=1&to=2", timeout=30)
        assert api.status_code == 413 and "DIFF_MAX_LINES" in api.json()["message"]
        page = requests.get(f"{web.url}/shaders/{shader}?from=1&to=2", timeout=30)
        assert "too large to show" in page.text
    finally:
        web.stop()


def test_wrong_current_passwords_at_once_hit_the_sign_in_limit(app, service_urls):
    web = WebProcess(service_urls, "cpu-password", {
        "FRACTAFRAG_RATELIMIT_ENABLED": "1", "FRACTAFRAG_RATELIMIT_LOGIN_ACCOUNT": "10/5min",
        "FRACTAFRAG_RATELIMIT_LOGIN_IP": "1000/1min", "FRACTAFRAG_RATELIMIT_REGISTER_IP": "10/1h"})
    try:
        web.wait_ready()
        token = _account(web.url, "guessed")
        auth = {"Authorization": f"Bearer {token}"}
        guess = {"current_password": "wrong guess!", "password": "a brand new secret"}

        def wrong() -> requests.Response:
            return requests.patch(f"{web.url}/api/v1/users/me", json=guess, headers=auth,
                                  timeout=60)

        # The limit counts in fixed windows: a run across a window's end would get a second
        # ten. The guesses take a few seconds; they start with at least 20 s of a window left.
        window = parse_limit("10/5min").seconds
        left = window - time.time() % window
        if left < 20:
            time.sleep(left + 0.5)
        answers: list[tuple[int, float]] = []
        for _ in range(3):
            batch, probe = attack(web.url, [wrong] * 8)
            assert_live(probe)
            answers += batch
        statuses = [status for status, _ in answers]
        assert all(seconds < ANSWER_WITHIN for _, seconds in answers), answers
        assert statuses.count(422) == 10 and statuses.count(429) == 14, statuses
        last = wrong()
        assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0
    finally:
        web.stop()
