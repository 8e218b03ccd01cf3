"""The CLIP models Sagasu knows by name: where their weights are published and how big they are.

A spec only describes a model; finding its weights on disk is ``resolve``'s job, downloading
them ``fetch``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import Settings
from engine.encode.errors import ModelError

SAFE_NAME = "open_clip_model.safetensors"
BIN_NAME = "open_clip_pytorch_model.bin"
CONFIG_NAME = "open_clip_config.json"


@dataclass(frozen=True)
class ClipModelSpec:
    """Where the weights of one open_clip (architecture, pretrained tag) pair live."""

    model: str  # open_clip architecture name, e.g. "ViT-B-32"
    pretrained: str  # open_clip pretrained tag, e.g. "laion2b_s34b_b79k"
    hf_repo: str  # Hugging Face repo id holding open_clip weights
    filename: str = SAFE_NAME
    fallback_filenames: tuple[str, ...] = (BIN_NAME,)
    sha256: str | None = None  # None: unknown upstream; the fetched file's hash is recorded
    approx_mb: int = 0
    description: str = ""
    hf_text_model: str | None = None  # HF text tower whose tokenizer/config must be cached too

    @property
    def name(self) -> str:
        return f"{self.model}/{self.pretrained}"

    @property
    def dirname(self) -> str:
        """Folder under the models dir; '/' is not allowed in a folder name."""
        return f"{self.model}__{self.pretrained}"

    @property
    def filenames(self) -> tuple[str, ...]:
        return (self.filename, *self.fallback_filenames)


# Sizes are fp32 parameter counts x 4 bytes, rounded. sha256 values are not pinned because the
# upstream repos publish none; the hash of what was downloaded is recorded in a sidecar instead.
KNOWN_SPECS: tuple[ClipModelSpec, ...] = (
    ClipModelSpec(
        "ViT-B-32",
        "laion2b_s34b_b79k",
        "laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
        approx_mb=605,
        description="Default. Good speed/quality balance on CPU (English text).",
    ),
    ClipModelSpec(
        "ViT-B-16",
        "laion2b_s34b_b88k",
        "laion/CLIP-ViT-B-16-laion2B-s34B-b88K",
        approx_mb=599,
        description="Finer detail than ViT-B-32, about 4x slower image encoding.",
    ),
    ClipModelSpec(
        "MobileCLIP-S1",
        "datacompdr",
        "apple/MobileCLIP-S1-OpenCLIP",
        approx_mb=340,
        description="Apple MobileCLIP: small and fast, strong zero-shot accuracy.",
    ),
    ClipModelSpec(
        "MobileCLIP-S2",
        "datacompdr",
        "apple/MobileCLIP-S2-OpenCLIP",
        approx_mb=400,
        description="Apple MobileCLIP: a little slower than S1, more accurate.",
    ),
    ClipModelSpec(
        "xlm-roberta-base-ViT-B-32",
        "laion5b_s13b_b90k",
        "laion/CLIP-ViT-B-32-xlm-roberta-base-laion5B-s13B-b90k",
        approx_mb=1470,
        description="Multilingual text tower: Japanese queries against photos.",
        hf_text_model="xlm-roberta-base",
    ),
)


def known_specs() -> list[ClipModelSpec]:
    """The registry, limited to architectures the installed open_clip can build."""
    available = _open_clip_architectures()
    return [s for s in KNOWN_SPECS if s.model in available]


def _open_clip_architectures() -> set[str]:
    """open_clip.list_models(), read from the package's config folder without importing it
    when it is not imported yet (importing open_clip imports torch: seconds, and
    ``sagasu status`` lists the models)."""
    import sys

    if "open_clip" not in sys.modules:
        import importlib.util
        from pathlib import Path

        spec = importlib.util.find_spec("open_clip")
        for location in (spec.submodule_search_locations or []) if spec else []:
            folder = Path(location) / "model_configs"
            if folder.is_dir():
                return {p.stem for p in folder.glob("*.json")}
    import open_clip

    return set(open_clip.list_models())


def find_spec(name: str, pretrained: str | None = None) -> ClipModelSpec:
    """Look up "ViT-B-32", "ViT-B-32/laion2b_s34b_b79k" or "ViT-B-32:laion2b_s34b_b79k".

    Pairs not in the registry are derived from open_clip's own pretrained table, so any
    open_clip model with Hugging Face weights can be fetched by name.
    """
    model, _, tag = name.replace(":", "/").partition("/")
    tag = tag or (pretrained or "")
    for spec in KNOWN_SPECS:
        if spec.model == model and (not tag or spec.pretrained == tag):
            return spec
    if tag:
        derived = _spec_from_open_clip(model, tag)
        if derived is not None:
            return derived
    names = ", ".join(s.name for s in KNOWN_SPECS)
    raise ModelError(f"Unknown CLIP model {name!r}. Known models: {names}.")


def _spec_from_open_clip(model: str, tag: str) -> ClipModelSpec | None:
    from open_clip.pretrained import get_pretrained_cfg

    hub = str((get_pretrained_cfg(model, tag) or {}).get("hf_hub", ""))
    if not hub:
        return None
    # open_clip writes "org/repo/" (default file name) or "org/repo/file.bin".
    repo, _, filename = (
        hub.rstrip("/").rpartition("/") if not hub.endswith("/") else (hub[:-1], "", "")
    )
    if filename:
        return ClipModelSpec(model, tag, repo, filename=filename, fallback_filenames=())
    return ClipModelSpec(model, tag, repo)


def selected_spec(settings: Settings) -> ClipModelSpec:
    """The spec for the model chosen in settings (a custom pair gets an ad-hoc spec)."""
    try:
        return find_spec(settings.clip_model, settings.clip_pretrained)
    except ModelError:
        # A custom model with local weights only: no download source, but still resolvable.
        return ClipModelSpec(settings.clip_model, settings.clip_pretrained, hf_repo="")
