"""Examples out as the ``sagasu eval`` CSV, and a query-set CSV in as examples.

The format is engine.evaluation.records': ``query`` or ``photo``, and ``relevant_documents``
(``;``-separated), paths relative to the CSV's folder. It has no verdict and no page, so an
export writes the "is it" examples per query (documents, not pages), and an import adds
each row's documents as "is it" examples of the whole document."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.evaluation.records import read_query_csv
from engine.feedback import store
from engine.feedback.book import ExampleBook
from engine.feedback.capture import photo_key, text_key
from engine.feedback.examples import (
    ExampleRefused,
    ExampleSource,
    ExportSummary,
    ImportSummary,
    Verdict,
)
from engine.messages import Phase
from engine.search import Query
from engine.store.atomic import write_atomic
from engine.store.catalog import display
from engine.types import CancelCheck, Progress, ProgressCallback, never_cancel, no_progress

if TYPE_CHECKING:
    from PIL import Image

COLUMNS = ("query", "photo", "relevant_documents")


def export_examples(book: ExampleBook, path: Path) -> ExportSummary:
    """Write the examples to ``path`` (kept photos go to ``<stem>-photos/`` beside it)."""
    path = Path(path)
    base = path.resolve().parent
    summary = ExportSummary(path)
    summary.not_this_left_out = sum(1 for e in book.examples() if e.verdict is Verdict.NOT_THIS)
    rows: list[dict[str, str]] = []
    for q in store.queries(book.catalog):
        photo = ""
        if q.features is not None:
            photo = _photo_for(book, q, base, path.stem)
            if not photo:
                summary.photos_left_out += 1
                continue
            summary.photos_written += 1
        relevant = ";".join(_relative(t, base) for t in q.targets)
        rows.append({"query": q.text, "photo": photo, "relevant_documents": relevant})
    write_atomic(path, _csv_text(rows))
    summary.rows = len(rows)
    return summary


def _photo_for(book: ExampleBook, q: store.StoredQuery, base: Path, stem: str) -> str:
    """The photo's path relative to the CSV: where it was when still there, else the kept
    copy written beside the CSV, else "" (only its features are stored)."""
    if q.image_path is not None and q.image_path.is_file():
        return _relative(q.image_path, base)
    kept = next((img for i in q.example_ids if (img := store.image(book.catalog, i))), None)
    if kept is None:
        return ""
    folder = base / f"{stem}-photos"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"example-{q.example_ids[0]}.jpg"
    write_atomic(out, kept)
    return _relative(out, base)


def _relative(target: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(target, base)).as_posix()
    except ValueError:  # another drive (Windows): the absolute path
        return str(target)


def _csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def import_examples(
    book: ExampleBook,
    path: Path,
    load_image: Callable[[Path], Image.Image],
    progress: ProgressCallback = no_progress,
    cancel: CancelCheck = never_cancel,
) -> ImportSummary:
    """Add each row's relevant documents as "is it" examples of its query. A bad row (no
    query, a photo that cannot be read, a document not in the library) is reported with its
    row number and the other rows are still added; a row already there is counted, not
    added twice. Raises OSError, UnicodeDecodeError or ValueError for a file that cannot be
    read as a CSV at all."""
    try:
        rows = read_query_csv(Path(path))
    except csv.Error as exc:  # a NUL byte, a runaway quote: not a CSV this can read
        raise ValueError(str(exc)) from exc
    summary = ImportSummary()
    for n, row in enumerate(rows):
        if cancel():
            summary.cancelled = True
            break
        progress(Progress(Phase.ENCODE, n, len(rows), row.label[:80]))
        if row.error:
            summary.problems.append((row.row, row.error))
            continue
        query = Query(text=row.text)
        if row.photo is not None:
            try:
                query.image = load_image(row.photo)
            except Exception as exc:  # any unreadable photo is this row's problem, not the run's
                why = getattr(exc, "reason", None) or exc
                summary.problems.append((row.row, f"cannot read photo {row.photo}: {why}"))
                continue
        _add_row(book, row.row, query, row.relevant, row.photo, summary)
    progress(Progress(Phase.ENCODE, len(rows), len(rows), ""))
    return summary


def _add_row(
    book: ExampleBook,
    row: int,
    query: Query,
    relevant: list[Path],
    photo: Path | None,
    summary: ImportSummary,
) -> None:
    key = photo_key(query.image) if query.image is not None else text_key(query.text.strip())
    new_targets: list[tuple[Path, bytes]] = []
    for target in relevant:
        try:
            target_key = book.target_key(target, None)
        except ExampleRefused as exc:
            summary.problems.append((row, str(exc)))
            continue
        if store.exists(book.catalog, key, target_key, None, Verdict.IS_IT):
            summary.duplicates += 1
        else:
            new_targets.append((target, target_key))
    if not new_targets:
        return
    try:  # the photo's features are taken once per row, only when something is new
        first = book.prepare(
            query, new_targets[0][0], None, Verdict.IS_IT, ExampleSource.IMPORT, photo
        )
    except ExampleRefused as exc:
        summary.problems.append((row, str(exc)))
        return
    for target, target_key in new_targets:
        store.insert(
            book.catalog, replace(first, target_key=target_key, target_display=display(target))
        )
        summary.added += 1
