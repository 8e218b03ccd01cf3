"""Encoders (CLIP image/text, sentence-transformers text), device choice and model weights.

Import the submodules directly for the heavy classes; this package namespace re-exports the
small public API so callers (indexer, CLI, GUI) need one import.
"""

from engine.encode.device import describe_device, pick_device, use_fp16
from engine.encode.weights import (
    KNOWN_SPECS,
    ClipModelSpec,
    DownloadError,
    ModelError,
    ModelLoadError,
    ModelState,
    ResolvedWeights,
    WeightsMissing,
    fetch_weights,
    find_spec,
    import_weights,
    known_specs,
    model_status,
    resolve_clip_weights,
)

__all__ = [
    "KNOWN_SPECS",
    "ClipModelSpec",
    "DownloadError",
    "ModelError",
    "ModelLoadError",
    "ModelState",
    "ResolvedWeights",
    "WeightsMissing",
    "describe_device",
    "fetch_weights",
    "find_spec",
    "import_weights",
    "known_specs",
    "model_status",
    "pick_device",
    "resolve_clip_weights",
    "use_fp16",
]
