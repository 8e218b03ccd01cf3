"""CLIP image/text encoder over open_clip.

One code path loads every model: the architecture comes either from open_clip's built-in
configs (a bare weights file) or from an ``open_clip_config.json`` next to the weights (the
Hugging Face layout, also used for custom and test models). Weights are always read by
``weights.read_state_dict`` and loaded strictly, so a model is never left randomly initialised.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from engine.config import Settings
from engine.encode import clip_text
from engine.encode.device import pick_device, use_cpu_bf16, use_fp16
from engine.encode.lazy import LazyModel
from engine.encode.weights import (
    CONFIG_NAME,
    ModelLoadError,
    find_checkpoint,
    hf_offline,
    quick_fingerprint,
    read_state_dict,
    resolve_clip_weights,
)

log = logging.getLogger(__name__)

# Keys that differ between open_clip versions without changing the model.
_BENIGN_KEYS = ("text.transformer.embeddings.position_ids",)


@dataclass(frozen=True)
class _Arch:
    """What open_clip needs to build the network: a built-in name or a local config folder."""

    open_clip_name: str  # "ViT-B-32" or "local-dir:/path"
    checkpoint: Path
    preprocess: dict[str, Any]
    quick_gelu: bool


def _arch_for(model_name: str, weights: Path, model_config: Path | None, pretrained: str) -> _Arch:
    weights = Path(weights)
    if weights.is_dir():
        checkpoint = find_checkpoint(weights)
        if checkpoint is None:
            raise ModelLoadError(f"{weights} holds no weights file; import or fetch the model.")
        model_config = model_config or weights / CONFIG_NAME
    elif weights.is_file():
        checkpoint = weights
    else:
        raise ModelLoadError(f"Weights not found at {weights}.")
    if model_config is not None:
        if not Path(model_config).is_file():
            raise ModelLoadError(f"Model folder {weights} has no {CONFIG_NAME}.")
        return _Arch(f"local-dir:{_config_dir(Path(model_config))}", checkpoint, {}, False)
    import open_clip
    from open_clip.pretrained import get_pretrained_cfg

    if model_name not in open_clip.list_models():
        raise ModelLoadError(
            f"Unknown CLIP architecture {model_name!r}: put an {CONFIG_NAME} next to the weights."
        )
    tag_cfg = get_pretrained_cfg(model_name, pretrained) if pretrained else {}
    # The tag decides normalisation (MobileCLIP uses mean 0 / std 1) and the activation.
    keys = ("mean", "std", "interpolation", "resize_mode")
    preprocess = {k: tag_cfg[k] for k in keys if k in tag_cfg}
    return _Arch(model_name, checkpoint, preprocess, bool(tag_cfg.get("quick_gelu", False)))


def _config_dir(config: Path) -> Path:
    """open_clip's local-dir schema wants a folder with a file of exactly this name."""
    if config.name == CONFIG_NAME:
        return config.parent
    tmp = Path(tempfile.mkdtemp(prefix="sagasu-clipcfg-"))
    shutil.copyfile(config, tmp / CONFIG_NAME)
    return tmp


class _DropRandomInitWarning(logging.Filter):
    """open_clip warns "initialized randomly" before we load the weights ourselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "initialized randomly" not in record.getMessage()


@contextmanager
def _quiet_open_clip() -> Iterator[None]:
    root = logging.getLogger()
    flt = _DropRandomInitWarning()
    root.addFilter(flt)
    try:
        yield
    finally:
        root.removeFilter(flt)


def _create(arch: _Arch, device: str) -> torch.nn.Module:
    """The bare network; weights are loaded separately by ``_load_weights``."""
    import open_clip

    try:
        with hf_offline(), _quiet_open_clip():
            return open_clip.create_model(
                arch.open_clip_name,
                pretrained=None,
                load_weights=False,
                device=device,
                force_quick_gelu=arch.quick_gelu,
                force_preprocess_cfg=arch.preprocess or None,
                pretrained_text=False,  # HF text towers must not pull base weights
                pretrained_image=False,
            )
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise ModelLoadError(
            f"Could not build CLIP model {arch.open_clip_name}: {exc}. If it uses a Hugging Face "
            "text tower, its tokenizer/config must be in the Hugging Face cache."
        ) from exc


def _eval_transform(model: torch.nn.Module) -> Any:
    from open_clip.transform import PreprocessCfg, image_transform_v2

    return image_transform_v2(PreprocessCfg(**model.visual.preprocess_cfg), is_train=False)


def _prepare_state_dict(
    model: torch.nn.Module, state: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """The same compatibility fixes open_clip's own loader applies."""
    from open_clip.convert import convert_state_dict
    from open_clip.model import resize_pos_embed, resize_text_pos_embed

    state = convert_state_dict(model, dict(state))
    for key in _BENIGN_KEYS:
        state.pop(key, None)
    for key in ("logit_scale", "logit_bias"):
        own = getattr(model, key, None)
        if key in state and own is not None and state[key].ndim != own.ndim:
            state[key] = state[key].reshape(own.shape)
    if "logit_bias" not in state and getattr(model, "logit_bias", None) is not None:
        state["logit_bias"] = torch.zeros_like(model.logit_bias)
    try:
        resize_pos_embed(state, model)
        resize_text_pos_embed(state, model)
    except (AssertionError, RuntimeError, ValueError, AttributeError):
        # Weights for another architecture: leave them as they are so the shape check below
        # reports the mismatch in words instead of open_clip's bare assertion.
        pass
    return state


def _mismatch(model: torch.nn.Module, state: dict[str, torch.Tensor]) -> list[str]:
    """Human-readable differences between a model's parameters and a state dict."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    shapes = [k for k in own if k in state and tuple(own[k].shape) != tuple(state[k].shape)]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
    if extra:
        problems.append(f"{len(extra)} unexpected (e.g. {', '.join(extra[:3])})")
    if shapes:
        problems.append(f"{len(shapes)} with wrong shape (e.g. {', '.join(shapes[:3])})")
    return problems


def _load_weights(model: torch.nn.Module, checkpoint: Path, label: str) -> None:
    state = _prepare_state_dict(model, read_state_dict(checkpoint))
    problems = _mismatch(model, state)
    if problems:
        raise ModelLoadError(
            f"{checkpoint} does not hold weights for {label}: {'; '.join(problems)} tensors. "
            "Fetch or import the weights made for this model."
        )
    model.load_state_dict(state, strict=True)


def check_weights_match(
    model_name: str, state: dict[str, torch.Tensor], source: Path, config: Path | None = None
) -> None:
    """Raise ModelLoadError unless ``state`` fits the architecture (built on the meta device,
    so this costs no memory or init time)."""
    arch = _arch_for(model_name, config.parent if config else source, config, "")

    with torch.device("meta"):
        model = _create(arch, "meta")
    problems = _mismatch(model, _prepare_state_dict(model, state))
    if problems:
        raise ModelLoadError(
            f"{source} is not a weights file for {model_name}: {'; '.join(problems)} tensors."
        )


class ClipEncoder(LazyModel):
    """Encodes images and texts into one L2-normalised space.

    The model loads on first use (thread-safe). ``preprocess`` is safe to call from decoder
    worker threads, so decoding and resizing run ahead of the forward pass.
    """

    def __init__(
        self,
        model_name: str,
        weights: Path,
        device: str = "cpu",
        model_config: Path | None = None,
        pretrained: str = "",
        identity: str | None = None,
        bf16: bool = False,
    ) -> None:
        self.model_name = model_name
        self.pretrained = pretrained
        self.device = device
        self.bf16 = bf16 and device == "cpu"  # weights held in bfloat16 (device.use_cpu_bf16)
        self._arch = _arch_for(model_name, Path(weights), model_config, pretrained)
        # What distinguishes this embedding space: the tag for known weights, else a
        # fingerprint of the file, so swapping weights never mixes incompatible vectors.
        self._identity = identity or pretrained or f"custom-{quick_fingerprint(Path(weights))}"
        super().__init__()
        self._transform: Any = None
        self._tokenizer: Any = None
        self._text_trim: str | None = None

    @property
    def space_id(self) -> str:
        return f"clip:{self.model_name}/{self._identity}"

    def _load_locked(self) -> None:
        import open_clip

        model = _create(self._arch, "cpu")
        transform = _eval_transform(model)
        _load_weights(model, self._arch.checkpoint, self.model_name)
        try:
            with hf_offline():
                tokenizer = open_clip.get_tokenizer(self._arch.open_clip_name)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelLoadError(
                f"Tokenizer for {self.model_name} is not available offline: {exc}"
            ) from exc
        model = for_inference(model).to(self.device)
        if self.bf16:
            model = model.to(torch.bfloat16)
        self._transform, self._tokenizer = transform, tokenizer
        self._text_trim = clip_text.trimming_kind(model)
        self._model = model
        # Probing is the one way that works for every tower type (CLIP, CustomTextCLIP, HF).
        self._dim = int(self.encode_texts(["dim"]).shape[1])
        log.info("loaded CLIP %s on %s", self.space_id, self.device)

    def preprocess(self, img: Image.Image) -> torch.Tensor:
        """PIL image -> (3, H, W) tensor ready for ``encode_image_tensors``."""
        if self._transform is None:
            self._ensure_loaded()
        if img.mode != "RGB":
            img = img.convert("RGB")
        return self._transform(img)

    def _autocast(self) -> Any:
        if use_fp16(self.device):
            return torch.autocast("cuda", dtype=torch.float16)
        return nullcontext()

    def encode_image_tensors(self, batch: torch.Tensor) -> np.ndarray:
        """(N, 3, H, W) preprocessed batch -> (N, dim) float32 unit vectors."""
        model = self._ensure_loaded()
        if batch.ndim != 4 or batch.shape[0] == 0:
            return self._empty_or_fail(batch.ndim == 4, f"expected (N, 3, H, W), got {batch.shape}")
        dtype = torch.bfloat16 if self.bf16 else None
        with torch.inference_mode(), self._autocast():
            feats = model.encode_image(batch.to(self.device, dtype=dtype, non_blocking=True))
        return _unit_rows(feats)

    def encode_images(self, images: Sequence[Image.Image], batch_size: int = 32) -> np.ndarray:
        out = [
            self.encode_image_tensors(torch.stack([self.preprocess(i) for i in chunk]))
            for chunk in _chunks(images, batch_size)
        ]
        return np.concatenate(out) if out else self._empty()

    def encode_texts(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        model = self._ensure_loaded()
        out = []
        for chunk in _chunks(texts, batch_size):
            tokens = self._tokenizer(list(chunk)).to(self.device)
            with torch.inference_mode(), self._autocast():
                out.append(_unit_rows(clip_text.encode_text(model, tokens, self._text_trim)))
        return np.concatenate(out) if out else self._empty()

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.dim), dtype=np.float32)

    def _empty_or_fail(self, ok: bool, message: str) -> np.ndarray:
        if not ok:
            raise ValueError(message)
        return self._empty()


def for_inference(model: torch.nn.Module) -> torch.nn.Module:
    """eval mode, and fuse re-parameterisable branches (MobileCLIP's FastViT): the checkpoint
    holds the multi-branch training form, which is several times slower on CPU."""
    model = model.eval()
    try:
        from timm.utils.model import reparameterize_model
    except ImportError:
        return model
    return reparameterize_model(model, inplace=True)


def _unit_rows(feats: torch.Tensor) -> np.ndarray:
    # Normalise in fp32: fp16 norms of 512-d vectors lose precision.
    return F.normalize(feats.float(), dim=-1).cpu().numpy().astype(np.float32, copy=False)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    size = max(1, int(size))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_clip_encoder(settings: Settings) -> ClipEncoder:
    """The encoder for the model chosen in settings (raises WeightsMissing with instructions)."""
    found = resolve_clip_weights(settings)
    identity = None
    if found.source == "settings":
        # A user-chosen file may hold anything: tie the space to the file's content.
        identity = f"{settings.clip_pretrained or 'custom'}-{quick_fingerprint(found.path)}"
    device = pick_device(settings.device)
    return ClipEncoder(
        settings.clip_model,
        found.path,
        device=device,
        pretrained=settings.clip_pretrained,
        identity=identity,
        bf16=use_cpu_bf16(device, settings.cpu_precision),
    )
