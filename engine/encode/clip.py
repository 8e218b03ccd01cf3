"""CLIP image/text encoder over open_clip.

One code path loads every model (``clip_build``): weights are read by
``weight_files.read_state_dict`` and loaded strictly, so a model is never left randomly
initialised. A file that cannot be read becomes a ModelLoadError that names it and says what to
do, never a library's own exception.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

import engine.encode.clip_text as clip_text
from engine.config import Settings
from engine.encode.clip_build import arch_for, create_network, eval_transform, load_weights
from engine.encode.device import pick_device, use_cpu_bf16, use_fp16
from engine.encode.errors import ModelLoadError, describe_exception
from engine.encode.hf_cache import hf_offline
from engine.encode.lazy import LazyModel
from engine.encode.resolve import resolve_clip_weights
from engine.encode.weight_files import quick_fingerprint, read_state_dict

log = logging.getLogger(__name__)


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
        self._arch = arch_for(model_name, Path(weights), model_config, pretrained)
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

        checkpoint = self._arch.checkpoint
        try:  # first: a damaged file fails before seconds are spent building the network
            state = read_state_dict(checkpoint)
        except ModelLoadError as exc:
            raise ModelLoadError(f"{exc} {self._repair_advice()}") from exc
        model = create_network(self._arch, "cpu")
        transform = eval_transform(model)
        load_weights(model, state, checkpoint, self.model_name)
        del state
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

    def _repair_advice(self) -> str:
        checkpoint = self._arch.checkpoint
        name = f"{self.model_name}/{self.pretrained}" if self.pretrained else ""
        fetch = f"fetch the model again (`sagasu models fetch {name}`), or " if name else ""
        return (
            f"Delete {checkpoint} and {fetch}import a good copy (`sagasu models import PATH`); "
            "image search stays off until then."
        )

    def _failure_message(self, exc: Exception) -> str:
        return (
            f"CLIP model {self.model_name} could not be loaded from {self._arch.checkpoint} "
            f"({describe_exception(exc)}). {self._repair_advice()}"
        )

    def preprocess(self, img: Image.Image) -> torch.Tensor:
        """PIL image -> (3, H, W) tensor ready for ``encode_image_tensors``."""
        if self._transform is None:
            self._ensure_loaded()
        if img.mode != "RGB":
            img = img.convert("RGB")
        tensor: torch.Tensor = self._transform(img)
        return tensor

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
    try:
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
    except OSError as exc:  # an unreadable file or folder
        raise ModelLoadError(
            f"CLIP weights at {found.path} cannot be read ({describe_exception(exc)})."
        ) from exc
