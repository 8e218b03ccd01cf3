"""What adopting new settings requires: a typed value the clients react to.

``Library.apply_settings(new)`` returns a ``Changes`` (as Anki's operations return
``OpChanges``): the engine does its own part (saves the settings, reloads encoders, switches
signals on or off) and every client decides from the value what it must do in addition:
start an index run, encode stored images, switch the interface language, watch other folders.
The rules live here, in one pure function, so they are tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import Settings

# Where and how the models run applies to both encoders; which CLIP only to CLIP.
RUNTIME_KEYS = ("device", "cpu_precision")
CLIP_KEYS = ("clip_model", "clip_pretrained", "clip_weights_path", "models_dir", *RUNTIME_KEYS)
TEXT_KEYS = ("text_model", "text_model_path", *RUNTIME_KEYS)
# Settings an index run acts on for files already indexed: OCR switched on reads the pages
# and photos not read yet. (Resolution and chunking settings apply to files read from then
# on; files already indexed keep what they were read with until they change.)
INDEX_RUN_KEYS = ("ocr_enabled",)
WATCH_KEYS = ("watch_folders", "rescan_minutes")
SEARCH_KEYS = ("visual_match_enabled", "calibration_enabled", "ocr_enabled")
# Where a window searches (engine.team.remote): it reconnects on any of them.
TEAM_KEYS = ("library_mode", "server_url", "server_ca_bundle", "path_mappings")


@dataclass(frozen=True)
class Changes:
    """The consequences of replacing ``old`` settings with ``new`` ones."""

    folders_added: tuple[str, ...] = ()
    folders_removed: tuple[str, ...] = ()
    reload_clip: bool = False  # the image model changed: encode stored images again
    reload_text: bool = False
    needs_index: bool = False  # new folders or patterns, OCR switched on: run the indexer
    search_signals: bool = False  # a signal was switched on or off
    language: bool = False
    watching: bool = False  # which folders to watch, or how often to rescan
    data_dir: bool = False  # a new index location, used from the next start
    team: bool = False  # this computer's index or a team server, and how to reach it

    @property
    def any(self) -> bool:
        return self != Changes()


def diff_settings(old: Settings, new: Settings) -> Changes:
    """The changes that adopting ``new`` over ``old`` requires."""
    old_folders = {f.path: f for f in old.folders}
    new_folders = {f.path: f for f in new.folders}
    added = tuple(p for p in new_folders if p not in old_folders)
    removed = tuple(p for p in old_folders if p not in new_folders)
    patterns = any(old_folders[p] != new_folders[p] for p in new_folders if p in old_folders)
    return Changes(
        folders_added=added,
        folders_removed=removed,
        reload_clip=_changed(old, new, CLIP_KEYS),
        reload_text=_changed(old, new, TEXT_KEYS),
        needs_index=bool(added) or patterns or _changed(old, new, INDEX_RUN_KEYS),
        search_signals=_changed(old, new, SEARCH_KEYS),
        language=old.language != new.language,
        watching=bool(added or removed) or _changed(old, new, WATCH_KEYS),
        team=_changed(old, new, TEAM_KEYS),
    )


def _changed(old: Settings, new: Settings, keys: tuple[str, ...]) -> bool:
    return any(getattr(old, k) != getattr(new, k) for k in keys)
