"""The desire embedders: the onnxruntime MiniLM matches the published model, and the sentence
embedder groups paraphrases that share no words while keeping other wishes apart."""

from __future__ import annotations

import numpy as np
import pytest

from fractafrag.config import Config
from fractafrag.services import desire_embedding, sentence_model


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_minilm_reproduces_the_published_similarity() -> None:
    # sentence-transformers' documented example for all-MiniLM-L6-v2 gives 0.7553 for this pair.
    food, bread, baby = sentence_model.load().encode([
        "A man is eating food.", "A man is eating a piece of bread.",
        "The girl is carrying a baby."])
    assert cosine(food, bread) == pytest.approx(0.7553, abs=5e-4)
    assert cosine(food, baby) < 0.1
    assert np.linalg.norm(food) == pytest.approx(1.0, abs=1e-5)


def test_sentence_vectors_are_512_wide_unit_rows_and_blank_text_gives_none() -> None:
    embedder = desire_embedding.get("sentence")
    rows = embedder.embed(["a raymarched ocean at sunset", "   ", "zzqx"])
    assert rows.shape == (3, 512) and rows.dtype == np.float32
    assert np.linalg.norm(rows[0]) == pytest.approx(1.0, abs=1e-5)
    assert not rows[1].any()
    assert rows[2].any(), "an unknown word still means something to the sentence model"
    assert desire_embedding.embed_one("sentence", "") is None


def test_paraphrases_without_shared_words_are_nearer_than_other_wishes() -> None:
    embedder = desire_embedding.get("sentence")
    fire, bonfire, snow = embedder.embed([
        "a realistic campfire with flickering flames", "a bonfire that crackles",
        "snow falling on a quiet village at night"])
    assert cosine(fire, bonfire) >= 0.52 > cosine(fire, snow)


def test_each_embedder_brings_its_own_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRACTAFRAG_DESIRE_THRESHOLD", raising=False)
    assert Config().DESIRE_EMBEDDER == "sentence"
    assert Config().DESIRE_CLUSTER_THRESHOLD == 0.52
    assert Config(DESIRE_EMBEDDER="tfidf").DESIRE_CLUSTER_THRESHOLD == 0.82
    monkeypatch.setenv("FRACTAFRAG_DESIRE_EMBEDDER", "tfidf")
    assert Config().DESIRE_CLUSTER_THRESHOLD == 0.82
    monkeypatch.setenv("FRACTAFRAG_DESIRE_THRESHOLD", "0.7")
    assert Config().DESIRE_CLUSTER_THRESHOLD == 0.7
    monkeypatch.setenv("FRACTAFRAG_DESIRE_EMBEDDER", "word2vec")
    with pytest.raises(ValueError, match="choose one of sentence, tfidf"):
        Config()


def test_the_centre_artifact_is_the_mean_of_the_corpus_asks(tmp_path) -> None:
    fitted = desire_embedding.fit_centre(sentence_model.load(), tmp_path / "centre.npy")
    committed = np.load(desire_embedding.CENTRE_PATH)
    np.testing.assert_allclose(fitted, committed, atol=1e-5)
