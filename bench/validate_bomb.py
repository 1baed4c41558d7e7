"""Cost of a macro bomb sent to /api/v1/validate, measured from outside (issue 19).

Starts embedded PostgreSQL + Redis and one `gunicorn -k gevent` web process (from --root, so an
older checkout can be measured the same way), then:

1. sends one anonymous validation with a 1.6 KB `#if` macro bomb in Common over 5 passes and
   reports the CPU-seconds the machine's processes burned meanwhile (user + system, read from
   /proc/stat) and how long the answer took;
2. sends 8 of them at once while probing /api/v1/health every 100 ms, and reports the probes'
   p50/p99/max and failures, and the attack answers' statuses and times.

    .venv/bin/python bench/validate_bomb.py [--root PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from _probe import HealthProbe, percentile  # noqa: E402

from fractafrag import embedded  # noqa: E402


def bomb_body(kind: str = "bomb") -> dict:
    """Five trivial passes under a Common that is either a 1.6 KB `#if` bomb (2**40 tokens) or,
    with kind "heavy", 3 uses of a 65,533-token macro: under the macro limits, but ~0.5 s of
    compiler per pass."""
    if kind == "heavy":
        lines = ["#define A0 1.0"] + [f"#define A{i} (A{i - 1} + A{i - 1})" for i in range(1, 15)]
        common = "\n".join(lines + [f"const float heavy{n} = A14;" for n in range(3)]) + "\n"
    else:
        lines = ["#define A0 1"] + [f"#define A{i} (A{i - 1} + A{i - 1})" for i in range(1, 40)]
        common = "\n".join(lines) + "\n#if A39 > 0\nfloat bombed = 1.0;\n#endif\n"
    code = "void mainImage(out vec4 fragColor, in vec2 fragCoord) { fragColor = vec4(1.0); }\n"
    passes = [{"name": n, "code": code, "inputs": []}
              for n in ("Image", "Buffer A", "Buffer B", "Buffer C", "Buffer D")]
    return {"common": common, "passes": passes}


def cpu_seconds(master: int) -> float:
    """CPU time (user + system) of the gunicorn workers under master and of the children
    (compilers) they have reaped, in seconds."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[1]) == master:  # ppid
            ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(ROOT), help="checkout to run the web process from")
    parser.add_argument("--kind", choices=("bomb", "heavy"), default="bomb",
                        help="bomb: a #if macro bomb; heavy: costly code under the macro limits")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="validate-bomb-"))
    database_url, pg_pid = embedded.start_postgres(folder / "postgres", "bench")
    argv, redis_url = embedded.redis_command(folder / "redis")
    redis_proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    embedded.wait_for_redis(redis_url)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "SECRET_KEY": "bench-" + "0" * 40, "FRACTAFRAG_DATA_DIR": str(folder / "data"),
           "PYTHONPATH": args.root}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi:app", "db", "upgrade"],
                   cwd=args.root, env=env, check=True, capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b",
                            f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                           cwd=args.root, env=env, start_new_session=True)
    try:
        for _ in range(300):
            try:
                if requests.get(url + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        body = bomb_body(args.kind)
        report: dict = {"root": args.root, "kind": args.kind}
        before, started = cpu_seconds(web.pid), time.monotonic()
        answer = requests.post(url + "/api/v1/validate", json=body, timeout=120)
        seconds = time.monotonic() - started
        time.sleep(0.5)  # let a compiler killed at the answer's time be reaped
        report["one_bomb"] = {"status": answer.status_code, "seconds": round(seconds, 2),
                              "cpu_seconds": round(cpu_seconds(web.pid) - before, 2),
                              "answer": answer.text[:300]}

        def attack(_: int) -> tuple[int, float]:
            started = time.monotonic()
            answer = requests.post(url + "/api/v1/validate", json=body, timeout=120)
            return answer.status_code, round(time.monotonic() - started, 2)

        prober = HealthProbe(url)
        time.sleep(0.5)
        before = cpu_seconds(web.pid)
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(attack, range(8)))
        time.sleep(max(0.5, 3 - (time.monotonic() - started)))  # probe 3 s at least
        prober.finish()
        probes, failures = prober.times, prober.failures
        report["eight_bombs"] = {
            "answers": answers, "cpu_seconds": round(cpu_seconds(web.pid) - before, 2),
            "health_p50_ms": round(statistics.median(probes) * 1000, 1),
            "health_p99_ms": round(percentile(probes, 0.99) * 1000, 1),
            "health_max_ms": round(max(probes) * 1000, 1),
            "health_probes": len(probes), "health_failures": failures}
        print(json.dumps(report, indent=2))
    finally:
        os.killpg(web.pid, 15)
        web.wait(10)
        redis_proc.terminate()
        redis_proc.wait(5)
        embedded.stop_postgres(pg_pid)


if __name__ == "__main__":
    main()
