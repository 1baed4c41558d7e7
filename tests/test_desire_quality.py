"""Clustering quality of the desire board on a hand-labelled set of asks (tests/data).

Every ask is stored through the real service and clustered by the real job function, one at a
time in a shuffled (seeded) order, against real PostgreSQL + pgvector; the pairwise scores of
the resulting clusters are checked against the issue's goal.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from fractafrag.services.cluster_quality import pairwise_scores, truth_labels

LABELLED = Path(__file__).resolve().parent / "data" / "desire_asks.json"
SEED = 20240611
GOAL_PRECISION = 0.9
GOAL_F1 = 0.75


def load_labelled() -> dict:
    """The labelled set: {"groups": [[ask, ...], ...], "singletons": [ask, ...]}."""
    return json.loads(LABELLED.read_text())


def cluster_labelled(app: Flask, author_id: int, labelled: dict, seed: int = SEED
                     ) -> dict[str, int | None]:
    """Store every ask, cluster them one by one in a seeded shuffled order; ask -> cluster id."""
    from fractafrag.extensions import db
    from fractafrag.models import Desire
    from fractafrag.services.clustering import process_desire
    from fractafrag.services.desires import create_desire

    asks = list(truth_labels(labelled))
    with app.app_context():
        prompts = {create_desire(author_id, ask).id: ask for ask in asks}
    order = list(prompts)
    random.Random(seed).shuffle(order)
    for desire_id in order:
        with app.app_context():  # one job per desire, as the worker runs them
            process_desire(desire_id)
    with app.app_context():
        rows = db.session.execute(sa.select(Desire.id, Desire.cluster_id)).all()
    return {prompts[desire_id]: cluster_id for desire_id, cluster_id in rows}


def describe(labelled: dict, assigned: dict[str, int | None]) -> str:
    """Which true groups were split and which clusters mix groups, for a failure message."""
    labels = truth_labels(labelled)
    lines = []
    for group in labelled["groups"]:
        clusters = {assigned.get(ask) for ask in group}
        if len(clusters) > 1:
            lines.append(f"split into {len(clusters)}: {group}")
    members: dict[int | None, list[str]] = {}
    for ask, cluster in assigned.items():
        if cluster is not None:
            members.setdefault(cluster, []).append(ask)
    for asks in members.values():
        if len({labels[ask] for ask in asks}) > 1:
            lines.append(f"merged: {asks}")
    return "\n".join(lines)


def test_pairwise_scores_hand_checked() -> None:
    truth = {"groups": [["a", "b", "c"], ["d", "e"]], "singletons": ["f"]}
    assigned = {"a": 1, "b": 1, "c": 2, "d": 2, "e": 2, "f": 2}
    # True pairs: ab ac bc de = 4. Predicted: ab (cluster 1) + 6 in {c d e f} = 7. Both: ab de.
    scores = pairwise_scores(truth, assigned)
    assert scores["true_pairs"] == 4
    assert scores["predicted_pairs"] == 7
    assert scores["true_positives"] == 2
    assert scores["precision"] == pytest.approx(2 / 7)
    assert scores["recall"] == pytest.approx(2 / 4)
    assert scores["f1"] == pytest.approx(4 / 11)
    assert scores["clusters"] == 2
    assert scores["asks"] == 6


def test_pairwise_scores_edges() -> None:
    groups = [["a", "b"], ["c"]]
    perfect = pairwise_scores(groups, {"a": 7, "b": 7, "c": 8})
    assert (perfect["precision"], perfect["recall"], perfect["f1"]) == (1.0, 1.0, 1.0)
    # Nothing put together: precision is vacuous, recall zero; unclustered asks stand alone.
    apart = pairwise_scores(groups, {"a": None, "b": None, "c": None})
    assert (apart["precision"], apart["recall"], apart["f1"]) == (1.0, 0.0, 0.0)
    assert apart["clusters"] == 3
    # Everything together: every true pair found, one of three predicted pairs right.
    lumped = pairwise_scores(groups, {"a": 1, "b": 1, "c": 1})
    assert lumped["precision"] == pytest.approx(1 / 3)
    assert lumped["recall"] == 1.0
    with pytest.raises(ValueError):
        pairwise_scores([["a", "b"], ["b"]], {})


def test_labelled_set_shape() -> None:
    labelled = load_labelled()
    assert len(labelled["groups"]) >= 35
    assert all(3 <= len(group) <= 6 for group in labelled["groups"])
    assert len(labelled["singletons"]) >= 25
    truth_labels(labelled)  # no ask listed twice


def test_desire_clustering_quality(app: Flask, make_app, make_user) -> None:
    """The default embedder (sentence) meets the goal: precision >= 0.9 and F1 >= 0.75."""
    assert app.config["DESIRE_EMBEDDER"] == "sentence"
    labelled = load_labelled()
    author = make_user()
    # One author posts the whole labelled set: far past the per-account limit on new desires.
    assigned = cluster_labelled(make_app(RATELIMIT_ENABLED=False), author["id"], labelled)
    scores = pairwise_scores(labelled, assigned)
    summary = (f"threshold {app.config['DESIRE_CLUSTER_THRESHOLD']}: "
               f"precision {scores['precision']:.3f} recall {scores['recall']:.3f} "
               f"F1 {scores['f1']:.3f}, {scores['clusters']} clusters for "
               f"{scores['asks']} asks ({len(labelled['groups'])} groups + "
               f"{len(labelled['singletons'])} singletons)")
    print(summary)
    assert scores["asks"] == len(truth_labels(labelled))
    detail = describe(labelled, assigned)
    assert scores["precision"] >= GOAL_PRECISION, f"{summary}\n{detail}"
    assert scores["f1"] >= GOAL_F1, f"{summary}\n{detail}"
