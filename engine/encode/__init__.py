"""Encoders (CLIP image/text, sentence-transformers text), device choice and model weights.

Modules, lowest first (each imports only those above it):

- ``errors``: the ModelError family, messages meant for the user.
- ``specs``: the CLIP models known by name and where their weights are published.
- ``hf_cache``: the Hugging Face cache folder and offline mode.
- ``weight_files``: weight files on disk: found, read safely, checked, identified.
- ``resolve``: the local weights of the chosen CLIP and text models.
- ``status``: installed/missing/damaged state of every model (cheap, nothing is loaded).
- ``fetch`` / ``importing``: downloading weights, installing a file the user has.
- ``device``, ``lazy``, ``clip_build``, ``clip_text``, ``clip``, ``text``: the encoders.
- ``encoders``: ``Encoders``, the per-library holder every caller goes through.

This package namespace re-exports the small public API so callers (indexer, CLI, GUI) need
one import; it never imports torch. Import ``clip`` / ``text`` directly for the heavy classes.
"""

from engine.encode.device import describe_device, pick_device, use_fp16
from engine.encode.encoders import Encoders
from engine.encode.errors import DownloadError, ModelError, ModelLoadError, WeightsMissing
from engine.encode.fetch import fetch_weights
from engine.encode.importing import import_weights
from engine.encode.resolve import ResolvedWeights, resolve_clip_weights, resolve_text_model
from engine.encode.specs import KNOWN_SPECS, ClipModelSpec, find_spec, known_specs
from engine.encode.status import ModelState, model_status

__all__ = [
    "KNOWN_SPECS",
    "ClipModelSpec",
    "DownloadError",
    "Encoders",
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
    "resolve_text_model",
    "use_fp16",
]
