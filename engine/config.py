"""One source of truth for settings.

Settings are a typed dataclass persisted as JSON in the data directory. Locations come from
platformdirs; environment variables override them (tests and scripts use ``SAGASU_DATA_DIR``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "Sagasu"
SETTINGS_FILE = "settings.json"
# Evaluation reports in the data folder (engine.evaluation.report writes them; the library
# finds the latest for a window's "Evaluation report" without loading the evaluation code).
REPORTS_DIR = "reports"
LATEST_REPORT = "latest.html"

# The production CLIP model. Chosen on the numbers in docs/BENCHMARKS.md: ViT-B-32 laion2b is
# the best speed/quality trade-off on a CPU-only workstation among the open_clip models measured.
DEFAULT_CLIP_MODEL = "ViT-B-32"
DEFAULT_CLIP_PRETRAINED = "laion2b_s34b_b79k"
DEFAULT_TEXT_MODEL = "all-MiniLM-L6-v2"


def default_data_dir() -> Path:
    """Where the index lives: ``SAGASU_DATA_DIR`` or the platform's user data folder."""
    override = os.environ.get("SAGASU_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_store() -> str | None:
    """The team catalog a library opens when none is named: ``SAGASU_STORE`` (a
    ``postgresql://`` URL), else None, the SQLite file in the data folder."""
    return os.environ.get("SAGASU_STORE") or None


def default_models_dir() -> Path:
    """Where imported/fetched weights live: ``SAGASU_MODELS_DIR`` or the user cache folder."""
    override = os.environ.get("SAGASU_MODELS_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "models"


@dataclass(frozen=True)
class FolderConfig:
    """A folder to index with glob patterns (matched against the path relative to the folder)."""

    path: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> FolderConfig:
        if not isinstance(data, dict):
            return cls(path=str(data))
        return cls(
            str(data["path"]),
            tuple(str(g) for g in data.get("include") or ()),
            tuple(str(g) for g in data.get("exclude") or ()),
        )


@dataclass(frozen=True)
class Settings:
    """Everything a user can set. Immutable: a change is a new value, adopted whole through
    ``Library.apply_settings``, so a worker thread never sees half of an edit. Unknown keys in
    the file are ignored, missing ones defaulted."""

    folders: tuple[FolderConfig, ...] = ()
    clip_model: str = DEFAULT_CLIP_MODEL
    clip_pretrained: str = DEFAULT_CLIP_PRETRAINED
    # A local weights file or model folder chosen by the user (or IT); tried before any cache.
    clip_weights_path: str | None = None
    text_model: str = DEFAULT_TEXT_MODEL
    text_model_path: str | None = None
    device: str = "auto"  # auto | cpu | cuda | mps
    # On the CPU: auto = bfloat16 where the CPU has bf16 hardware (2-3.5x faster, same
    # rankings), fp32 otherwise; "fp32" / "bf16" force one (engine.encode.device).
    cpu_precision: str = "auto"
    ocr_enabled: bool = True
    # Which OCR reads: "auto" = RapidOCR finds and reads text, Tesseract reads again what
    # holds Japanese and reads scanned pages whole; "rapidocr" or "tesseract" alone
    # (engine.signals.ocr_choice, docs/SIGNALS.md).
    ocr_engine: str = "auto"
    # Languages of the print to read: "ja", "en" (or any Tesseract model name, e.g. "deu").
    ocr_languages: tuple[str, ...] = ("ja", "en")
    # The Tesseract program (default: found on PATH) and its language-data folder (default:
    # Tesseract's own, or TESSDATA_PREFIX).
    tesseract_command: str | None = None
    tessdata_dir: str | None = None
    visual_match_enabled: bool = True
    calibration_enabled: bool = True
    language: str = "system"  # system | en | ja
    models_dir: str | None = None
    batch_size: int = 32
    min_embedded_image_px: int = 96
    max_image_pixels: int = 80_000_000
    chunk_words: int = 60
    render_dpi: int = 72
    # Pages are also rendered at this resolution for exact visual match (local features):
    # a photographed figure has too few keypoints in a 72 dpi render (docs/SIGNALS.md).
    feature_dpi: int = 150
    # Extraction runs in worker processes (engine.indexing.pool): 0 = one per core (but one
    # for the encoder above two cores), at most 8. Limits stop one file from stalling a run.
    extract_workers: int = 0
    extract_stall_seconds: float = 120.0  # a file that yields no page for this long is stopped
    extract_file_seconds: float = 1800.0  # a file that takes longer than this is stopped
    # A worker process is replaced after this many files, or once its memory passes this.
    extract_worker_files: int = 200
    extract_worker_rss_mb: int = 1024
    watch_folders: bool = True
    rescan_minutes: int = 30
    # Confirmations (issue #17): a photo query is stored as its features only; with this on,
    # a small JPEG copy (256 px) is kept too, so the example list shows it and an export can
    # write it (engine.feedback).
    keep_query_images: bool = False
    # Search with the adopted adaptation (fusion weights, calibration: engine.adapt); off:
    # the shipped ranking, the adopted versions kept.
    adaptation_enabled: bool = True
    # Index runs read and encode on a Ray cluster at this address (`sagasu index --ray`):
    # "" = this computer, "auto" = the cluster `ray start` runs on this machine, or HOST:PORT.
    ray_address: str = ""
    # A file whose Ray worker dies is handed out this many times in all, then skipped.
    ray_task_attempts: int = 3
    # Where the desktop searches: "local" (this computer's index) or "team" (a team server
    # at server_url, engine.team.remote; the token is in a 0600 file, engine.team.token_file).
    library_mode: str = "local"
    server_url: str = ""
    server_ca_bundle: str | None = None  # a department CA (PEM) instead of the system's store
    path_mappings: tuple[tuple[str, str], ...] = ()  # (server prefix, local prefix), in order

    @property
    def resolved_models_dir(self) -> Path:
        return Path(self.models_dir).expanduser() if self.models_dir else default_models_dir()

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["folders"] = tuple(FolderConfig.from_json(f) for f in values.get("folders") or ())
        if "ocr_languages" in values:  # a JSON list
            values["ocr_languages"] = tuple(str(code) for code in values["ocr_languages"] or ())
        values["path_mappings"] = tuple(
            (str(m[0]), str(m[1])) for m in values.get("path_mappings") or () if len(m) == 2
        )
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (settings are immutable values)."""
        if "folders" in changes:
            changes["folders"] = tuple(changes["folders"])
        if "path_mappings" in changes:
            changes["path_mappings"] = tuple(tuple(m) for m in changes["path_mappings"])
        return dataclasses.replace(self, **changes)

    def with_folder(self, folder: FolderConfig) -> Settings:
        """These settings plus ``folder`` (unless a folder with its path is already there)."""
        if any(f.path == folder.path for f in self.folders):
            return self
        return self.replace(folders=(*self.folders, folder))


def load_settings(data_dir: Path) -> Settings:
    """Read settings from ``data_dir``; defaults when the file is missing or unreadable."""
    path = data_dir / SETTINGS_FILE
    try:
        return Settings.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError, TypeError) as exc:
        # A damaged settings file must never stop the app: keep it aside and start fresh.
        backup = path.with_suffix(".json.broken")
        with contextlib.suppress(OSError):
            path.replace(backup)
        logging.getLogger(__name__).warning("settings unreadable (%s); moved to %s", exc, backup)
        return Settings()


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write atomically so a crash never leaves a half-written settings file."""
    from engine.store.atomic import write_atomic

    text = json.dumps(settings.to_json(), indent=2, ensure_ascii=False)
    write_atomic(data_dir / SETTINGS_FILE, text)
