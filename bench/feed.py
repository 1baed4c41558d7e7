"""Feeds at scale: 100k shaders, 10k users, 1M votes; latency, plans, and load with wrk."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from _services import bench_app  # noqa: E402

from fractafrag.auth import issue_tokens  # noqa: E402
from fractafrag.extensions import db  # noqa: E402
from fractafrag.models import User  # noqa: E402

SHADERS = int(os.environ.get("SHADERS", "100000"))
USERS = int(os.environ.get("USERS", "10000"))
VOTES = int(os.environ.get("VOTES", "1000000"))
RUNS = 200
TAGS = ["raymarching", "fractal", "2d", "3d", "noise", "sdf", "fbm", "voronoi", "retro",
        "feedback", "particles", "terrain", "space", "water", "abstract", "palette"]


def generate() -> None:
    """Users, rendered public shaders with random style vectors, votes and dwell, in SQL."""
    run = db.session.execute
    run(sa.text("SET maintenance_work_mem = '1GB'"))
    run(sa.text("INSERT INTO users (username, email, password_hash) SELECT 'user' || g, "
                "'user' || g || '@example.org', 'x' FROM generate_series(1, :n) g"), {"n": USERS})
    run(sa.text("DROP INDEX ix_shaders_style_vector"))
    run(sa.text(
        "INSERT INTO shaders (owner_id, title, description, tags, visibility, license, "
        "render_status, published_at, style_vector) "
        "SELECT 1 + (g % :users), 'Shader ' || g, 'generated', "
        "ARRAY[(CAST(:tags AS varchar[]))[1 + g % 16], "
        "(CAST(:tags AS varchar[]))[1 + (g / 16) % 16]], 'public', 'CC0-1.0', 'ready', "
        "now() - make_interval(secs => random() * 90 * 86400), "
        # WHERE g > 0 correlates the subquery, so every shader gets its own random vector.
        "(SELECT CAST(array_agg(random() - 0.5) AS vector(512)) "
        " FROM generate_series(1, 512) x WHERE g > 0) FROM generate_series(1, :n) g"),
        {"n": SHADERS, "users": USERS, "tags": TAGS})
    run(sa.text(
        "INSERT INTO votes (user_id, shader_id, value) "
        "SELECT 1 + floor(random() * :users)::int, 1 + floor(power(random(), 3) * :shaders)::int, "
        "CASE WHEN random() < 0.85 THEN 1 ELSE -1 END FROM generate_series(1, :n) "
        "ON CONFLICT DO NOTHING"), {"users": USERS, "shaders": SHADERS, "n": VOTES})
    run(sa.text(
        "UPDATE shaders s SET up = v.up, down = v.down, score = v.up - v.down FROM ("
        " SELECT shader_id, count(*) FILTER (WHERE value = 1) AS up, "
        " count(*) FILTER (WHERE value = -1) AS down FROM votes GROUP BY shader_id) v "
        "WHERE v.shader_id = s.id"))
    run(sa.text(
        "UPDATE shaders SET hot = sign(score) * log(greatest(abs(score), 1)) "
        "+ (extract(epoch FROM published_at) - 1134028003) / 45000"))
    run(sa.text("INSERT INTO dwell_events (shader_id, user_id, ms) SELECT "
                "1 + floor(random() * :shaders)::int, 1 + floor(random() * :users)::int, "
                "1000 + floor(random() * 60000)::int FROM generate_series(1, :n)"),
        {"shaders": SHADERS, "users": USERS, "n": VOTES // 10})
    run(sa.text("CREATE INDEX ix_shaders_style_vector ON shaders USING hnsw "
                "(style_vector vector_cosine_ops)"))
    run(sa.text("UPDATE users SET taste_vector = (SELECT style_vector FROM shaders "
                "WHERE id = users.id) WHERE id <= 1000"))
    run(sa.text("ANALYZE"))  # what autovacuum would have done on a live site
    db.session.commit()


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


def latency(client, url: str, headers: dict | None = None) -> tuple[float, float]:
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        response = client.get(url, headers=headers or {})
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples), percentile(samples, 0.99)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


WRK_THREADS = int(os.environ.get("WRK_THREADS", "1"))
WRK_CONNECTIONS = int(os.environ.get("WRK_CONNECTIONS", "8"))


def wrk(url: str, seconds: int = 15) -> tuple[float, float]:
    """Requests/s and p99 latency (ms) from wrk against url."""
    out = subprocess.run(["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s",
                          "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def main() -> None:
    with bench_app() as app:
        with app.app_context():
            began = time.monotonic()
            generate()
            made = time.monotonic() - began
            votes = db.session.scalar(sa.text("SELECT count(*) FROM votes"))
            user = db.session.get(User, 7)
            token = issue_tokens(user)["access_token"]
        client = app.test_client()
        signed_in = {"Authorization": f"Bearer {token}"}
        rows = [
            ("trending", *latency(client, "/api/v1/feed/trending")),
            ("trending ?window=7d", *latency(client, "/api/v1/feed/trending?window=7d")),
            ("feed, signed in (page 1: ranks the candidates)", *latency(
                client, "/api/v1/feed", signed_in)),
            ("feed, anonymous", *latency(client, "/api/v1/feed")),
            ("similar", *latency(client, "/api/v1/feed/similar/123")),
        ]
        plans = []
        with app.app_context():
            from fractafrag.services import feed as feed_service

            for label, sql, params in (
                ("trending", "SELECT id FROM shaders WHERE visibility = 'public' AND deleted_at "
                 "IS NULL AND render_status = 'ready' ORDER BY hot DESC, id DESC LIMIT 20", {}),
                ("similar", "SELECT id FROM shaders WHERE visibility = 'public' AND deleted_at "
                 "IS NULL AND render_status = 'ready' AND id <> 123 ORDER BY style_vector <=> "
                 "(SELECT style_vector FROM shaders WHERE id = 123) LIMIT 12", {}),
                ("personalised feed", "EXPLAIN_FEED", {}),
            ):
                if sql == "EXPLAIN_FEED":
                    sql = feed_service.PERSONAL_RANKING.text
                    params = feed_service.ranking_params(7, "bench")
                db.session.execute(sa.text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
                plan = db.session.execute(sa.text("EXPLAIN (ANALYZE, COSTS OFF) " + sql), params)
                lines = [r[0] for r in plan]
                keep = [line for line in lines if "Scan" in line or "Execution" in line]
                plans.append(f"{label}:\n\n```\n" + "\n".join(keep) + "\n```")
            db.session.rollback()

        load = ""
        if shutil.which("wrk"):
            port = free_port()
            env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "REDIS_URL": app.config["REDIS_URL"], "FRACTAFRAG_RATELIMIT_ENABLED": "0",
                   "SECRET_KEY": "bench"}
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b",
                 f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                env=env, cwd=Path(__file__).resolve().parent.parent)
            try:
                time.sleep(3)
                base = f"http://127.0.0.1:{port}"
                wrk(base + "/api/v1/health", seconds=3)  # warm up
                health_rps, health_p99 = wrk(base + "/api/v1/health")
                trend_rps, trend_p99 = wrk(base + "/api/v1/feed/trending")
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(20)
            load = "\n".join([
                "",
                f"Load: `wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d15s` against one "
                "`gunicorn -k gevent -w 1` web process (rate limits off), same run, same server, "
                "all on the same 2 cores as PostgreSQL and Redis:",
                "",
                "| endpoint | requests/s | p99 |",
                "|---|---|---|",
                f"| `/api/v1/health` | {health_rps:.0f} | {health_p99:.1f} ms |",
                f"| `/api/v1/feed/trending` | {trend_rps:.0f} | {trend_p99:.1f} ms |",
                "",
                f"Trending serves {trend_rps / health_rps * 100:.0f} % of health's requests/s.",
            ])

    table = [f"| {label} | {p50:.1f} ms | {p99:.1f} ms |" for label, p50, p99 in rows]
    body = "\n".join([
        "## Feeds at scale (bench/feed.py)",
        "",
        f"{SHADERS:,} rendered public shaders with random 512-d style vectors (HNSW index), "
        f"{USERS:,} users, {votes:,} votes (skewed towards a popular head) and {VOTES // 10:,} "
        f"dwell events, generated in {made:.0f} s. Latency through the Flask test client, "
        f"{RUNS} requests each:",
        "",
        "| request | p50 | p99 |",
        "|---|---|---|",
        *table,
        load,
        "",
        "Plans (`EXPLAIN ANALYZE`, scan lines):",
        "",
        *plans,
    ])
    write_section("feed", body)
    print(body)


if __name__ == "__main__":
    main()
