"""Measure shader search at 100k generated shaders; record p50/p95 and EXPLAIN plans."""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from _services import bench_app  # noqa: E402

from fractafrag.extensions import db  # noqa: E402

SHADERS = int(os.environ.get("SHADERS", "100000"))
USERS = 2000
RUNS = 60

# A vocabulary a shader site would see; the generator draws from it with a Zipf-like skew.
WORDS = """
raymarch raymarched fractal mandelbrot julia menger sierpinski kaleidoscope tunnel plasma
voronoi worley perlin simplex noise fbm clouds terrain mountains ocean waves water
caustics fire smoke flame lava aurora nebula galaxy stars starfield planet moon sun
sunset desert forest city neon cyberpunk synthwave retro glitch pixel ascii dither
halftone bokeh bloom glow shadows reflections refraction glass crystal metal chrome
marble wood stone ice snow rain storm lightning spiral vortex swirl flow field particles
metaballs blobs sdf torus sphere cube tesseract hyperbolic apollonian truchet hexagon
hexagonal grid tiles mosaic lattice weave knot ribbon spline curve bezier gradient
palette rainbow colorful monochrome minimal abstract organic cellular automaton reaction
diffusion feedback trails echo pulse beat audio music dance heart flower petals bloom
garden tree leaves butterfly fish jellyfish coral reef underwater cave dungeon castle
temple ruins space ship rocket orbit eclipse comet black hole wormhole portal dimension
infinite zoom loop seamless tileable procedural generative shader study sketch experiment
tribute homage remix classic demoscene tiny golf
""".split()  # noqa: SIM905
TAGS = ["raymarching", "fractal", "2d", "3d", "noise", "sdf", "fbm", "voronoi", "retro",
        "feedback", "particles", "terrain", "space", "water", "abstract", "palette", "demoscene",
        "tiny", "tutorial", "audio"]


# Text follows Zipf's law (s = 1) over the domain words plus a long tail of rarer made-up
# words, as descriptions on a real site use a vocabulary of thousands.
TAIL = [a + b + c for a in ("ka", "lo", "mi", "ne", "su", "ta", "vo", "ri") for b in
        ("ra", "len", "mo", "th", "quo", "vi", "zan", "pe") for c in
        ("x", "n", "s", "rt", "l", "m", "d", "k", "ph", "ve")]
VOCABULARY = WORDS + TAIL
_WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def zipf_word(rng: random.Random) -> str:
    return rng.choices(VOCABULARY, weights=_WEIGHTS)[0]


def generate(rng: random.Random) -> None:
    """Insert USERS users and SHADERS shaders with one version each, in bulk."""
    conn = db.session.connection()
    conn.execute(sa.text(
        "INSERT INTO users (username, email, password_hash) "
        "SELECT 'user' || g, 'user' || g || '@example.org', 'x' FROM generate_series(1, :n) g"),
        {"n": USERS})
    batch = []
    for i in range(SHADERS):
        title = " ".join(zipf_word(rng) for _ in range(rng.randint(2, 4))).title()
        description = " ".join(zipf_word(rng) for _ in range(rng.randint(6, 20)))
        tags = "{" + ",".join(rng.sample(TAGS, rng.randint(1, 4))) + "}"
        visibility = "public" if rng.random() < 0.9 else rng.choice(["unlisted", "private"])
        batch.append({"owner": rng.randint(1, USERS), "title": title, "description": description,
                      "tags": tags, "visibility": visibility, "score": int(rng.gauss(5, 20)),
                      "age": rng.random() * 3 * 365 * 86400})
        if len(batch) == 5000 or i == SHADERS - 1:
            conn.execute(sa.text(
                "INSERT INTO shaders (owner_id, title, description, tags, visibility, license, "
                "score, up, hot, published_at, render_status) VALUES (:owner, :title, "
                ":description, CAST(:tags AS varchar[]), :visibility, 'CC0-1.0', :score, "
                "greatest(:score, 0), :score, now() - make_interval(secs => :age), 'ready')"),
                batch)
            batch = []
    conn.execute(sa.text(
        "INSERT INTO shader_versions (shader_id, version, common, passes) SELECT id, 1, '', "
        "'[{\"name\": \"Image\", \"code\": \"void mainImage(out vec4 c, in vec2 f){}\", "
        "\"inputs\": []}]'::jsonb FROM shaders"))
    db.session.commit()
    conn = db.session.connection()
    conn.execute(sa.text("ANALYZE"))
    db.session.commit()


def main() -> None:
    rng = random.Random(7)
    with bench_app() as app:
        with app.app_context():
            began = time.monotonic()
            generate(rng)
            print(f"generated {SHADERS} shaders in {time.monotonic() - began:.0f} s")
        client = app.test_client()
        queries = {
            "one word": lambda: f"?q={rng.choice(WORDS)}",
            "two words": lambda: f"?q={rng.choice(WORDS)}+{rng.choice(WORDS)}",
            "exact phrase": lambda: f'?q="{rng.choice(WORDS)} {rng.choice(WORDS)}"',
            "word -word": lambda: f"?q={rng.choice(WORDS)}+-{rng.choice(WORDS)}",
            "tag:x word": lambda: f"?q=tag:{rng.choice(TAGS)}+{rng.choice(WORDS)}",
            "author:name word":
                lambda: f"?q=author:user{rng.randint(1, USERS)}+{rng.choice(WORDS)}",
            "tag filter, sort=top": lambda: f"?tag={rng.choice(TAGS)}&sort=top",
            "list sort=new, page 5": lambda: "?sort=new&page=5",
            "list sort=hot": lambda: "?sort=hot",
        }
        rows, all_samples = [], []
        for label, make in queries.items():
            samples = []
            for _ in range(RUNS):
                url = "/api/v1/shaders" + make()
                t = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.json
            samples.sort()
            all_samples += samples
            rows.append(f"| {label} | {statistics.median(samples):.1f} ms | "
                        f"{samples[int(len(samples) * 0.95) - 1]:.1f} ms |")
        all_samples.sort()
        plans = []
        with app.app_context():
            for label, sql in (
                ("text search (relevance candidates)", "SELECT id, ts_rank_cd(search, "
                 "websearch_to_tsquery('english', 'voronoi glow')) FROM (SELECT id, search FROM "
                 "shaders WHERE deleted_at IS NULL AND visibility = 'public' AND search @@ "
                 "websearch_to_tsquery('english', 'voronoi glow') ORDER BY hot DESC LIMIT 1000) c"),
                ("tag filter", "SELECT id FROM shaders WHERE deleted_at IS NULL AND visibility = "
                 "'public' AND tags @> ARRAY['voronoi','sdf']::varchar[] ORDER BY score DESC, id "
                 "DESC LIMIT 20"),
                ("newest", "SELECT id FROM shaders WHERE deleted_at IS NULL AND visibility = "
                 "'public' ORDER BY published_at DESC, id DESC LIMIT 20 OFFSET 80"),
            ):
                plan = db.session.execute(sa.text("EXPLAIN (ANALYZE, COSTS OFF) " + sql))
                lines = [r[0] for r in plan]
                plans.append(f"{label}:\n\n```\n" + "\n".join(lines) + "\n```")
        body = "\n".join([
            f"## Search at {SHADERS:,} shaders (bench/search.py)",
            "",
            f"`GET /api/v1/shaders` through the Flask test client (JSON answer and the "
            f"`X-Pagination` count included) over {SHADERS:,} generated shaders from "
            f"{USERS:,} users; titles and descriptions drawn by Zipf's law from {len(WORDS)} "
            f"shader words and {len(TAIL)} rarer ones; {RUNS} random queries per kind, their "
            "words drawn uniformly from the shader words. Listing totals are counted up to 10,000; "
            "relevance ranks the 1,000 hottest matches (their number is the total). "
            "Target: p50 under 20 ms.",
            "",
            "| query | p50 | p95 |",
            "|---|---|---|",
            *rows,
            f"| **all kinds together** | **{statistics.median(all_samples):.1f} ms** | "
            f"{all_samples[int(len(all_samples) * 0.95) - 1]:.1f} ms |",
            "",
            "Plans (`EXPLAIN ANALYZE`) show the indexes in use:",
            "",
            *plans,
        ])
        write_section("search", body)
        print(body)


if __name__ == "__main__":
    main()
