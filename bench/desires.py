"""Desire clustering: quality on the labelled asks, and speed against 100k desires / 10k clusters.

Quality: every ask of tests/data/desire_asks.json is stored with create_desire and clustered with
process_desire in a seeded shuffled order; pairwise precision/recall/F1 against the labels (also
at a few other thresholds, for information). Speed: 100k desires with embeddings in 10k clusters
(random unit vectors scattered around 10k random centres, centroids = normalised member means)
are generated in SQL, HNSW indexes built afterwards, ANALYZE run; then process_desire is timed
for 200 new asks (called directly: queue wait excluded) and the nearest-centroid query the
service sends is EXPLAINed.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from _services import bench_app  # noqa: E402

from fractafrag.extensions import db  # noqa: E402
from fractafrag.models import Desire  # noqa: E402
from fractafrag.services.cluster_quality import pairwise_scores, truth_labels  # noqa: E402
from fractafrag.services.clustering import process_desire  # noqa: E402
from fractafrag.services.desires import create_desire  # noqa: E402

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "desire_asks.json"
SEED = 20240611  # the same order as tests/test_desire_quality.py
DESIRES = int(os.environ.get("DESIRES", "100000"))
CLUSTERS = int(os.environ.get("CLUSTERS", "10000"))
# Per-dimension sigma of the noise around a centre: |noise| ~ 0.03 * sqrt(512) ~ 0.68, so a
# member sits at cosine ~0.83 from its centre and ~0.9 from its cluster's (10-member) centroid.
NOISE = float(os.environ.get("NOISE", "0.03"))
RUNS = 200
SWEEPS = {"sentence": (0.46, 0.48, 0.50, 0.55, 0.60), "tfidf": (0.5, 0.6, 0.7, 0.75)}


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


def reset_desires() -> None:
    db.session.execute(sa.text("TRUNCATE desires, desire_clusters RESTART IDENTITY CASCADE"))
    db.session.commit()


def cluster_labelled(app, author_id: int, labelled: dict) -> dict[str, int | None]:
    """Store and cluster every labelled ask (seeded shuffled order); ask -> cluster id."""
    with app.app_context():
        prompts = {create_desire(author_id, ask).id: ask for ask in truth_labels(labelled)}
    order = list(prompts)
    random.Random(SEED).shuffle(order)
    for desire_id in order:
        with app.app_context():
            process_desire(desire_id)
    with app.app_context():
        rows = db.session.execute(sa.select(Desire.id, Desire.cluster_id)).all()
        reset_desires()
    return {prompts[desire_id]: cluster_id for desire_id, cluster_id in rows}


def quality(app, author_id: int, embedder: str) -> tuple[float, dict, list[tuple[float, dict]]]:
    """Scores of one embedder at its default threshold, plus a sweep of other thresholds."""
    from fractafrag.config import DESIRE_THRESHOLDS

    labelled = json.loads(LABELLED.read_text())
    saved = app.config["DESIRE_EMBEDDER"], app.config["DESIRE_CLUSTER_THRESHOLD"]
    app.config["DESIRE_EMBEDDER"] = embedder
    results = []
    for threshold in (DESIRE_THRESHOLDS[embedder], *SWEEPS[embedder]):
        app.config["DESIRE_CLUSTER_THRESHOLD"] = threshold
        results.append((threshold, pairwise_scores(labelled,
                                                   cluster_labelled(app, author_id, labelled))))
    app.config["DESIRE_EMBEDDER"], app.config["DESIRE_CLUSTER_THRESHOLD"] = saved
    return results[0][0], results[0][1], results[1:]


def generate(author_id: int) -> None:
    """CLUSTERS centres, DESIRES desires scattered around them, centroids, then indexes."""
    run = db.session.execute
    run(sa.text("SET maintenance_work_mem = '1GB'"))
    # Rebuilt after the bulk load exactly as the migrations define it.
    centroid_index = db.session.scalar(sa.text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_desire_clusters_centroid'"))
    run(sa.text("DROP INDEX ix_desire_clusters_centroid"))
    # WHERE c > 0 / g > 0 correlate the subqueries, so every row gets its own random vector.
    run(sa.text(
        "CREATE TEMP TABLE centres AS SELECT c AS id, l2_normalize((SELECT "
        "CAST(array_agg(random_normal()) AS vector(512)) FROM generate_series(1, 512) "
        "WHERE c > 0)) AS v FROM generate_series(1, :n) c"), {"n": CLUSTERS})
    run(sa.text(
        "INSERT INTO desire_clusters (id, size, heat, heat_rank, label, updated_at) "
        "SELECT id, 0, 1, 0, 'cluster ' || id, now() - random() * interval '30 days' "
        "FROM centres"))
    run(sa.text("SELECT setval(pg_get_serial_sequence('desire_clusters', 'id'), :n)"),
        {"n": CLUSTERS})
    run(sa.text(
        "INSERT INTO desires (author_id, prompt, embedding, cluster_id, created_at) "
        "SELECT :author, 'generated desire ' || g, l2_normalize(c.v + (SELECT "
        "CAST(array_agg(random_normal(0, :noise)) AS vector(512)) FROM generate_series(1, 512) "
        "WHERE g > 0)), c.id, now() - random() * interval '30 days' "
        "FROM generate_series(1, :n) g JOIN centres c ON c.id = 1 + g % :clusters"),
        {"author": author_id, "noise": NOISE, "n": DESIRES, "clusters": CLUSTERS})
    run(sa.text(
        "UPDATE desire_clusters k SET centroid = l2_normalize(m.mean), size = m.size, "
        "heat = m.size, heat_rank = log(2, m.size) FROM (SELECT cluster_id, "
        "avg(embedding) AS mean, count(*) AS size FROM desires GROUP BY cluster_id) m "
        "WHERE m.cluster_id = k.id"))
    run(sa.text(centroid_index))
    run(sa.text("DROP TABLE centres"))
    run(sa.text("ANALYZE"))  # what autovacuum would have done on a live site
    db.session.commit()


def index_recall(queries: int = 200) -> float:
    """Share of asks near generated clusters whose nearest centroid the HNSW search (with the
    service's settings) finds, against an exact scan."""
    from fractafrag.models import DesireCluster
    from fractafrag.services.clustering import EF_SEARCH

    vectors = db.session.scalars(sa.select(Desire.embedding).where(Desire.id % 500 == 7)
                                 .limit(queries)).all()
    hits = 0
    for vector in vectors:
        order = DesireCluster.centroid.cosine_distance(vector)
        query = sa.select(DesireCluster.id).order_by(order).limit(1)
        db.session.execute(sa.text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}; "
                                   "SET LOCAL enable_seqscan = off"))
        found = db.session.scalar(query)
        db.session.rollback()
        db.session.execute(sa.text("SET LOCAL enable_indexscan = off"))
        exact = db.session.scalar(query)
        db.session.rollback()
        hits += found == exact
    return hits / len(vectors)


def member_similarity() -> tuple[float, float]:
    """Mean cosine of generated members to their own centroid, and to the nearest other one."""
    own = db.session.scalar(sa.text(
        "SELECT avg(1 - (d.embedding <=> k.centroid)) FROM (SELECT * FROM desires "
        "ORDER BY id LIMIT 500) d JOIN desire_clusters k ON k.id = d.cluster_id"))
    other = db.session.scalar(sa.text(
        "SELECT avg(s) FROM (SELECT (SELECT 1 - (k.centroid <=> d.embedding) "
        "FROM desire_clusters k WHERE k.id <> d.cluster_id ORDER BY k.centroid <=> d.embedding "
        "LIMIT 1) AS s FROM (SELECT * FROM desires ORDER BY id LIMIT 100) d) x"))
    db.session.rollback()
    return float(own), float(other)


def speed(app, author_id: int, prompts: list[str]) -> tuple[list[float], int, str]:
    """process_desire wall time (ms) for each new ask; joins; EXPLAIN of the nearest query."""
    with app.app_context():
        ids = [create_desire(author_id, prompt).id for prompt in prompts]
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM desire_clusters" in statement and "ORDER BY" in statement and not captured:
            captured.append((statement, parameters))

    samples = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        for desire_id in ids:
            with app.app_context():
                began = time.perf_counter()
                process_desire(desire_id)
                samples.append((time.perf_counter() - began) * 1000)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    with app.app_context():
        joined = db.session.scalar(sa.select(sa.func.count()).select_from(Desire).where(
            Desire.id.in_(ids), Desire.cluster_id <= CLUSTERS))
        statement, parameters = captured[0]
        conn = db.session.connection()
        from fractafrag.services.clustering import EF_SEARCH

        conn.exec_driver_sql(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)
        # The 512 floats of the query vector say nothing; keep the plan readable.
        lines = [re.sub(r"'\[[^\]]*\]'", "'[...]'", row[0]) for row in plan]
        db.session.rollback()
    shown = " ".join(statement.split())
    return samples, joined, f"```sql\n{shown}\n```\n\n```\n" + "\n".join(lines) + "\n```"


def main() -> None:
    labelled = json.loads(LABELLED.read_text())
    prompts = list(truth_labels(labelled))
    prompts = (prompts * (RUNS // len(prompts) + 1))[:RUNS]
    with bench_app() as app:
        with app.app_context():
            from fractafrag.services import accounts

            author_id = accounts.register("bencher", "bencher@example.org", "correct horse 1").id
        began = time.monotonic()
        runs = {name: quality(app, author_id, name) for name in SWEEPS}
        quality_s = time.monotonic() - began
        threshold, scores, sweep = runs["sentence"]
        from fractafrag.services import desire_embedding

        desire_embedding.get("sentence").embed(["warm up"])
        embed_ms = []
        for prompt in prompts:
            began = time.perf_counter()
            desire_embedding.embed_one("sentence", prompt)
            embed_ms.append((time.perf_counter() - began) * 1000)
        with app.app_context():
            began = time.monotonic()
            generate(author_id)
            made = time.monotonic() - began
            own, other = member_similarity()
            recall = index_recall()
        samples, joined, plan = speed(app, author_id, prompts)

    def row(label: str, s: dict) -> str:
        return (f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
                f"{s['clusters']} |")

    body = "\n".join([
        "## Desire clustering (bench/desires.py)",
        "",
        f"Quality on the labelled asks (tests/data/desire_asks.json: {len(labelled['groups'])} "
        f"groups of paraphrases + {len(labelled['singletons'])} singletons = {scores['asks']} "
        f"asks, {scores['true_pairs']} true pairs), clustered one by one in a seeded shuffled "
        f"order; goal precision >= 0.9 and F1 >= 0.75 ({quality_s:.0f} s for all runs):",
        "",
        "| embedder | threshold | pairwise precision | recall | F1 | clusters |",
        "|---|---|---|---|---|---|",
        *(line for name, (default, best, others) in runs.items() for line in (
            row(f"{name} | **{default}** (default)", best),
            *(row(f"{name} | {t}", s) for t, s in others))),
        "",
        f"Default: `sentence` at {threshold} gives precision {scores['precision']:.3f}, "
        f"F1 {scores['f1']:.3f}.",
        "",
        f"Speed: {DESIRES:,} desires with 512-d embeddings in {CLUSTERS:,} clusters (members at "
        f"mean cosine {own:.2f} to their centroid; nearest other centroid {other:.2f}), "
        f"generated in SQL with HNSW built afterwards in {made:.0f} s. `process_desire` called "
        f"directly (no queue wait) for {RUNS} new text asks, each in its own app context:",
        "",
        "| | p50 | p99 | mean |",
        "|---|---|---|---|",
        f"| process_desire | {statistics.median(samples):.1f} ms | "
        f"{percentile(samples, 0.99):.1f} ms | {statistics.fmean(samples):.1f} ms |",
        f"| of which embedding (sentence model) | {statistics.median(embed_ms):.1f} ms | "
        f"{percentile(embed_ms, 0.99):.1f} ms | {statistics.fmean(embed_ms):.1f} ms |",
        "",
        f"{joined} of the {RUNS} new asks joined a generated cluster (text embeddings and the "
        "random vectors share no directions, so the rest start or join clusters of their own).",
        "",
        f"HNSW recall of the nearest centroid (ef_search as the service sets it, against an "
        f"exact scan, 200 member vectors): {recall:.3f}.",
        "",
        "Nearest-centroid query as the service sends it (`EXPLAIN ANALYZE`, with the "
        "service's `hnsw.ef_search` and `enable_seqscan = off`):",
        "",
        plan,
    ])
    write_section("desires", body)
    print(body)


if __name__ == "__main__":
    main()
