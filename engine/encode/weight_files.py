"""Weight files on disk: finding one in a model folder, reading it safely, checking and
identifying it, and the sidecar that records where an installed file came from.

Weight files are read with safetensors, or ``torch.load(weights_only=True)`` for legacy
``.bin/.pt`` files, so a hostile file can never run code on the user's machine.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from engine.encode.errors import ModelLoadError, describe_exception
from engine.encode.specs import BIN_NAME, SAFE_NAME
from engine.store.atomic import write_atomic

if TYPE_CHECKING:
    import torch

SIDECAR_NAME = "sagasu_weights.json"
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
_CHUNK = 1 << 20
_MAX_HEADER = 100 << 20  # the safetensors format's own limit on its JSON header


def find_checkpoint(folder: Path) -> Path | None:
    """The weights file inside a model folder, safetensors first."""
    preferred = [SAFE_NAME, "open_clip_pytorch_model.safetensors", BIN_NAME, "model.safetensors"]
    for name in preferred:
        if (folder / name).is_file():
            return folder / name
    found = sorted(p for p in folder.iterdir() if p.suffix in WEIGHT_SUFFIXES and p.is_file())
    found.sort(key=lambda p: p.suffix != ".safetensors")
    return found[0] if found else None


def unreadable_message(path: Path, detail: str) -> str:
    return (
        f"{path} could not be read as model weights ({detail}). The file is damaged, "
        "incomplete, or not a plain weights file (files containing code are refused)."
    )


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
        raise ModelLoadError(unreadable_message(path, describe_exception(exc))) from exc
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


def check_weights_file(path: Path) -> str:
    """ "" when the file looks whole, else what is wrong: a cheap check that reads the
    safetensors header (or the zip directory of a torch file), never the tensors.

    For status displays; only a real load proves that the weights fit the model.
    """
    path = Path(path)
    if path.is_dir():
        found = find_checkpoint(path)
        if found is None:
            return f"{path} holds no weights file."
        path = found
    try:
        if path.suffix == ".safetensors":
            detail = _safetensors_damage(path)
        elif zipfile.is_zipfile(path):
            detail = ""
        else:
            with open(path, "rb") as fh:
                legacy = fh.read(1) == b"\x80"  # a pre-zip torch.save pickle
            detail = "" if legacy else "not a torch checkpoint"
    except OSError as exc:
        detail = describe_exception(exc)
    return unreadable_message(path, detail) if detail else ""


def _safetensors_damage(path: Path) -> str:
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            return f"only {size} bytes"
        length = int.from_bytes(head, "little")
        if length > min(size - 8, _MAX_HEADER):
            return "invalid header"
        try:
            header = json.loads(fh.read(length))
            ends = [int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"]
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return "invalid header"
    expected = 8 + length + max(ends, default=0)
    if size < expected:
        return f"truncated: {size} of {expected} bytes"
    return "" if size == expected else f"{size - expected} stray bytes at the end"


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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def write_sidecar(folder: Path, info: dict[str, object]) -> None:
    write_atomic(folder / SIDECAR_NAME, json.dumps(info, indent=2))
