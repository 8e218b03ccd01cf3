"""What `sagasu models list` and the Settings dialog show: each model, installed or not, and why.

These checks are cheap (no model is built): a weights file is checked for damage by its header,
not loaded. Whether a model really loads is known from ``Encoders.clip()`` / ``text()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.config import Settings
from engine.encode.errors import WeightsMissing
from engine.encode.resolve import resolve_clip_weights, resolve_text_model
from engine.encode.specs import ClipModelSpec, known_specs, selected_spec
from engine.encode.weight_files import check_weights_file

_TEXT_MODEL_MARKERS = ("modules.json", "config.json")


@dataclass(frozen=True)
class ModelState:
    """One row of `sagasu models list`."""

    name: str
    kind: str  # "clip" | "text"
    installed: bool
    path: Path | None
    message: str
    selected: bool = False
    approx_mb: int = 0


def model_status(settings: Settings) -> list[ModelState]:
    """Installed/missing state of every known CLIP model plus the text model."""
    chosen = selected_spec(settings)
    specs = known_specs()
    if chosen not in specs:
        specs.insert(0, chosen)
    rows = [_clip_state(settings, spec, spec == chosen) for spec in specs]
    rows.append(_text_state(settings))
    return rows


def _clip_state(settings: Settings, spec: ClipModelSpec, selected: bool) -> ModelState:
    try:
        found = resolve_clip_weights(settings, spec)
    except WeightsMissing as exc:
        return ModelState(spec.name, "clip", False, None, str(exc), selected, spec.approx_mb)
    damage = check_weights_file(found.path)
    if damage:
        fetch = f"`sagasu models fetch {spec.name}`, or " if spec.hf_repo else ""
        message = f"{damage} Delete it, then run {fetch}`sagasu models import PATH`."
        return ModelState(spec.name, "clip", False, found.path, message, selected, spec.approx_mb)
    message = f"installed ({found.source})"
    if spec.hf_text_model:
        message += f"; also needs the {spec.hf_text_model} tokenizer in the Hugging Face cache"
    return ModelState(spec.name, "clip", True, found.path, message, selected, spec.approx_mb)


def _text_state(settings: Settings) -> ModelState:
    try:
        path = resolve_text_model(settings)
    except WeightsMissing as exc:
        return ModelState(settings.text_model, "text", False, None, str(exc), True)
    if not any((path / name).is_file() for name in _TEXT_MODEL_MARKERS):
        message = (
            f"{path} is not a sentence-transformers model folder (it has no "
            f"{' or '.join(_TEXT_MODEL_MARKERS)}). Point text_model_path in Settings at a "
            "model folder, or clear it to use the bundled model."
        )
        return ModelState(settings.text_model, "text", False, path, message, True)
    return ModelState(settings.text_model, "text", True, path, "installed", True)
