"""What an index run did: printed by the CLI, shown by the GUI, stored in the catalog, and
passed as JSON from an indexing child process to the window (so this module stays light:
the window imports it without the extraction stack)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import cast


class BackupOutcome(StrEnum):
    """What became of the catalog backup after a run (engine.store.backup)."""

    NONE = ""  # no backup was due: the run was cancelled or changed nothing
    WRITTEN = "written"
    SKIPPED_LOW_DISK = "skipped-low-disk"  # it would have left too little free disk
    FAILED = "failed"  # the copy failed its check (or could not be written)


@dataclass
class OcrSummary:
    items: int = 0
    with_text: int = 0
    failed: int = 0
    seconds: float = 0.0


@dataclass
class IndexSummary:
    """What one run did; printed by the CLI, shown by the GUI, stored in the catalog."""

    files_seen: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_moved: int = 0
    files_deleted: int = 0
    files_upgraded: int = 0  # unchanged, but read again by a newer extractor (counted as indexed)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    pages: int = 0
    images: int = 0
    photos: int = 0
    chunks: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    image_search: str = "on"
    text_search: str = "on"  # semantic text search (MiniLM); word search works without it
    ocr: OcrSummary | None = None
    backup: BackupOutcome = BackupOutcome.NONE
    backup_problem: str = ""  # why it was skipped or failed, in words

    @property
    def changed(self) -> bool:
        """Whether the run changed what is indexed (a backup is then due)."""
        moved = self.files_indexed + self.files_moved + self.files_deleted
        return moved > 0 or (self.ocr is not None and self.ocr.items > 0)

    def to_json(self) -> dict[str, object]:
        return {
            "files_seen": self.files_seen,
            "files_indexed": self.files_indexed,
            "files_unchanged": self.files_unchanged,
            "files_moved": self.files_moved,
            "files_deleted": self.files_deleted,
            "files_upgraded": self.files_upgraded,
            "files_skipped": len(self.skipped),
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "pages": self.pages,
            "images": self.images,
            "photos": self.photos,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "cancelled": self.cancelled,
            "image_search": self.image_search,
            "text_search": self.text_search,
            "backup": self.backup.value,
            "backup_problem": self.backup_problem,
            "ocr": None
            if self.ocr is None
            else {
                "items": self.ocr.items,
                "with_text": self.ocr.with_text,
                "failed": self.ocr.failed,
                "seconds": round(self.ocr.seconds, 3),
            },
        }


def summary_from_json(data: dict[str, object]) -> IndexSummary:
    """The inverse of IndexSummary.to_json, for a summary reported by another process."""
    summary = IndexSummary()
    for name in (
        "files_seen",
        "files_indexed",
        "files_unchanged",
        "files_moved",
        "files_deleted",
        "files_upgraded",
        "pages",
        "images",
        "photos",
        "chunks",
        "seconds",
        "cancelled",
        "image_search",
        "text_search",
    ):
        if name in data:
            setattr(summary, name, data[name])
    # As IndexSummary.to_json writes it: a list of {"path": ..., "reason": ...}.
    skipped = cast("list[dict[str, object]]", data.get("skipped") or [])
    summary.skipped = [(str(s["path"]), str(s["reason"])) for s in skipped]
    summary.backup = BackupOutcome(str(data.get("backup") or ""))
    summary.backup_problem = str(data.get("backup_problem") or "")
    ocr = data.get("ocr")
    if isinstance(ocr, dict):
        summary.ocr = OcrSummary(
            int(ocr.get("items", 0)),
            int(ocr.get("with_text", 0)),
            int(ocr.get("failed", 0)),
            float(ocr.get("seconds", 0.0)),
        )
    return summary
