"""Pairwise quality of a clustering of desire asks against a labelled truth (pure, no database).

Every unordered pair of asks is a decision: "same wish" or not. A pair is a true positive when
the asks share a true group and an assigned cluster; precision is the share of pairs put
together that belong together, recall the share of pairs that belong together that were put
together. An ask in no true group (a singleton) is its own group, so it only adds false
positives when it is clustered with something.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any


def _pairs(sizes: Iterable[int]) -> int:
    """Unordered pairs within groups of these sizes."""
    return sum(n * (n - 1) // 2 for n in sizes)


def truth_labels(truth: list[list[str]] | Mapping[str, Any]) -> dict[str, int]:
    """Each ask's true group number.

    `truth` is either a list of groups (lists of asks) or the labelled-set mapping
    {"groups": [[ask, ...], ...], "singletons": [ask, ...]}; each singleton is its own group.
    An ask listed twice is an error: its group would be ambiguous.
    """
    if isinstance(truth, Mapping):
        groups = [list(g) for g in truth.get("groups", [])]
        groups += [[ask] for ask in truth.get("singletons", [])]
    else:
        groups = [list(g) for g in truth]
    labels: dict[str, int] = {}
    for number, group in enumerate(groups):
        for ask in group:
            if ask in labels:
                raise ValueError(f"ask listed twice in the truth: {ask!r}")
            labels[ask] = number
    return labels


def pairwise_scores(
    truth: list[list[str]] | Mapping[str, Any], assigned: Mapping[str, int | None]
) -> dict[str, float | int]:
    """Pairwise precision, recall and F1 of `assigned` (ask -> cluster id) against `truth`.

    Only asks present in both are scored. An ask assigned None (not clustered) counts as a
    cluster of its own. With no predicted pairs precision is 1.0; with no true pairs recall is
    1.0 (nothing was missed). Returns precision, recall, f1, the pair counts (true_positives,
    predicted_pairs, true_pairs), the number of asks scored and the number of clusters.
    """
    labels = truth_labels(truth)
    asks = [ask for ask in labels if ask in assigned]
    clusters: dict[str, object] = {
        ask: assigned[ask] if assigned[ask] is not None else ("unclustered", ask) for ask in asks
    }
    true_pairs = _pairs(Counter(labels[a] for a in asks).values())
    predicted_pairs = _pairs(Counter(clusters[a] for a in asks).values())
    true_positives = _pairs(Counter((labels[a], clusters[a]) for a in asks).values())
    precision = true_positives / predicted_pairs if predicted_pairs else 1.0
    recall = true_positives / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positives": true_positives,
        "predicted_pairs": predicted_pairs,
        "true_pairs": true_pairs,
        "asks": len(asks),
        "clusters": len(set(clusters.values())),
    }
