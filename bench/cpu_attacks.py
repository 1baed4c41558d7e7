"""CPU attacks on `fractafrag up`, each measured by what others see: /health probed every 100 ms.

1. Diffs: a shader whose versions 1 and 2 are Common + 5 passes of ~54 KB of comments, every
   other line shared (difflib's quadratic case); 3 API diffs and 3 page diffs at once, twice
   (the second time cached).
2. Wrong `current_password` on PATCH /users/me, 8 at once, three rounds (argon2 and the
   sign-in limits).

For each: /health p50/p99/max and failed probes during the attack, and how long the attack
requests took to be answered (and with what). Targets: /health p99 under 500 ms with no failed
probe; every attack request answered or refused within 15 s.

    python bench/cpu_attacks.py            # prints a table; --report writes docs/benchmarks.md
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
from _probe import HealthProbe  # noqa: E402

PASSES = ("Image", "Buffer A", "Buffer B", "Buffer C", "Buffer D")
GRADIENT = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
            "    fragColor = vec4(fragCoord / iResolution.xy, 0.5, 1.0);\n}\n")


def comments(count: int, tag: str) -> str:
    return "".join(f"// {tag}{i} changed\n// shared line {i}\n" for i in range(count))


def version(tag: str, pairs: int = 1500) -> dict:
    return {"common": comments(pairs, tag),
            "passes": [{"name": name, "code": GRADIENT + comments(pairs, tag), "inputs": []}
                       for name in PASSES]}


def attack(url: str, fire: list[Callable[[], requests.Response]]) -> tuple[str, str]:
    probe = HealthProbe(url)
    time.sleep(0.5)

    def timed(call: Callable[[], requests.Response]) -> tuple[int, float]:
        began = time.monotonic()
        try:
            status = call().status_code
        except requests.RequestException:
            status = 0
        return status, time.monotonic() - began

    with ThreadPoolExecutor(len(fire)) as pool:
        answers = list(pool.map(timed, fire))
    time.sleep(0.5)
    statuses = ", ".join(f"{n} × {s}" for s, n in sorted(Counter(s for s, _ in answers).items()))
    slowest = max(seconds for _, seconds in answers)
    return probe.finish(), f"{statuses}; slowest answered in {slowest:.2f} s"


def main(report: bool) -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="fractafrag-attacks-") as tmp:
        up = load.Up(Path(tmp), {"FRACTAFRAG_RATELIMIT_ENABLED": "1",
                                 "FRACTAFRAG_RATELIMIT_LOGIN_ACCOUNT": "10/5min"})
        try:
            up.wait_ready()
            token = requests.post(f"{up.url}/api/v1/auth/register", timeout=30, json={
                "username": "attacker", "email": "attacker@example.org",
                "password": "cpu attack secret"}).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            shader = requests.post(f"{up.url}/api/v1/shaders", timeout=60, headers=auth,
                                   json={"title": "Comment storm", **version("a")}).json()["id"]
            requests.patch(f"{up.url}/api/v1/shaders/{shader}", timeout=60, headers=auth,
                           json=version("b")).raise_for_status()
            diffs = [lambda u=u: requests.get(u, timeout=60) for u in [
                f"{up.url}/api/v1/shaders/{shader}/diff?from=1&to=2",
                f"{up.url}/shaders/{shader}?from=1&to=2"] * 3]
            rows.append(("6 diffs at once (3 API, 3 page), uncached", *attack(up.url, diffs)))
            rows.append(("the same 6, cached", *attack(up.url, diffs)))
            guess = {"current_password": "wrong guess!", "password": "a brand new secret"}
            wrong = [lambda: requests.patch(f"{up.url}/api/v1/users/me", json=guess,
                                            headers=auth, timeout=60)] * 8
            for round_ in (1, 2, 3):
                rows.append((f"8 wrong current_password at once, round {round_}",
                             *attack(up.url, wrong)))
        finally:
            up.stop()
    lines = ["## CPU attacks (bench/cpu_attacks.py)", "",
             "`fractafrag up` (embedded servers, one web process per core, sign-in limit 10 per "
             "5 min per account); `/api/v1/health` probed every 100 ms during each attack. "
             "Targets: `/health` p99 under 500 ms, no failed probe; attacks answered or refused "
             "within 15 s.", "",
             "| attack | /health during it | attack answers |", "|---|---|---|",
             *(f"| {name} | {health} | {answers} |" for name, health, answers in rows)]
    body = "\n".join(lines)
    print(body)
    if report:
        from _report import write_section

        write_section("cpu-attacks", body)


if __name__ == "__main__":
    main(report="--report" in sys.argv)
