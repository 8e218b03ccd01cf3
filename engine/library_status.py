"""What ``sagasu status`` and the window's model banner report about a library, cheaply: no
model is loaded for it (weights are checked on disk unless already loaded in this process)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from engine.config import Settings
from engine.encode.device import describe_device
from engine.encode.encoders import Encoders
from engine.encode.status import ModelState, model_status
from engine.messages import Note
from engine.store.catalog import Catalog


def library_status(
    data_dir: Path, settings: Settings, catalog: Catalog, encoders: Encoders
) -> dict[str, object]:
    """Counts, model state and skipped files.

    ``image_search`` / ``text_search`` are "on" when the model has loaded in this process,
    or, when it has not been loaded here, when its files are installed and look sound (a
    CLIP file's header read, a text model folder with its config); ``*_checked`` says
    which ("loaded" or "files"). ``device`` is the device a loaded model runs on, else
    the setting ("auto": decided when a model loads)."""
    models = model_status(settings)
    loaded = encoders.loaded_state()
    clip = _model_state("clip", models, loaded)
    text = _model_state("text", models, loaded)
    return {
        "data_dir": str(data_dir),
        "counts": catalog.counts(),
        # Files that have each tier (engine.messages.Tier): "lexical" ones are searchable by
        # their words, "visual" ones by their pictures too.
        "tiers": catalog.tier_counts(),
        "vectors": catalog.vector_counts(),
        "image_search": "on" if clip[0] else "off",
        "image_search_problem": clip[1],
        "image_search_checked": clip[2],
        "text_search": "on" if text[0] else "off",
        "text_search_problem": text[1],
        "text_search_checked": text[2],
        "clip_model": f"{settings.clip_model}/{settings.clip_pretrained}",
        "text_model": settings.text_model,
        "device": _device(settings, encoders),
        "models": [model_json(m) for m in models],
        "last_run": catalog.last_run(),
        "skipped": [{"path": p, "reason": r} for p, r in catalog.skipped()],
        "folders": [f.path for f in settings.folders],
        "checked_at": time.time(),
    }


def ocr_status(settings: Settings, problem: Note | None) -> dict[str, object]:
    """The OCR engine in use, its languages, and the note saying what is missing."""
    return {
        "ocr_engine": settings.ocr_engine if settings.ocr_enabled else "off",
        "ocr_languages": list(settings.ocr_languages),
        "ocr_note": problem.to_json() if problem else None,
    }


def _device(settings: Settings, encoders: Encoders) -> str:
    """The loaded models' device in words, else the setting (torch is not imported)."""
    for encoder in (encoders.peek_clip(), encoders.peek_text()):
        if encoder is not None:
            return describe_device(encoder.device, encoder.bf16)
    return f"{settings.device} (not loaded yet)"


def _model_state(
    kind: str, models: list[ModelState], loaded: dict[str, tuple[bool, str]]
) -> tuple[bool, str, str]:
    """(usable, problem, how it was checked) of the selected model of ``kind``."""
    if kind in loaded:
        usable, problem = loaded[kind]
        return usable, problem, "loaded"
    row = next((m for m in models if m.kind == kind and m.selected), None)
    if row is None:
        return False, f"no {kind} model is selected", "files"
    return row.installed, "" if row.installed else row.message, "files"


def model_json(state: ModelState) -> dict[str, object]:
    """A model's row of ``status`` and ``models list --json``."""
    return {
        "name": state.name,
        "kind": state.kind,
        "installed": state.installed,
        "path": str(state.path) if state.path else None,
        "message": state.message,
        "selected": state.selected,
    }


@dataclass(frozen=True)
class ModelReadiness:
    """Which models loaded (Library.warm_up); an empty problem means usable."""

    clip_problem: str
    text_problem: str
