"""Downloading CLIP weights, only when the user asks (`sagasu models fetch`, Settings).

The file streams to a ``.part`` file, is checked (size, known sha256, readable as weights) and
only then renamed into place; nothing partial is ever left under the real name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from engine.encode.errors import DownloadError, ModelError, ModelLoadError, describe_exception
from engine.encode.specs import ClipModelSpec
from engine.encode.weight_files import read_state_dict, write_sidecar
from engine.store.atomic import atomic_path
from engine.types import Cancelled

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
_CHUNK = 1 << 20


class _NotFound(Exception):
    pass


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


def _endpoint(base_url: str | None) -> str:
    return (base_url or os.environ.get("SAGASU_HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _download(
    spec: ClipModelSpec,
    url: str,
    dest: Path,
    progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
) -> Path:
    # A unique temporary name (engine.store.atomic): deleted on any failure, renamed over
    # ``dest`` only once checked.
    with atomic_path(dest) as part:
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
    info: dict[str, object]
    info = {"model": spec.model, "pretrained": spec.pretrained, "file": dest.name}
    info |= {"sha256": digest, "size": size, "source": url, "fetched_at": time.time()}
    write_sidecar(dest.parent, info)
    log.info("fetched %s (%d bytes, sha256 %s)", dest, size, digest)
    return dest


def _stream(
    url: str,
    part: Path,
    progress: Callable[[int, int], None] | None,
    cancel: Callable[[], bool] | None,
) -> tuple[str, int]:
    # Imported here: urllib.request pulls in http.client, email and ssl (about 40 ms), which
    # every CLI command would pay through the engine.encode package.
    import urllib.error
    import urllib.request
    from http.client import HTTPException

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
            f"Download of {url} failed ({describe_exception(exc)}). "
            "Check the network connection and try again; nothing was kept."
        ) from exc
    if total and done != total:
        raise DownloadError(f"Download of {url} stopped early ({done} of {total} bytes).")
    return digest.hexdigest(), done
