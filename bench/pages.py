"""Page speed at scale (100k shaders, 10k users, 1M votes) and what the pages download.

Server time of the HTML pages through the app in-process (no network): p50/p99 over RUNS
requests each, anonymous and signed in (the access cookie, as a browser sends it). Then the
JavaScript and CSS each page loads (its <script src> and stylesheet links, read off the HTML),
summed from the files, with the editor counted on its own (its budget is separate).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from _services import bench_app  # noqa: E402
from feed import generate, percentile  # noqa: E402

from fractafrag.auth import issue_tokens  # noqa: E402
from fractafrag.extensions import db  # noqa: E402
from fractafrag.models import User  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("RUNS", "200"))
ASSET = re.compile(r'<(?:script[^>]+src|link[^>]+rel="stylesheet"[^>]+href)="(/static/[^"?]+)')
BUDGET_KB = 500


def timed(client, url: str) -> tuple[float, float]:
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples), percentile(samples, 0.99)


def assets(client, url: str) -> tuple[int, list[str]]:
    """Bytes of JS + CSS the page at url loads, and which files."""
    html = client.get(url).get_data(as_text=True)
    files = sorted(set(ASSET.findall(html)))
    return sum((ROOT / f.lstrip("/")).stat().st_size for f in files), files


def main() -> None:
    with bench_app() as app:
        with app.app_context():
            began = time.monotonic()
            generate()
            made = time.monotonic() - began
            shaders = db.session.scalar(sa.text("SELECT count(*) FROM shaders"))
            token = issue_tokens(db.session.get(User, 7))["access_token"]
            shader_id = db.session.scalar(sa.text("SELECT id FROM shaders ORDER BY hot DESC "
                                                  "LIMIT 1"))
            # The generated shaders have no code; give the one whose page is timed a version.
            db.session.execute(sa.text(
                "INSERT INTO shader_versions (shader_id, version, passes, author_id) "
                "SELECT id, 1, CAST(:passes AS jsonb), owner_id FROM shaders WHERE id = :id"),
                {"id": shader_id, "passes": json.dumps([{"name": "Image", "inputs": [], "code": (
                    "void mainImage(out vec4 c, in vec2 p) {\n"
                    "    c = vec4(p / iResolution.xy, 0.5, 1.0);\n}\n")}])})
            db.session.commit()
        anonymous = app.test_client()
        member = app.test_client()
        member.set_cookie("access_token_cookie", token)
        pages = [("/", "feed, anonymous", anonymous), ("/", "feed, signed in", member),
                 ("/?sort=new", "feed, new", anonymous), ("/?sort=hot", "feed, hot", anonymous),
                 ("/explore?q=shader+tag:fractal", "explore, words + tag", anonymous),
                 (f"/shaders/{shader_id}", "shader page", anonymous),
                 ("/u/user7", "profile", anonymous)]
        rows = [(label, url, *timed(client, url)) for url, label, client in pages]
        budget = []
        for url in ["/", "/explore", f"/shaders/{shader_id}", f"/embed/{shader_id}",
                    "/desires", "/u/user7", "/login", "/new"]:
            size, files = assets(anonymous, url)
            budget.append((url, size, files))

    lines = [
        "## Pages (bench/pages.py)",
        "",
        f"{shaders:,} public shaders, 10,000 users, 1M votes, generated in {made:.0f} s. Server "
        f"time of each page in-process (Flask test client, no network), {RUNS} requests each; "
        "goal: feed page p50 under 50 ms.",
        "",
        "| page | url | p50 | p99 |",
        "|---|---|---|---|",
        *(f"| {label} | `{url}` | {p50:.1f} ms | {p99:.1f} ms |" for label, url, p50, p99 in rows),
        "",
        f"JavaScript + CSS each page loads (goal: under {BUDGET_KB} KB outside the editor; "
        "uncompressed bytes on disk):",
        "",
        "| page | JS + CSS | files |",
        "|---|---|---|",
        *(f"| `{url}` | {size / 1024:.0f} KB | {', '.join(f.split('/static/')[1] for f in files)} |"
          for url, size, files in budget),
    ]
    body = "\n".join(lines)
    write_section("pages", body)
    print(body)


if __name__ == "__main__":
    main()
