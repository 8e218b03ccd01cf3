"""The indexer's task for :class:`engine.indexing.pool.ExtractPool`: read one file in a worker
process and yield its items page by page, ready for the encoder but for the image encoder's
preprocessing (torch stays in the parent, see engine.indexing.work.pixels_for)."""

from __future__ import annotations

from collections.abc import Generator

from engine.config import Settings
from engine.indexing.work import iter_items, name_first_visual, prepare
from engine.store.records import NewItem
from engine.types import FileEntry, never_cancel


def extract_file_task(
    entry: FileEntry, settings: Settings
) -> Generator[list[NewItem], None, list[str]]:
    """One list of items per page (one list for a photo); returns the file's warnings.

    Never cancelled from inside: the pool stops the whole process on a cancel or a limit.
    Raises :class:`engine.extract.ExtractError` for a file that cannot be read at all.
    """
    warnings: list[str] = []
    features = settings.visual_match_enabled
    first = True
    for items in iter_items(entry, settings, never_cancel, warnings):
        prepared = [prepare(item, None, i, features) for i, item in enumerate(items)]
        if first:
            name_first_visual(prepared, entry.path)
            first = False
        yield [p.item for p in prepared]
    return warnings
