"""Installing a weights file the user already has (`sagasu models import`, Settings).

The file is checked first (readable without running code, and holding exactly the tensors
of the model's architecture), then copied into the models dir atomically.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from engine.encode.errors import ModelLoadError
from engine.encode.specs import BIN_NAME, CONFIG_NAME, SAFE_NAME, ClipModelSpec, find_spec
from engine.encode.weight_files import (
    WEIGHT_SUFFIXES,
    find_checkpoint,
    read_state_dict,
    sha256_file,
    write_sidecar,
)
from engine.store.atomic import atomic_path


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
    # Here, not at the top: building the network imports torch and open_clip.
    from engine.encode.clip_build import check_weights_match

    check_weights_match(spec.model, read_state_dict(source), source, config)
    name = SAFE_NAME if source.suffix == ".safetensors" else BIN_NAME
    dest = Path(models_dir) / spec.dirname / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if config is not None:
        _copy_atomic(config, dest.parent / CONFIG_NAME)
    digest = _copy_atomic(source, dest)
    info: dict[str, object]
    info = {"model": spec.model, "pretrained": spec.pretrained, "file": dest.name}
    info |= {"sha256": digest, "size": dest.stat().st_size, "source": str(source)}
    write_sidecar(dest.parent, info | {"imported_at": time.time()})
    return dest


def _copy_atomic(source: Path, dest: Path) -> str:
    """Copy under a unique temporary name so a crash never leaves a half-copied file under
    the real name (engine.store.atomic)."""
    with atomic_path(dest) as part:
        shutil.copyfile(source, part)
        return sha256_file(part)
