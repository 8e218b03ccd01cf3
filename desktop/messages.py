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

from engine.messages import Note, NoteCode, Phase, Reason, ReasonCode
from engine.types import Progress

CONTEXT = "Messages"


def _t(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def phase_templates() -> dict[Phase, str]:
    tr = QCoreApplication.translate
    return {
        Phase.CRAWL: tr("Messages", "Looking for files"),
        Phase.EXTRACT: tr("Messages", "Reading files"),
        Phase.ENCODE: tr("Messages", "Encoding images"),
        Phase.ALIGN: tr("Messages", "Calibrating scores"),
        Phase.VISUAL: tr("Messages", "Updating the figure index"),
        Phase.OCR: tr("Messages", "Reading text in scans and photos"),
        Phase.REMOVE: tr("Messages", "Forgetting a removed folder"),
        Phase.EVALUATE: tr("Messages", "Evaluating"),
    }


def note_templates() -> dict[NoteCode, str]:
    tr = QCoreApplication.translate
    return {
        NoteCode.EMPTY_QUERY: tr("Messages", "Type a query or drop an image to search."),
        NoteCode.NOTHING_TO_SEARCH: tr(
            "Messages", "Nothing to search for in “{text}”: only common words or symbols."
        ),
        NoteCode.NO_MATCHES: tr("Messages", "No matches."),
        NoteCode.READING_PHOTO: tr("Messages", "Reading the text on the photo…"),
        NoteCode.READ_FROM_PHOTO: tr("Messages", "Read from the photo: {terms}"),
        NoteCode.IMAGE_SEARCH_OFF: tr("Messages", "Image search is off: {problem}"),
        NoteCode.TEXT_SEARCH_OFF: tr(
            "Messages", "Semantic text search is off (word search still works): {problem}"
        ),
        NoteCode.OCR_OFF: tr("Messages", "Text on photos is not read: {problem}"),
        NoteCode.ITEM_GONE: tr("Messages", "That result is no longer in the index."),
    }


def reason_templates() -> dict[ReasonCode, str]:
    tr = QCoreApplication.translate
    return {
        ReasonCode.TEXT_SIMILAR: tr("Messages", "text similarity ({similarity:.2f})"),
        ReasonCode.LOOKS_LIKE_DESCRIPTION: tr(
            "Messages", "looks like the description ({similarity:.2f})"
        ),
        ReasonCode.VISUALLY_SIMILAR: tr("Messages", "visually similar ({similarity:.2f})"),
        ReasonCode.TEXT_ABOUT_IT: tr("Messages", "text about it ({similarity:.2f})"),
        ReasonCode.TERMS: tr("Messages", "terms: {terms}"),
        ReasonCode.PHOTO_TERMS: tr("Messages", "text read from the photo: {terms}"),
        ReasonCode.PART_NUMBER: tr("Messages", "part number {part}"),
        ReasonCode.SIMILAR_PART_NUMBER: tr("Messages", "similar part number {part}"),
        ReasonCode.PHOTO_PART_NUMBER: tr("Messages", "part number {part} (read from the photo)"),
        ReasonCode.PHOTO_SIMILAR_PART_NUMBER: tr(
            "Messages", "similar part number {part} (read from the photo)"
        ),
        ReasonCode.FIGURE_MATCHED: tr("Messages", "figure matched ({inliers} inliers)"),
        ReasonCode.PRINTED_PASSAGE: tr(
            "Messages", "shows the text read from the photo ({share:.0%}): “{excerpt}”"
        ),
    }


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
            _t("{0} of {1} files") if p.phase in (Phase.EXTRACT, Phase.REMOVE) else _t("{0} of {1}")
        )
        parts.append(unit.format(p.done, p.total))
    elif p.phase is Phase.CRAWL and p.done:
        parts.append(_t("{0} files found").format(p.done))
    if p.pages:
        parts.append(_t("{0} pages").format(p.pages))
    if p.eta_seconds:
        parts.append(_t("about {0} left").format(duration_text(p.eta_seconds)))
    return " · ".join(parts)


def duration_text(seconds: float) -> str:
    whole = int(seconds)
    if whole < 90:
        return _t("{0} s").format(whole)
    if whole < 5400:
        return _t("{0} min").format(whole // 60)
    return _t("{0} h {1} min").format(whole // 3600, whole % 3600 // 60)


def _fill(template: str, params: dict[str, str | int | float], english: Callable[[], str]) -> str:
    """A translated template filled in; a translation that lost a parameter (or mistyped a
    format) falls back to the English text rather than failing a search."""
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return english()
