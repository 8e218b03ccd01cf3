"""The engine's typed messages (engine.messages) in the user's language.

Each code has one template here, written as a literal ``translate`` call so that
``pyside6-lupdate`` collects it; parameters fill it as ``str.format`` fields (``{terms}``,
``{similarity:.2f}``), so a translation can reorder them. tests/test_desktop_messages.py
checks that every code the engine defines has a template and that each Japanese template
keeps the parameters of its English one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from engine.messages import Note, NoteCode, Phase, Reason, ReasonCode, Tier
from engine.store.access import StorageProblem
from engine.types import Progress


def phase_templates() -> dict[Phase, str]:
    return {
        Phase.CRAWL: QCoreApplication.translate("Messages", "Looking for files"),
        Phase.LEXICAL: QCoreApplication.translate("Messages", "Reading text (word search)"),
        Phase.TEXT_VECTORS: QCoreApplication.translate("Messages", "Encoding text"),
        Phase.EXTRACT: QCoreApplication.translate("Messages", "Reading pages and pictures"),
        Phase.ENCODE: QCoreApplication.translate("Messages", "Encoding images"),
        Phase.ALIGN: QCoreApplication.translate("Messages", "Calibrating scores"),
        Phase.VISUAL: QCoreApplication.translate("Messages", "Updating the figure index"),
        Phase.OCR: QCoreApplication.translate("Messages", "Reading text in scans and photos"),
        Phase.REMOVE: QCoreApplication.translate("Messages", "Forgetting a removed folder"),
        Phase.EVALUATE: QCoreApplication.translate("Messages", "Evaluating"),
    }


def note_templates() -> dict[NoteCode, str]:
    return {
        NoteCode.EMPTY_QUERY: QCoreApplication.translate(
            "Messages", "Type a query or drop an image to search."
        ),
        NoteCode.NOTHING_TO_SEARCH: QCoreApplication.translate(
            "Messages", "Nothing to search for in “{text}”: only common words or symbols."
        ),
        NoteCode.NO_MATCHES: QCoreApplication.translate("Messages", "No matches."),
        NoteCode.READING_PHOTO: QCoreApplication.translate(
            "Messages", "Reading the text on the photo…"
        ),
        NoteCode.READ_FROM_PHOTO: QCoreApplication.translate(
            "Messages", "Read from the photo: {terms}"
        ),
        NoteCode.IMAGE_SEARCH_OFF: QCoreApplication.translate(
            "Messages", "Image search is off: {problem}"
        ),
        NoteCode.TEXT_SEARCH_OFF: QCoreApplication.translate(
            "Messages", "Semantic text search is off (word search still works): {problem}"
        ),
        NoteCode.OCR_OFF: QCoreApplication.translate(
            "Messages", "Text on photos is not read: {problem}"
        ),
        NoteCode.JAPANESE_OCR_OFF: QCoreApplication.translate(
            "Messages", "Japanese OCR: {problem}"
        ),
        NoteCode.ITEM_GONE: QCoreApplication.translate(
            "Messages", "That result is no longer in the index."
        ),
        NoteCode.PART_NUMBER_NOT_FOUND: QCoreApplication.translate(
            "Messages", "No file mentions {part}; the results are only related."
        ),
        NoteCode.READ_ONLY_LIBRARY: QCoreApplication.translate(
            "Messages",
            "This index folder is read-only: searching works, but indexing and changing "
            "settings are unavailable.",
        ),
    }


def reason_templates() -> dict[ReasonCode, str]:
    return {
        ReasonCode.TEXT_SIMILAR: QCoreApplication.translate(
            "Messages", "text similarity ({similarity:.2f})"
        ),
        ReasonCode.LOOKS_LIKE_DESCRIPTION: QCoreApplication.translate(
            "Messages", "looks like the description ({similarity:.2f})"
        ),
        ReasonCode.VISUALLY_SIMILAR: QCoreApplication.translate(
            "Messages", "visually similar ({similarity:.2f})"
        ),
        ReasonCode.TEXT_ABOUT_IT: QCoreApplication.translate(
            "Messages", "text about it ({similarity:.2f})"
        ),
        ReasonCode.TERMS: QCoreApplication.translate("Messages", "terms: {terms}"),
        ReasonCode.PHOTO_TERMS: QCoreApplication.translate(
            "Messages", "text read from the photo: {terms}"
        ),
        ReasonCode.PART_NUMBER: QCoreApplication.translate("Messages", "part number {part}"),
        ReasonCode.SIMILAR_PART_NUMBER: QCoreApplication.translate(
            "Messages", "similar part number {part}"
        ),
        ReasonCode.PHOTO_PART_NUMBER: QCoreApplication.translate(
            "Messages", "part number {part} (read from the photo)"
        ),
        ReasonCode.PHOTO_SIMILAR_PART_NUMBER: QCoreApplication.translate(
            "Messages", "similar part number {part} (read from the photo)"
        ),
        ReasonCode.FIGURE_MATCHED: QCoreApplication.translate(
            "Messages", "figure matched ({inliers} inliers)"
        ),
        ReasonCode.PRINTED_PASSAGE: QCoreApplication.translate(
            "Messages", "shows the text read from the photo ({share:.0%}): “{excerpt}”"
        ),
        ReasonCode.UNREADABLE: QCoreApplication.translate("Messages", "{detail}"),
        ReasonCode.EXTRACT_FAILED: QCoreApplication.translate(
            "Messages", "could not be read ({error})"
        ),
        ReasonCode.STALLED: QCoreApplication.translate(
            "Messages",
            "reading it gave nothing for {seconds:.0f} s and was stopped "
            "(setting extract_stall_seconds)",
        ),
        ReasonCode.TIMED_OUT: QCoreApplication.translate(
            "Messages",
            "reading it took over {seconds:.0f} s and was stopped (setting extract_file_seconds)",
        ),
        ReasonCode.WORKER_DIED: QCoreApplication.translate(
            "Messages", "the process reading it ended unexpectedly ({detail})"
        ),
    }


def storage_templates() -> dict[StorageProblem, str]:
    return {
        StorageProblem.DISK_FULL: QCoreApplication.translate(
            "Messages",
            "The disk holding the search index is full. Free some space, then index again; "
            "what was indexed is kept.",
        ),
        StorageProblem.READ_ONLY: QCoreApplication.translate(
            "Messages",
            "The index folder is read-only: searching works, but indexing and changing "
            "settings need write access to it.",
        ),
    }


def storage_text(problem: StorageProblem) -> str:
    """A full disk or a read-only data folder, in the user's language (the indexing child
    sends the code in engine.protocol.RunFailed.storage)."""
    return storage_templates()[problem]


def note_text(note: Note) -> str:
    return _fill(note_templates()[note.code], note.params, note.english)


def reason_text(reason: Reason) -> str:
    return _fill(reason_templates()[reason.code], reason.params, reason.english)


def phase_text(phase: Phase) -> str:
    return phase_templates()[phase]


def progress_text(p: Progress) -> str:
    """One status-bar line: what is being done, how far, how long still."""
    parts = [phase_text(p.phase)]
    if p.total:
        unit = (
            QCoreApplication.translate("Messages", "{0} of {1} files")
            if p.phase in _FILE_PHASES
            else QCoreApplication.translate("Messages", "{0} of {1}")
        )
        parts.append(unit.format(p.done, p.total))
    elif p.phase is Phase.CRAWL and p.done:
        parts.append(QCoreApplication.translate("Messages", "{0} files found").format(p.done))
    if p.pages and p.pages_total:
        parts.append(
            QCoreApplication.translate("Messages", "{0} of {1} pages").format(
                p.pages, p.pages_total
            )
        )
    elif p.pages:
        parts.append(QCoreApplication.translate("Messages", "{0} pages").format(p.pages))
    if p.rate:
        parts.append(QCoreApplication.translate("Messages", "{0:.1f} pages/s").format(p.rate))
    if p.eta_seconds:
        parts.append(
            QCoreApplication.translate("Messages", "about {0} left").format(
                duration_text(p.eta_seconds)
            )
        )
    return " · ".join(parts)


_FILE_PHASES = (Phase.LEXICAL, Phase.TEXT_VECTORS, Phase.EXTRACT, Phase.REMOVE)


def tiers_text(tiers: dict[str, int], files: int) -> str:
    """The status line's account of an index whose later tiers are not done for every
    file (empty when they are): word search already covers the files the lexical tier has."""
    pictures = tiers.get(Tier.VISUAL.value, files)
    if not files or pictures >= files:
        return ""
    words = tiers.get(Tier.LEXICAL.value, files)
    return " · " + QCoreApplication.translate(
        "Messages", "word search on {0} files, pictures on {1} so far"
    ).format(words, pictures)


def duration_text(seconds: float) -> str:
    whole = int(seconds)
    if whole < 90:
        return QCoreApplication.translate("Messages", "{0} s").format(whole)
    if whole < 5400:
        return QCoreApplication.translate("Messages", "{0} min").format(whole // 60)
    return QCoreApplication.translate("Messages", "{0} h {1} min").format(
        whole // 3600, whole % 3600 // 60
    )


def _fill(template: str, params: dict[str, str | int | float], english: Callable[[], str]) -> str:
    """A translated template filled in; a translation that lost a parameter (or mistyped a
    format) falls back to the English text rather than failing a search."""
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return english()
