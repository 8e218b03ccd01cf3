"""Building an open_clip network and fitting a state dict to it, strictly.

The architecture comes either from open_clip's built-in configs (a bare weights file) or from
an ``open_clip_config.json`` next to the weights (the Hugging Face layout, also used for custom
and test models). Weights are loaded strictly, so a model is never left randomly initialised.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from engine.encode.errors import ModelLoadError
from engine.encode.hf_cache import hf_offline
from engine.encode.specs import CONFIG_NAME
from engine.encode.weight_files import find_checkpoint

# Keys that differ between open_clip versions without changing the model.
_BENIGN_KEYS = ("text.transformer.embeddings.position_ids",)


@dataclass(frozen=True)
class Arch:
    """What open_clip needs to build the network: a built-in name or a local config folder."""

    open_clip_name: str  # "ViT-B-32" or "local-dir:/path"
    checkpoint: Path
    preprocess: dict[str, Any]
    quick_gelu: bool


def arch_for(model_name: str, weights: Path, model_config: Path | None, pretrained: str) -> Arch:
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
        return Arch(f"local-dir:{_config_dir(Path(model_config))}", checkpoint, {}, False)
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
    return Arch(model_name, checkpoint, preprocess, bool(tag_cfg.get("quick_gelu", False)))


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


def create_network(arch: Arch, device: str) -> torch.nn.Module:
    """The bare network; weights are loaded separately by ``load_weights``."""
    import open_clip

    try:
        with hf_offline(), _quiet_open_clip():
            model: torch.nn.Module = open_clip.create_model(
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
    return model


def eval_transform(model: torch.nn.Module) -> Any:
    from open_clip.transform import PreprocessCfg, image_transform_v2

    visual: Any = model.visual
    return image_transform_v2(PreprocessCfg(**visual.preprocess_cfg), is_train=False)


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
    own_bias = getattr(model, "logit_bias", None)
    if "logit_bias" not in state and isinstance(own_bias, torch.Tensor):
        state["logit_bias"] = torch.zeros_like(own_bias)
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


def load_weights(
    model: torch.nn.Module, state: dict[str, torch.Tensor], checkpoint: Path, label: str
) -> None:
    """Put ``state`` (read from ``checkpoint``) into ``model``; every tensor must fit."""
    state = _prepare_state_dict(model, state)
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
    arch = arch_for(model_name, config.parent if config else source, config, "")

    with torch.device("meta"):
        model = create_network(arch, "meta")
    problems = _mismatch(model, _prepare_state_dict(model, state))
    if problems:
        raise ModelLoadError(
            f"{source} is not a weights file for {model_name}: {'; '.join(problems)} tensors."
        )
