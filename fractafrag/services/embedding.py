"""Text embeddings: TF-IDF + truncated SVD to 512-d unit vectors, fitted offline, numpy at runtime.

The model is fitted once (`fractafrag embeddings fit`) on the corpus in fractafrag/data/corpus and
saved as fractafrag/data/embedding-v{ARTIFACT_VERSION}.npz (vocabulary, idf, SVD components, no
pickle). Processes only load it; embedding reproduces scikit-learn's transform with numpy.

An all-zero vector (empty text, or no word the model knows) means "no vector": `embed` returns a
zero row for it and `embed_one`/`shader_vector` return None.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from fractafrag.services.shader_terms import shader_code_terms, shader_text, split_identifier
from fractafrag.services.text_terms import analyze, analyzer_fingerprint, normalise

__all__ = [  # the names used from here, including those re-exported from the term modules
    "ARTIFACT_PATH", "EMBEDDING_DIM", "Artifact", "Embedder", "analyze", "analyzer_fingerprint",
    "default_embedder", "embed", "embed_one", "fit", "make_vectorizer", "normalise",
    "read_corpus", "select_vocabulary", "shader_code_terms", "shader_text", "shader_vector",
    "split_identifier",
]

log = logging.getLogger(__name__)

EMBEDDING_DIM = 512
# Bump when the corpus, the normalisation tables or the fitting change: vectors of different
# versions are not comparable, so stored vectors must be recomputed after a bump.
ARTIFACT_VERSION = 1
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CORPUS_DIR = DATA_DIR / "corpus"
ARTIFACT_PATH = DATA_DIR / f"embedding-v{ARTIFACT_VERSION}.npz"
MIN_DF = 2
# Projection = SVD components scaled by singular_value ** power (rows of svd.transform times
# sigma ** power). 512 components keep ~70% of this corpus's variance, so plain LSA is nearly
# an isometry of TF-IDF and paraphrases with different words stay apart; weighting by sigma
# favours the broad topic directions over the idiosyncratic tail (measured: see the tests).
SINGULAR_VALUE_POWER = 1.0
# 512 float16 components per term: this cap keeps the committed artifact near 5 MB.
MAX_FEATURES = 5000

# --------------------------------------------------------------------------------------------
# Artifact and fitting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    """A fitted model: vocabulary, idf weights and SVD components, plus metadata."""

    vocabulary: list[str]
    idf: np.ndarray  # float32, (V,)
    components: np.ndarray  # float16, (EMBEDDING_DIM, V)
    singular_values: np.ndarray  # float32, (EMBEDDING_DIM,)
    meta: dict[str, Any] = field(default_factory=dict)

    def projection(self) -> np.ndarray:
        """The (V, dim) matrix taking a TF-IDF row to the embedding (before normalising)."""
        power = float(self.meta.get("singular_value_power", 0.0))
        weights = self.singular_values.astype(np.float64) ** power
        return self.components.astype(np.float64).T * weights

    def save(self, path: Path | str) -> None:
        """Write the artifact as a compressed npz (no pickled objects)."""
        vocabulary = "\n".join(self.vocabulary).encode("utf-8")
        with open(path, "wb") as handle:
            np.savez_compressed(
                handle,
                vocabulary=np.frombuffer(vocabulary, dtype=np.uint8),
                idf=self.idf.astype(np.float32),
                components=self.components.astype(np.float16),
                singular_values=self.singular_values.astype(np.float32),
                meta=np.frombuffer(json.dumps(self.meta).encode("utf-8"), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: Path | str) -> Artifact:
        """Read an artifact written by `save`."""
        with np.load(path, allow_pickle=False) as data:
            vocabulary = bytes(data["vocabulary"]).decode("utf-8").split("\n")
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            return cls(
                vocabulary, data["idf"], data["components"], data["singular_values"], meta
            )


def read_corpus(directory: Path | str = CORPUS_DIR) -> list[str]:
    """The corpus documents: every non-empty line of every *.txt file, files in name order."""
    documents: list[str] = []
    for path in sorted(Path(directory).glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                documents.append(line.strip())
    return documents


def corpus_sha256(documents: Iterable[str]) -> str:
    """A content hash of the corpus documents (one per line)."""
    digest = hashlib.sha256()
    for document in documents:
        digest.update(document.encode("utf-8") + b"\n")
    return digest.hexdigest()


def make_vectorizer(vocabulary: dict[str, int] | None = None, min_df: int = MIN_DF) -> Any:
    """The scikit-learn TfidfVectorizer this module reproduces (fitting and tests only)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=analyze,
        sublinear_tf=True,
        min_df=1 if vocabulary is not None else min_df,
        vocabulary=vocabulary,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        dtype=np.float64,
    )


def select_vocabulary(
    documents: list[str], max_features: int = MAX_FEATURES, min_df: int = MIN_DF
) -> dict[str, int]:
    """Terms with document frequency >= min_df: every unigram first, then the commonest bigrams."""
    df: Counter[str] = Counter()
    for document in documents:
        df.update(set(analyze(document)))
    frequent = [(term, count) for term, count in df.items() if count >= min_df]
    # Unigrams carry the meaning; bigrams only sharpen it, so they fill what room is left.
    unigrams = sorted((t for t in frequent if " " not in t[0]), key=lambda t: (-t[1], t[0]))
    bigrams = sorted((t for t in frequent if " " in t[0]), key=lambda t: (-t[1], t[0]))
    chosen = sorted(term for term, _ in (unigrams + bigrams)[:max_features])
    return {term: index for index, term in enumerate(chosen)}


def fit(
    documents: list[str],
    n_components: int = EMBEDDING_DIM,
    max_features: int = MAX_FEATURES,
    min_df: int = MIN_DF,
) -> Artifact:
    """Fit TF-IDF (sublinear tf) + TruncatedSVD on the documents; needs scikit-learn."""
    from sklearn.decomposition import TruncatedSVD

    started = time.perf_counter()
    vectorizer = make_vectorizer(select_vocabulary(documents, max_features, min_df))
    matrix = vectorizer.fit_transform(documents)
    svd = TruncatedSVD(n_components=n_components, random_state=0)
    svd.fit(matrix)
    vocabulary = vectorizer.get_feature_names_out().tolist()
    meta = {
        "version": ARTIFACT_VERSION,
        "dim": n_components,
        "corpus_sha256": corpus_sha256(documents),
        "n_docs": len(documents),
        "vocabulary_size": len(vocabulary),
        "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "explained_variance": round(float(svd.explained_variance_ratio_.sum()), 4),
        "singular_value_power": SINGULAR_VALUE_POWER,
        "analyzer": analyzer_fingerprint(),
        "fit_seconds": round(time.perf_counter() - started, 2),
        "min_df": min_df,
        "max_features": max_features,
    }
    return Artifact(
        vocabulary=vocabulary,
        idf=vectorizer.idf_.astype(np.float32),
        components=svd.components_.astype(np.float16),
        singular_values=svd.singular_values_.astype(np.float32),
        meta=meta,
    )


# --------------------------------------------------------------------------------------------
# Runtime embedding (numpy only)
# --------------------------------------------------------------------------------------------


class Embedder:
    """Embeds texts with a fitted artifact: TF-IDF as scikit-learn computes it, then the SVD.

    Equivalent to `normalize(svd.transform(vectorizer.transform(texts)) * sigma ** power)`.
    """

    def __init__(self, artifact: Artifact) -> None:
        """Index the vocabulary and widen the stored arrays for arithmetic."""
        self.artifact = artifact
        self.index = {term: i for i, term in enumerate(artifact.vocabulary)}
        self.idf = artifact.idf.astype(np.float64)
        self.projection = np.ascontiguousarray(artifact.projection(), dtype=np.float32)
        self.dim = self.projection.shape[1]
        if artifact.meta.get("analyzer") != analyzer_fingerprint():
            log.warning(
                "embedding artifact v%s was fitted with other normalisation tables; "
                "run `fractafrag embeddings fit` and bump ARTIFACT_VERSION",
                artifact.meta.get("version"),
            )

    @classmethod
    def load(cls, path: Path | str = ARTIFACT_PATH) -> Embedder:
        """An embedder for the artifact at path."""
        return cls(Artifact.load(path))

    def weights(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse TF-IDF row of a text: term indices and l2-normalised weights."""
        counts = Counter(t for t in analyze(text) if t in self.index)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        indices = np.fromiter((self.index[t] for t in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), np.float64, len(counts))
        values = tf * self.idf[indices]
        return indices, values / np.linalg.norm(values)

    def tfidf(self, texts: list[str]) -> np.ndarray:
        """Dense TF-IDF matrix (n, V), equal to TfidfVectorizer.transform; for checks and tests."""
        matrix = np.zeros((len(texts), len(self.index)), dtype=np.float64)
        for row, text in enumerate(texts):
            indices, values = self.weights(text)
            matrix[row, indices] = values
        return matrix

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (n, dim) as float32; a row is all zeros when the text has no known word."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            indices, values = self.weights(text)
            if len(indices):
                vector = values @ self.projection[indices]
                norm = np.linalg.norm(vector)
                if norm > 1e-12:
                    out[row] = vector / norm
        return out

    def embed_one(self, text: str) -> list[float] | None:
        """One unit vector as a list, or None when the text gives no vector."""
        vector = self.embed([text])[0]
        return vector.tolist() if vector.any() else None


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The committed artifact's embedder, loaded once per process."""
    return Embedder.load(ARTIFACT_PATH)


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors (n, 512) from the default embedder; zero rows mean "no vector"."""
    return default_embedder().embed(texts)


def embed_one(text: str) -> list[float] | None:
    """One 512-d unit vector from the default embedder, or None when the text gives no vector."""
    return default_embedder().embed_one(text)


def shader_vector(
    title: str, description: str, tags: list[str], common: str, passes: list[dict[str, Any]]
) -> list[float] | None:
    """A shader's 512-d style vector, or None when nothing in it is known to the model."""
    return embed_one(shader_text(title, description, tags, common, passes))
