"""The indexer's tasks for :class:`engine.indexing.pool.ExtractPool`: read one file in a worker
process and yield its items page by page, ready for the encoder but for the image encoder's
preprocessing (torch stays in the parent, see engine.indexing.work.pixels_for). The visual
tier runs :func:`extract_visual_task` (a whole reading, or the pictures only of a file whose
text the lexical tier stored), the lexical tier :func:`text_layer_task`."""

from __future__ import annotations

import os
from collections.abc import Generator
from dataclasses import dataclass

from engine.config import Settings
from engine.extract.text_layer import iter_text_items
from engine.indexing.work import iter_items, name_first_visual, prepare
from engine.signals.tokenize import fts_tokens
from engine.store.records import NewItem
from engine.types import FileEntry, never_cancel


@dataclass(frozen=True)
class VisualTask:
    """A file for the visual tier; ``pictures_only`` when its lexical tier stored its text
    (chunks and the file name are then left out: they are in the catalog already)."""

    entry: FileEntry
    pictures_only: bool = False


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


def extract_visual_task(
    task: VisualTask, settings: Settings
) -> Generator[list[NewItem], None, list[str]]:
    """The visual tier of one file: :func:`extract_file_task`, or its pictures only, with the
    ordinals a whole reading gives them."""
    if not task.pictures_only:
        return (yield from extract_file_task(task.entry, settings))
    warnings: list[str] = []
    features = settings.visual_match_enabled
    for items in iter_items(task.entry, settings, never_cancel, warnings):
        visual = [(i, item) for i, item in enumerate(items) if item.kind.is_visual]
        yield [prepare(item, None, i, features).item for i, item in visual]
    return warnings


def text_layer_task(
    entry: FileEntry, settings: Settings
) -> Generator[list[NewItem], None, list[str]]:
    """The lexical tier of one file: per page, the page item (no picture) and its text
    chunks tokenised for the word index; the file name on the first page or the photo.
    Returns the file's warnings; raises :class:`engine.extract.ExtractError` for a file that
    cannot be read at all."""
    warnings: list[str] = []
    name = fts_tokens(os.fsdecode(entry.path.stem).replace("_", " "))
    for page_items in iter_text_items(entry, settings, never_cancel, warnings):
        out: list[NewItem] = []
        for ordinal, extracted in enumerate(page_items):
            item = NewItem(kind=extracted.kind, page=extracted.page, ordinal=ordinal)
            item.text = extracted.text
            if extracted.text.strip():
                item.lexical_body = fts_tokens(extracted.text)
            if name and item.kind.is_visual:  # file names are searchable once per file
                item.lexical_name, name = name, ""
            out.append(item)
        yield out
    return warnings
