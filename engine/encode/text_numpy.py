"""The sentence model's forward pass in numpy: a typed query encoded without importing torch.

``import sentence_transformers`` pulls in torch, transformers and scipy: seconds before a
weight is read, far over a cold command-line search's budget (issue #18). A query is one
short text, and MiniLM-L6 is a 6-layer BERT, so numpy runs it in milliseconds from the
model's safetensors, tokenised by ``tokenizers``. It computes what sentence-transformers
computes for a Transformer + mean Pooling (+ Normalize) model: BERT embeddings, 6 encoder
layers with exact (erf) GELU, the mean over the tokens, L2 normalisation, in float32.

Only that layout is accepted (``model_type`` bert, absolute positions, mean pooling, a
``model.safetensors``); anything else raises, and ``Encoders.text_query`` falls back to the
torch encoder. Indexing keeps the torch encoder, which batches on any device.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from engine.encode.errors import ModelLoadError, describe_exception
from engine.encode.lazy import LazyModel

log = logging.getLogger(__name__)

_DTYPES: dict[str, type[np.generic]] = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
_MODULE_TYPES = {
    "sentence_transformers.models.Transformer": "transformer",
    "sentence_transformers.models.Pooling": "pooling",
    "sentence_transformers.models.Normalize": "normalize",
}

# Abramowitz & Stegun 7.1.26: |error| <= 1.5e-7 over all x, below float32's resolution here.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, vectorised (numpy has none and scipy is slow to import)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + _AS_P * a)
    a1, a2, a3, a4, a5 = _AS_A
    poly = t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5))))
    out: np.ndarray = sign * (1.0 - poly * np.exp(-a * a))
    return out


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x)."""
    out: np.ndarray = 0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))
    return out.astype(np.float32, copy=False)


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    out: np.ndarray = centred / np.sqrt(var + np.float32(eps)) * weight + bias
    return out


@contextmanager
def one_blas_thread(controller: Any) -> Iterator[None]:
    """OpenBLAS on one thread while a query runs: its products are tiny, and on a loaded
    2-core machine two spinning BLAS threads made a 10-token query 50x slower (0.75 s instead
    of 15 ms). The limit is process-wide for those milliseconds. Without threadpoolctl
    (installed with scikit-learn), numpy's own setting stays."""
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield


def _blas_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        return ThreadpoolController()
    except Exception:  # a library it cannot inspect: run with numpy's own setting
        log.debug("threadpoolctl cannot inspect BLAS here", exc_info=True)
        return None


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, (dict, list)):
        raise ValueError(f"{path.name} is not a JSON object")
    return data if isinstance(data, dict) else {"modules": data}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file as read-only views of a memory map: nothing is
    copied, and the embedding lookup reads only the rows a query uses (safetensors' own
    ``load_file`` reads and copies all 90 MB). float16 is widened; other types are left out."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    size = int.from_bytes(raw[:8].tobytes(), "little")
    header = json.loads(raw[8 : 8 + size].tobytes())
    base = 8 + size
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        dtype = _DTYPES.get(info.get("dtype", "")) if name != "__metadata__" else None
        if dtype is None:
            continue
        start, end = info["data_offsets"]
        array = raw[base + start : base + end].view(dtype).reshape(info["shape"])
        tensors[name] = array.astype(np.float32) if dtype == np.float16 else array
    return tensors


class _Layer:
    """One encoder layer's weights; ``W.T`` is a view, so BLAS reads them as stored."""

    def __init__(self, w: dict[str, np.ndarray], prefix: str) -> None:
        def lin(name: str) -> tuple[np.ndarray, np.ndarray]:
            return w[f"{prefix}{name}.weight"].T, w[f"{prefix}{name}.bias"]

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return w[f"{prefix}{name}.weight"], w[f"{prefix}{name}.bias"]

        self.q, self.k, self.v = (
            lin(f"attention.self.{part}") for part in ("query", "key", "value")
        )
        self.attn_out = lin("attention.output.dense")
        self.attn_norm = norm("attention.output.LayerNorm")
        self.inter = lin("intermediate.dense")
        self.out = lin("output.dense")
        self.out_norm = norm("output.LayerNorm")


class NumpyTextEncoder(LazyModel):
    """A BERT sentence model (mean pooling) for short queries; float32 unit vectors."""

    def __init__(self, model_path: Path, name: str) -> None:
        self.model_path = Path(model_path)
        self.name = name
        self.device = "cpu"
        super().__init__()

    @property
    def space_id(self) -> str:
        return f"text:{self.name}"  # as TextEncoder's: the vectors land in the same index

    def _load_locked(self) -> None:
        from tokenizers import Tokenizer

        folder = self.model_path
        config = _read_json(folder / "config.json")
        st_config = self._check_layout(folder, config)
        weights = read_safetensors(folder / "model.safetensors")
        if not any(k.startswith("embeddings.") for k in weights):  # saved as BertForX
            weights = {k.removeprefix("bert."): v for k, v in weights.items()}
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._word = weights["embeddings.word_embeddings.weight"]
        self._position = weights["embeddings.position_embeddings.weight"]
        self._token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self._embed_norm = (
            weights["embeddings.LayerNorm.weight"],
            weights["embeddings.LayerNorm.bias"],
        )
        layers = int(config["num_hidden_layers"])
        self._layers = [_Layer(weights, f"encoder.layer.{i}.") for i in range(layers)]
        limit = int(config.get("max_position_embeddings", 512))
        self._max_len = min(int(st_config.get("max_seq_length") or limit), limit)
        self._lower = bool(st_config.get("do_lower_case", False))
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self._max_len)
        self._tokenizer = tokenizer
        self._blas = _blas_controller()
        self._dim = int(self._word.shape[1])
        self._model = self
        log.info("loaded text query model %s (numpy) from %s", self.space_id, folder)

    @staticmethod
    def _check_layout(folder: Path, config: dict[str, Any]) -> dict[str, Any]:
        """The sentence-transformers config, once the folder is known to be a layout this
        module computes exactly; raises ModelLoadError otherwise."""
        modules = _read_json(folder / "modules.json")["modules"]
        kinds = [_MODULE_TYPES.get(m.get("type", ""), "?") for m in modules]
        if kinds not in (["transformer", "pooling", "normalize"], ["transformer", "pooling"]):
            raise ModelLoadError(f"modules {kinds} are not Transformer + Pooling (+ Normalize)")
        pooling = _read_json(folder / modules[1].get("path", "1_Pooling") / "config.json")
        modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
        if modes != ["pooling_mode_mean_tokens"]:
            raise ModelLoadError(f"pooling {modes} is not mean pooling")
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ModelLoadError("not a BERT model with GELU")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ModelLoadError("position embeddings are not absolute")
        if not (folder / "model.safetensors").is_file():
            raise ModelLoadError("no model.safetensors")
        st_path = folder / "sentence_bert_config.json"
        return _read_json(st_path) if st_path.is_file() else {}

    def _failure_message(self, exc: Exception) -> str:
        return f"Numpy text model at {self.model_path}: {describe_exception(exc)}"

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """(N, dim) float32, L2-normalised; one text at a time, so no padding is needed."""
        self._ensure_loaded()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with one_blas_thread(self._blas):
            for row, text in enumerate(texts):
                out[row] = self._embed(text)
        return out

    def token_ids(self, text: str) -> list[int]:
        text = text.strip()  # as sentence-transformers' Transformer.tokenize
        ids: list[int] = self._tokenizer.encode(text.lower() if self._lower else text).ids
        return ids

    def _embed(self, text: str) -> np.ndarray:
        ids = np.asarray(self.token_ids(text), dtype=np.int64)
        x = self._word[ids] + self._position[: len(ids)] + self._token_type
        x = layer_norm(x, *self._embed_norm, self._eps)
        for layer in self._layers:
            x = self._layer(x, layer)
        pooled = x.mean(axis=0)
        norm = float(np.linalg.norm(pooled))
        unit: np.ndarray = pooled / max(norm, 1e-12)
        return unit.astype(np.float32)

    def _layer(self, x: np.ndarray, layer: _Layer) -> np.ndarray:
        n, width = x.shape
        heads = self._heads
        size = width // heads
        q, k, v = (
            (x @ w + b).reshape(n, heads, size).transpose(1, 0, 2)
            for w, b in (layer.q, layer.k, layer.v)
        )
        scores = (q @ k.transpose(0, 2, 1)) * np.float32(1.0 / np.sqrt(size))
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, width)
        attended = context @ layer.attn_out[0] + layer.attn_out[1]
        x = layer_norm(attended + x, *layer.attn_norm, self._eps)
        hidden = gelu(x @ layer.inter[0] + layer.inter[1])
        out = hidden @ layer.out[0] + layer.out[1]
        return layer_norm(out + x, *layer.out_norm, self._eps)


def load_numpy_text_encoder(model_path: Path, name: str) -> NumpyTextEncoder:
    """A loaded numpy encoder for the model folder; raises ModelError when it cannot be."""
    encoder = NumpyTextEncoder(model_path, name)
    encoder.load()
    return encoder
