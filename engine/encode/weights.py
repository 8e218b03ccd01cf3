"""Finding, fetching and importing open_clip model weights.

Nothing here touches the network unless the user explicitly asks to fetch: resolution only
looks at local files (settings path, the models dir, the Hugging Face cache). Weight files are
read with safetensors, or ``torch.load(weights_only=True)`` for legacy ``.bin/.pt`` files, so a
hostile file can never run code on the user's machine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import TYPE_CHECKING

from engine.config import Settings
from engine.types import Cancelled

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

SAFE_NAME = "open_clip_model.safetensors"
BIN_NAME = "open_clip_pytorch_model.bin"
CONFIG_NAME = "open_clip_config.json"
SIDECAR_NAME = "sagasu_weights.json"
DEFAULT_ENDPOINT = "https://huggingface.co"
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
_CHUNK = 1 << 20


class ModelError(Exception):
    """Base class: every message is meant to be shown to the user as is."""


class WeightsMissing(ModelError):
    """No local weights for the requested model; the message says how to get them."""


class ModelLoadError(ModelError):
    """Weights exist but cannot be used (corrupt, truncated, wrong model, unsafe pickle)."""


class DownloadError(ModelError):
    """A fetch failed; nothing partial is left behind."""


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


@dataclass(frozen=True)
class ResolvedWeights:
    path: Path  # a weights file, or a folder holding open_clip_config.json + weights
    source: str  # "settings" | "models_dir" | "hf_cache"
    spec: ClipModelSpec


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


# ---------------------------------------------------------------------------- specs


def known_specs() -> list[ClipModelSpec]:
    """The registry, limited to architectures the installed open_clip can build."""
    import open_clip

    available = set(open_clip.list_models())
    return [s for s in KNOWN_SPECS if s.model in available]


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


# ---------------------------------------------------------------------------- resolution


def hf_cache_dir() -> Path:
    """Read at call time (huggingface_hub freezes its constant at import)."""
    env = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if env:
        return Path(env).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def find_checkpoint(folder: Path) -> Path | None:
    """The weights file inside a model folder, safetensors first."""
    preferred = [SAFE_NAME, "open_clip_pytorch_model.safetensors", BIN_NAME, "model.safetensors"]
    for name in preferred:
        if (folder / name).is_file():
            return folder / name
    found = sorted(p for p in folder.iterdir() if p.suffix in WEIGHT_SUFFIXES and p.is_file())
    found.sort(key=lambda p: p.suffix != ".safetensors")
    return found[0] if found else None


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
    from huggingface_hub import try_to_load_from_cache

    for name in spec.filenames:
        hit = try_to_load_from_cache(spec.hf_repo, name, cache_dir=hf_cache_dir())
        if isinstance(hit, str) and Path(hit).is_file():
            return Path(hit)
    return None


def missing_message(spec: ClipModelSpec, looked_in: list[str]) -> str:
    size = f" (about {spec.approx_mb} MB)" if spec.approx_mb else ""
    fetch = f"`sagasu models fetch {spec.name}` to download it{size}, or " if spec.hf_repo else ""
    return (
        f"No weights found for CLIP model {spec.name}. Run {fetch}"
        f"`sagasu models import PATH` to use a weights file you already have "
        f"(e.g. {spec.filename} from {spec.hf_repo or 'your model provider'}). "
        f"Looked in: {'; '.join(looked_in)}."
    )


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
    raise WeightsMissing(missing_message(spec, looked))


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
    message = f"installed ({found.source})"
    if spec.hf_text_model:
        message += f"; also needs the {spec.hf_text_model} tokenizer in the Hugging Face cache"
    return ModelState(spec.name, "clip", True, found.path, message, selected, spec.approx_mb)


def _text_state(settings: Settings) -> ModelState:
    from engine.encode.text import resolve_text_model

    try:
        path = resolve_text_model(settings)
    except WeightsMissing as exc:
        return ModelState(settings.text_model, "text", False, None, str(exc), True)
    return ModelState(settings.text_model, "text", True, path, "installed", True)


# ---------------------------------------------------------------------------- offline & identity

_OFFLINE_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


_offline_lock = threading.Lock()
_offline_depth = 0
_offline_saved: tuple[dict[str, str | None], bool] | None = None


@contextmanager
def hf_offline() -> Iterator[None]:
    """Keep Hugging Face libraries off the network while a model loads.

    huggingface_hub reads HF_HUB_OFFLINE once at import, so its constant is patched as well as
    the environment. Reference-counted, so overlapping loads on two threads (CLIP and text)
    restore the original state only when the last one finishes.
    """
    global _offline_depth, _offline_saved
    from huggingface_hub import constants

    with _offline_lock:
        if _offline_depth == 0:
            _offline_saved = (
                {k: os.environ.get(k) for k in _OFFLINE_VARS},
                constants.HF_HUB_OFFLINE,
            )
            os.environ.update(dict.fromkeys(_OFFLINE_VARS, "1"))
            constants.HF_HUB_OFFLINE = True
        _offline_depth += 1
    try:
        yield
    finally:
        with _offline_lock:
            _offline_depth -= 1
            if _offline_depth == 0 and _offline_saved is not None:
                env, const = _offline_saved
                constants.HF_HUB_OFFLINE = const
                for key, value in env.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value


def quick_fingerprint(path: Path) -> str:
    """Cheap identity for a weights file (size + first and last MiB), stable across copies.

    Hashing a whole 600 MB file at every start would cost seconds; this still changes whenever
    a different checkpoint is put at the same path.
    """
    path = Path(path)
    if path.is_dir():
        found = find_checkpoint(path)
        if found is None:
            return "none"
        path = found
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(_CHUNK))
        fh.seek(max(0, size - _CHUNK))
        digest.update(fh.read(_CHUNK))
    return digest.hexdigest()[:12]


# ---------------------------------------------------------------------------- safe reading


def read_state_dict(path: Path, suffix: str | None = None) -> dict[str, torch.Tensor]:
    """Read a weights file without ever unpickling arbitrary objects.

    ``suffix`` overrides the format taken from the name (for ``.part`` files). Raises
    ModelLoadError for corrupt, truncated or non-weights files.
    """
    import torch

    path = Path(path)
    suffix = suffix or path.suffix
    if suffix not in WEIGHT_SUFFIXES:
        raise ModelLoadError(
            f"{path.name}: not a weights file (expected one of {', '.join(WEIGHT_SUFFIXES)})."
        )
    try:
        if suffix == ".safetensors":
            from safetensors.torch import load_file

            data: object = load_file(str(path), device="cpu")
        else:
            data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # safetensors/torch raise many types for bad files
        raise ModelLoadError(
            f"{path} could not be read as model weights ({type(exc).__name__}: "
            f"{_first_line(exc)}). The file is damaged, incomplete, or not a plain weights file "
            "(files containing code are refused). Download or import it again."
        ) from exc
    return _as_state_dict(data, path)


def _as_state_dict(data: object, path: Path) -> dict[str, torch.Tensor]:
    import torch

    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]
    if not isinstance(data, dict) or not data:
        raise ModelLoadError(f"{path}: contains no tensors, so it is not a weights file.")
    tensors = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}
    if len(tensors) != len(data):
        raise ModelLoadError(f"{path}: holds non-tensor entries, so it is not a weights file.")
    if all(k.startswith("module.") for k in tensors):  # saved from DataParallel
        tensors = {k[len("module.") :]: v for k, v in tensors.items()}
    return tensors


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""


# ---------------------------------------------------------------------------- fetch & import


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _write_sidecar(folder: Path, info: dict[str, object]) -> None:
    tmp = folder / (SIDECAR_NAME + ".tmp")
    tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
    os.replace(tmp, folder / SIDECAR_NAME)


def read_sidecar(folder: Path) -> dict[str, object]:
    try:
        data = json.loads((folder / SIDECAR_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _endpoint(base_url: str | None) -> str:
    return (base_url or os.environ.get("SAGASU_HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def fetch_weights(
    spec: ClipModelSpec,
    models_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    base_url: str | None = None,
) -> Path:
    """Download ``spec``'s weights into ``models_dir`` and return the final file.

    Streams to a ``.part`` file, verifies size and (when known) sha256, then renames atomically;
    on any failure the partial file is removed. ``progress(done, total)`` gets total=0 when the
    server sends no length. ``cancel()`` returning True raises Cancelled.
    """
    if not spec.hf_repo:
        raise DownloadError(f"{spec.name} has no download source; use `sagasu models import`.")
    folder = Path(models_dir) / spec.dirname
    folder.mkdir(parents=True, exist_ok=True)
    last_error: ModelError | None = None
    for filename in spec.filenames:
        url = f"{_endpoint(base_url)}/{spec.hf_repo}/resolve/main/{filename}"
        try:
            return _download(spec, url, folder / filename, progress, cancel)
        except _NotFound as exc:
            last_error = DownloadError(str(exc))
    assert last_error is not None
    raise last_error


class _NotFound(Exception):
    pass


def _download(
    spec: ClipModelSpec,
    url: str,
    dest: Path,
    progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
) -> Path:
    part = dest.with_name(dest.name + ".part")
    try:
        digest, size = _stream(url, part, progress, cancel)
        if spec.sha256 and digest != spec.sha256.lower():
            raise DownloadError(
                f"Checksum mismatch for {spec.name}: expected {spec.sha256}, got {digest}. "
                "The download was deleted; try again, or import a file you trust."
            )
        # A server error page or a cut-off file must never reach the loader.
        try:
            read_state_dict(part, suffix=dest.suffix)
        except ModelLoadError as exc:
            raise DownloadError(f"The download from {url} is not a valid weights file.") from exc
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    info = {"model": spec.model, "pretrained": spec.pretrained, "file": dest.name}
    info |= {"sha256": digest, "size": size, "source": url, "fetched_at": time.time()}
    _write_sidecar(dest.parent, info)
    log.info("fetched %s (%d bytes, sha256 %s)", dest, size, digest)
    return dest


def _stream(
    url: str,
    part: Path,
    progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
) -> tuple[str, int]:
    request = urllib.request.Request(url, headers={"User-Agent": "sagasu"})
    digest = hashlib.sha256()
    done = 0
    try:
        with urllib.request.urlopen(request, timeout=60) as resp, open(part, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0)
            while block := resp.read(_CHUNK):
                if cancel is not None and cancel():
                    raise Cancelled("download cancelled")
                out.write(block)
                digest.update(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise _NotFound(f"{url} was not found on the server (HTTP 404).") from exc
        raise DownloadError(f"Download of {url} failed: HTTP {exc.code} {exc.reason}.") from exc
    except (urllib.error.URLError, OSError, HTTPException) as exc:
        raise DownloadError(
            f"Download of {url} failed ({_first_line(exc) or type(exc).__name__}). "
            "Check the network connection and try again; nothing was kept."
        ) from exc
    if total and done != total:
        raise DownloadError(f"Download of {url} stopped early ({done} of {total} bytes).")
    return digest.hexdigest(), done


def import_weights(path: Path, spec_or_name: ClipModelSpec | str, models_dir: Path) -> Path:
    """Check ``path`` holds weights for the model, then copy it into ``models_dir`` atomically.

    ``path`` may be a weights file or a model folder; a folder's open_clip_config.json is
    copied along so custom architectures load the same way. Returns the installed file.
    """
    spec = find_spec(spec_or_name) if isinstance(spec_or_name, str) else spec_or_name
    source = Path(path).expanduser()
    config = source / CONFIG_NAME if source.is_dir() else None
    if source.is_dir():
        found = find_checkpoint(source)
        if found is None:
            raise ModelLoadError(f"{source} holds no weights file ({', '.join(WEIGHT_SUFFIXES)}).")
        source = found
    if not source.is_file():
        raise ModelLoadError(f"{source} does not exist or is not a file.")
    config = config if config is not None and config.is_file() else None
    from engine.encode.clip import check_weights_match

    check_weights_match(spec.model, read_state_dict(source), source, config)
    name = SAFE_NAME if source.suffix == ".safetensors" else BIN_NAME
    dest = Path(models_dir) / spec.dirname / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if config is not None:
        _copy_atomic(config, dest.parent / CONFIG_NAME)
    digest = _copy_atomic(source, dest)
    info = {"model": spec.model, "pretrained": spec.pretrained, "file": dest.name}
    info |= {"sha256": digest, "size": dest.stat().st_size, "source": str(source)}
    _write_sidecar(dest.parent, info | {"imported_at": time.time()})
    return dest


def _copy_atomic(source: Path, dest: Path) -> str:
    """Copy via a .part file so a crash never leaves a half-copied file under the real name."""
    part = dest.with_name(dest.name + ".part")
    try:
        shutil.copyfile(source, part)
        digest = sha256_file(part)
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return digest
