"""Attacks on POST /api/v1/validate, against a real web process (gunicorn + gevent), as issue 19
found them: macro bombs in Common over five passes, eight at once; shaders heavy enough to
spend the compile budget; a flood of anonymous validations.

During each attack /api/v1/health is probed every 100 ms: no probe may fail and each must answer
well within 2 s (liveness, not a speed target), and every attack request must be answered or
refused (422 bomb or budget, 429 rate limit, 503 busy compiler) within 15 s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.api.shader_helpers import GRADIENT
from tests.helpers import HealthProbe
from tests.processes import WebProcess

ATTACK_SECONDS = 15.0
PROBE_LIMIT_SECONDS = 2.0
PASS_NAMES = ("Image", "Buffer A", "Buffer B", "Buffer C", "Buffer D")
FIVE_PASSES = [{"name": name, "code": GRADIENT, "inputs": []} for name in PASS_NAMES]

# 1.6 KB: each macro twice the one before; the #if would expand 2**40 tokens.
BOMB_COMMON = "#define A0 1\n" + "".join(
    f"#define A{i} (A{i - 1} + A{i - 1})\n" for i in range(1, 40)) + "#if A39 > 0\n#endif\n"
# Under every macro limit (3 uses of 65,533 tokens), but ~0.5 s of compiler per pass.
HEAVY_COMMON = "#define A0 1.0\n" + "".join(
    f"#define A{i} (A{i - 1} + A{i - 1})\n" for i in range(1, 15)) + "".join(
    f"const float heavy{n} = A14;\n" for n in range(3))


@pytest.fixture(scope="module")
def web(app, service_urls: dict[str, str]) -> Iterator[WebProcess]:
    """One web process with limits on, a 1 s compile budget, 2 compile slots, 0.5 s wait, and
    only 2 requests served at once: requests waiting on the compiler must give their slot back,
    or eight of them would hold /health behind them."""
    process = WebProcess(service_urls, "validate-attacks", {
        "FRACTAFRAG_RATELIMIT_ENABLED": "1", "FRACTAFRAG_RATELIMIT_VALIDATE_IP": "30/1min",
        "FRACTAFRAG_COMPILE_BUDGET": "1", "FRACTAFRAG_COMPILE_CONCURRENCY": "2",
        "FRACTAFRAG_COMPILE_WAIT": "0.5", "FRACTAFRAG_WEB_CONCURRENCY": "2"})
    try:
        yield process.wait_ready()
    finally:
        process.stop()


def attack(url: str, bodies: list[dict], headers: dict | None = None
           ) -> list[tuple[requests.Response, float]]:
    """POST every body to /validate at once; each answer with the seconds it took."""

    def send(body: dict) -> tuple[requests.Response, float]:
        started = time.monotonic()
        answer = requests.post(url + "/api/v1/validate", json=body, headers=headers,
                               timeout=ATTACK_SECONDS + 5)
        return answer, time.monotonic() - started

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def test_eight_macro_bombs_at_once_are_refused_fast_and_the_site_stays_up(app, web):
    with HealthProbe(web.url, timeout=PROBE_LIMIT_SECONDS) as probe:
        time.sleep(0.3)
        answers = attack(web.url, [{"common": BOMB_COMMON, "passes": FIVE_PASSES}] * 8)
        time.sleep(0.3)
    probe.check(PROBE_LIMIT_SECONDS)
    for answer, seconds in answers:
        assert seconds < ATTACK_SECONDS
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"] == [{"pass": "Common", "line": 41, "message": (
            "This #if expands to more than 65,536 tokens (a macro bomb?); the limit is 65,536 "
            "tokens per expression.")}]


def test_heavy_shaders_under_the_macro_limits_spend_one_budget_and_wait_for_a_slot(app, web):
    with HealthProbe(web.url, timeout=PROBE_LIMIT_SECONDS) as probe:
        time.sleep(0.3)
        answers = attack(web.url, [{"common": HEAVY_COMMON, "passes": FIVE_PASSES}] * 8)
        time.sleep(0.3)
    probe.check(PROBE_LIMIT_SECONDS)
    statuses = sorted(answer.status_code for answer, _ in answers)
    assert set(statuses) <= {422, 503}, statuses
    assert statuses.count(503) >= 1, "two slots for eight callers: some wait, then get 503"
    for answer, seconds in answers:
        assert seconds < ATTACK_SECONDS
        if answer.status_code == 503:
            assert answer.headers["Retry-After"] == "1"
            assert "compiler is busy" in answer.json()["message"]
        else:  # the five passes do not fit in the 1 s budget they share
            [error] = answer.json()["errors"]
            assert error["pass"] in PASS_NAMES and error["line"] == 0
            assert "within the 1 s compile budget" in error["message"]


def test_an_anonymous_flood_is_rate_limited_while_accounts_go_on(app, web):
    with HealthProbe(web.url, timeout=PROBE_LIMIT_SECONDS) as probe:
        time.sleep(0.3)
        answers = attack(web.url, [{"common": BOMB_COMMON, "passes": FIVE_PASSES}] * 40)
        time.sleep(0.3)
    probe.check(PROBE_LIMIT_SECONDS)
    statuses = sorted(answer.status_code for answer, _ in answers)
    assert statuses == [422] * 30 + [429] * 10
    for answer, seconds in answers:
        assert seconds < ATTACK_SECONDS
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) >= 1
            assert "validations from this address" in answer.json()["message"]
    assert requests.post(web.url + "/api/v1/validate", json={"code": GRADIENT},
                         timeout=30).status_code == 429
    token = requests.post(web.url + "/api/v1/auth/register", timeout=30, json={
        "username": "validator", "email": "validator@example.org",
        "password": "a long enough password"}).json()["access_token"]
    signed_in = requests.post(web.url + "/api/v1/validate", json={"code": GRADIENT}, timeout=30,
                              headers={"Authorization": f"Bearer {token}"})
    assert signed_in.status_code == 200 and signed_in.json() == {"ok": True, "errors": []}
