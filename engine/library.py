"""Library: the engine's one front door. One indexed collection in one data directory.

The CLI, the desktop app and the tests reach the engine only through this class: index,
encode what lacks vectors after weights arrive, search, remove a folder, adopt new settings,
manage models, read thumbnails and pages. Every method is a plain synchronous call (long ones
take progress and cancel callbacks), so a GUI runs it on a worker thread and a test calls it
directly. Messages it hands out are typed values (engine.messages, engine.changes).

Lines: this module is the engine's whole public surface, kept as thin delegations (the work
lives in the pipeline's modules); it stays near 400 lines for that reason.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout
from PIL import Image

from engine.adapt.state import ADAPT_DIR, AdaptationState
from engine.align.state import AlignmentState
from engine.changes import Changes, diff_settings
from engine.config import (
    LATEST_REPORT,
    REPORTS_DIR,
    FolderConfig,
    Settings,
    default_data_dir,
    default_store,
    load_settings,
    save_settings,
)
from engine.encode.encoders import Encoders
from engine.errors import IndexBusy as IndexBusy  # clients catch it from the front door
from engine.imaging import encoder_view
from engine.library_feedback import FeedbackFront
from engine.library_models import ModelsFront
from engine.library_status import library_status, ocr_status
from engine.local_source import LocalResults
from engine.messages import Note, NoteCode, Phase, Tier, note
from engine.recovery import (
    Repair,
    back_up_checked,
    check_after_crash,
    prepare,
    unfinished_on_failure,
)
from engine.search import Query, Searcher, SearchOutcome, Signal
from engine.signals.ocr_choice import OcrReader, ocr_choice, reader_for
from engine.signals.visual import VisualSearch
from engine.store.access import ReadOnlyFolder as ReadOnlyFolder  # clients catch it here
from engine.store.access import is_read_only, refuse_if_read_only
from engine.store.atomic import sweep_stale_temporaries
from engine.store.backup import backups
from engine.store.catalog import Catalog
from engine.store.vectors import VectorStore
from engine.types import (
    CancelCheck,
    Progress,
    ProgressCallback,
    TierCallback,
    TierDone,
    never_cancel,
    no_progress,
    no_tier_report,
)

if TYPE_CHECKING:  # the indexing stack (PyMuPDF, OpenCV) loads when an index run starts
    from engine.summary import IndexSummary, OcrSummary
    from engine.team.view import TeamAccess

FOLDERS_ADOPTED = "folders-adopted"  # Library._adopt_indexed_folders ran for this data dir


class Library(FeedbackFront, ModelsFront, LocalResults):
    def __init__(
        self,
        data_dir: Path | None = None,
        settings: Settings | None = None,
        encoders: Encoders | None = None,
        extra_signals: list[Signal] | None = None,
        store: str | None = None,
    ) -> None:
        """``store``: a ``postgresql://`` URL for a team library's catalog (default:
        ``SAGASU_STORE``, else the SQLite file in ``data_dir``, which then holds only this
        machine's settings and caches)."""
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.store = store if store is not None else default_store()
        # A read-only folder (a finished library on a share) is searched as it is and never
        # written: engine.store.access.
        self.read_only = is_read_only(self.data_dir)
        if not self.read_only:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        self._settings = settings or load_settings(self.data_dir)
        if not self.read_only:
            self._sweep_interrupted_writes()
        self.catalog = Catalog(self.data_dir, read_only=self.read_only, store=self.store)
        self.vectors = VectorStore(
            self.catalog, self.data_dir / "vectors", read_only=self.read_only
        )
        self.encoders = encoders or Encoders(self._settings)
        self.alignment = AlignmentState(self.data_dir / "alignment", self.catalog.db.shared_state)
        self.alignment.enabled = self._settings.calibration_enabled
        self.visual = VisualSearch(self.catalog, self.data_dir / "visual")
        self._ocr: OcrReader | None = None
        self.searcher = Searcher(
            self.catalog,
            self.catalog.db.vector_index or self.vectors,  # pgvector on a team store
            self.encoders,
            self.alignment,
            visual=self.visual if self._settings.visual_match_enabled else None,
            ocr=self.ocr_engine,
            extra_signals=extra_signals,
        )
        self.adaptation = AdaptationState(
            self.data_dir / ADAPT_DIR, enabled=self._settings.adaptation_enabled
        )
        self.searcher.params = self.adaptation.params  # engine.adapt: read once per query
        self._lock = FileLock(str(self.data_dir / "index.lock"))
        if self.catalog.local:  # PostgreSQL checks itself; its runs are the writer's own
            check_after_crash(self.catalog, self._lock)
        # Seconds the last search() spent loading models (part of its outcome.seconds).
        self.last_model_load_seconds = 0.0
        if settings is None and not self.read_only:
            self._adopt_indexed_folders()

    @classmethod
    def repair(
        cls,
        data_dir: Path | None = None,
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
    ) -> Repair:
        """Rebuild a damaged catalog (engine.recovery): move it aside, restore the newest good
        backup, then index the library's folders (only what changed since the backup, or
        everything without one). Settings and user data stay."""
        data_dir = Path(data_dir) if data_dir else default_data_dir()
        refuse_if_read_only(data_dir)
        prepared = prepare(data_dir)
        with cls(data_dir) as library:
            summary = library.index(progress=progress, cancel=cancel)
        return Repair(prepared.moved_aside, prepared.restored_from, summary)

    def _sweep_interrupted_writes(self) -> None:
        """Delete the temporary files a killed write left (vector files, alignment, settings,
        a model download), never one a live writer in another process still holds."""
        sweep_stale_temporaries(self.data_dir, depth=1)
        sweep_stale_temporaries(self._settings.resolved_models_dir, depth=2)

    @property
    def settings(self) -> Settings:
        """The settings in force (immutable; replaced whole by :meth:`apply_settings`)."""
        return self._settings

    def close(self) -> None:
        try:
            self.searcher.close()
            self.vectors.save()  # reads the catalog: raises CatalogDamaged on a damaged one
        finally:
            self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- settings ------------------------------------------------------------------------

    def apply_settings(self, new: Settings) -> Changes:
        """Adopt ``new`` settings: save them, do the engine's part of what changed (reload
        encoders, switch signals), and return the changes so the client does its part (start
        an index run, encode stored images, forget removed folders with remove_folder...)."""
        changes = diff_settings(self._settings, new)
        self._refuse_if_read_only()
        changes_from = self._settings
        save_settings(self.data_dir, new)
        self._settings = new
        self.encoders.settings = new
        if changes.reload_clip:
            self.encoders.reset_clip()
        if changes.reload_text:
            self.encoders.reset_text()
        self.alignment.enabled = new.calibration_enabled
        self.adaptation.enabled = new.adaptation_enabled
        self.searcher.visual = self.visual if new.visual_match_enabled else None
        if ocr_choice(new) != ocr_choice(changes_from):
            self._ocr = None  # the next read builds the reader the new settings ask for
        return changes

    def persist_settings(self) -> None:
        """Write the settings in force to the data folder (where an indexing child process
        reads them)."""
        save_settings(self.data_dir, self._settings)

    def add_folders(self, folders: list[FolderConfig]) -> Changes:
        """Remember ``folders`` as the library's (the CLI's ``index FOLDER``, a drop)."""
        settings = self._settings
        for folder in folders:
            settings = settings.with_folder(folder)
        return self.apply_settings(settings) if settings != self._settings else Changes()

    def _adopt_indexed_folders(self) -> None:
        """Migration: a library indexed before ``sagasu index FOLDER`` remembered its folders
        has files in its catalog but no folders in its settings, so a bare ``sagasu index``
        had nothing to do and the window greeted it as empty. Such a library adopts the roots
        its files were indexed under as its folders, once (a marker file records it, so a
        folder the user removes later is not adopted again while its files are forgotten)."""
        marker = self.data_dir / FOLDERS_ADOPTED
        if self._settings.folders or marker.exists():
            return
        roots = sorted({str(r) for (r,) in self.catalog.query("SELECT DISTINCT root FROM files")})
        if not roots:
            return
        settings_before = self._settings
        try:
            self.add_folders([FolderConfig(root) for root in roots])
            marker.write_text("\n".join(roots) + "\n", encoding="utf-8")
        except OSError:  # a read-only library is still searchable; it adopts them next time
            self._settings = settings_before

    # --- indexing ------------------------------------------------------------------------

    def index(
        self,
        folders: list[FolderConfig] | None = None,
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
        on_tier: TierCallback = no_tier_report,
        ray_address: str | None = None,
    ) -> IndexSummary:
        """Bring the index in step with ``folders`` (default: the library's folders), tier by
        tier (engine.messages.Tier; ``on_tier`` hears of each as it completes for the whole
        run), then bring what is derived from it up to date (encoding, calibration, visual
        index), then OCR, the last tier. Files are read (and encoded) on the Ray cluster at
        ``ray_address`` (default: the setting; "": this computer)."""
        folders = folders if folders is not None else list(self._settings.folders)
        with self._index_lock():
            from engine.indexing.executor_choice import open_executor
            from engine.indexing.indexer import Indexer  # extraction stack: when indexing

            started = time.monotonic()
            self.catalog.check_whole()  # never write on top of damage (RELIABILITY.md)
            address = self._settings.ray_address if ray_address is None else ray_address
            executor = open_executor(self._settings, address)
            indexer = Indexer(
                self.catalog, self.vectors, self.encoders, self._settings, None, executor
            )
            try:
                summary = indexer.run(folders, progress, cancel, on_tier)
            finally:
                executor.close()
            if not summary.cancelled:
                with unfinished_on_failure(self.catalog, indexer.run_id, summary):
                    self._encode_and_refit(progress, cancel)
                    self.catalog.db.build_vector_graphs(self.catalog.space_dims())
                    summary.ocr = self._read_text(progress, cancel)
                summary.cancelled = cancel()
            if not summary.cancelled:
                read = summary.ocr.items if summary.ocr else 0  # pages and photos read
                on_tier(TierDone(Tier.OCR, time.monotonic() - indexer.started, read, read))
            # The whole run as the user waited for it: the main pass, calibration, the
            # visual index and OCR (the indexer recorded its main pass alone).
            summary.seconds = time.monotonic() - started
            if indexer.run_id is not None:
                status = "cancelled" if summary.cancelled else "completed"
                self.catalog.finish_run(indexer.run_id, status, summary.to_json())
            if not summary.cancelled and (summary.changed or not backups(self.data_dir)):
                backup = back_up_checked(self.catalog)
                summary.backup, summary.backup_problem = backup.outcome, backup.problem
            return summary

    def encode_pending(
        self, progress: ProgressCallback = no_progress, cancel: CancelCheck = never_cancel
    ) -> int:
        """Encode stored items that have no vector yet (image weights installed after
        indexing, or a model switch) and refit calibration and the text bridge to them.
        Returns how many items were encoded."""
        with self._index_lock():
            return self._encode_and_refit(progress, cancel, force=True)

    def remove_folder(
        self,
        folder: str | Path,
        progress: ProgressCallback = no_progress,
        cancel: CancelCheck = never_cancel,
    ) -> int:
        """Forget every file indexed under ``folder`` (it left the library's folders); each
        file is one transaction, so a cancelled removal resumes where it stopped. Returns
        how many files were forgotten."""
        from engine.crawl import folder_root

        with self._index_lock():
            ids = self.catalog.file_ids_under(folder_root(folder))
            done = 0
            for done, file_id in enumerate(ids, 1):
                self.vectors.remove_items(self.catalog.delete_file(file_id))
                progress(Progress(Phase.REMOVE, done, len(ids)))
                if cancel():
                    break
            self.vectors.save()
            if done:
                self.alignment.refresh(self.catalog, self.vectors, self.encoders)
                back_up_checked(self.catalog)  # a backup must not bring the folder back
        return done

    def reload(self) -> None:
        """Pick up what another process (the desktop's indexing child) wrote: the catalog is
        read live; the ANN indexes, calibration and visual index are reloaded on next use."""
        self.vectors.forget()
        self.alignment.reload()
        self.adaptation.reload()

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise ReadOnlyFolder(self.data_dir)

    def _index_lock(self) -> contextlib.AbstractContextManager[object]:
        """Every call that writes the index holds it; a read-only folder refuses them all."""
        self._refuse_if_read_only()
        try:
            self._lock.acquire(timeout=0.5)
        except Timeout as exc:
            raise IndexBusy(
                f"Another Sagasu process is indexing {self.data_dir}; wait for it to finish."
            ) from exc
        held = contextlib.ExitStack()
        held.enter_context(_Releasing(self._lock))
        try:  # a team catalog has writers on other machines too
            held.enter_context(self.catalog.writer_lock())
        except BaseException:
            held.close()
            raise
        return held

    def _encode_and_refit(
        self, progress: ProgressCallback, cancel: CancelCheck, force: bool = False
    ) -> int:
        """The one path after anything added vectors: encode what lacks them, then bring
        calibration, the text bridge and the exact-visual index up to date."""
        from engine.indexing.deferred import encode_missing  # the encoders' stack: when used

        encoded = encode_missing(
            self.catalog, self.vectors, self.encoders, self._settings.batch_size, progress, cancel
        )
        if cancel():
            return encoded
        progress(Progress(Phase.ALIGN, 0, 1))
        self.alignment.refresh(self.catalog, self.vectors, self.encoders, force=force)
        self.vectors.save()
        progress(Progress(Phase.ALIGN, 1, 1))
        if self._settings.visual_match_enabled:
            progress(Progress(Phase.VISUAL, 0, 1))
            self.visual.refresh()
            progress(Progress(Phase.VISUAL, 1, 1))
        return encoded

    def _read_text(self, progress: ProgressCallback, cancel: CancelCheck) -> OcrSummary | None:
        engine = self.ocr_engine()
        if engine is None:
            return None
        from engine.indexing.ocr_pass import run_ocr

        return run_ocr(self.catalog, self._settings, engine, progress, cancel)

    def ocr_engine(self) -> OcrReader | None:
        """The OCR reader when OCR is on in the settings (its engines load lazily, once)."""
        if not self._settings.ocr_enabled:
            return None
        if self._ocr is None:
            self._ocr = reader_for(self._settings)
        return self._ocr

    def ocr_note(self) -> Note | None:
        """Why Japanese print is read less well than the settings ask (Tesseract missing or
        without its language data, an unknown engine setting); None when all is well. Runs
        ``tesseract --list-langs`` once per reader."""
        reader = self.ocr_engine()
        problem = reader.problem() if reader is not None else ""
        return note(NoteCode.JAPANESE_OCR_OFF, problem=problem) if problem else None

    # --- searching -----------------------------------------------------------------------

    def search(
        self, query: Query, on_partial: Callable[[SearchOutcome], None] | None = None
    ) -> SearchOutcome:
        """Search the index; ``on_partial`` receives a first ranking while the query photo's
        text is still being read (engine.search.Searcher.search). The part of the call spent
        loading models is left in :attr:`last_model_load_seconds`."""
        waited = self.encoders.model_wait_seconds()
        try:
            return self.searcher.search(query, on_partial)
        finally:
            self.last_model_load_seconds = self.encoders.model_wait_seconds() - waited

    def search_text(self, text: str, top_k: int = 20) -> SearchOutcome:
        return self.search(Query(text=text, top_k=top_k))

    def search_image(self, image: Image.Image, top_k: int = 20) -> SearchOutcome:
        return self.search(Query(image=image, top_k=top_k))

    def similar_to(self, item_id: int, top_k: int = 20) -> SearchOutcome:
        """ "Find similar": search with an indexed item (its picture, or its text) as the query."""
        row = self.catalog.items([item_id]).get(item_id)
        if row is None:
            return SearchOutcome([], [note(NoteCode.ITEM_GONE)])
        if row.kind.is_visual:
            thumb = self.catalog.thumbnail(item_id)
            if thumb:
                image = encoder_view(thumb)
                return self.search(Query(image=image, top_k=top_k, exclude_item=item_id))
        return self.search(Query(text=row.text[:300], top_k=top_k, exclude_item=item_id))

    # --- documents: what a client shows of a result ----------------------------------------

    def thumbnail(self, item_id: int) -> bytes | None:
        """The item's small JPEG; a text chunk has none, so the page it is on stands in."""
        return self.catalog.preview_thumbnail(item_id)

    @staticmethod
    def render_page(path: Path, page: int, max_side: int, dpi: int = 300) -> Image.Image:
        """A PDF page as an image (raises engine.extract.ExtractError for a bad PDF)."""
        from engine.extract.pdf import render_page

        return render_page(path, page, dpi=dpi, max_side=max_side)

    @staticmethod
    def pdf_page_count(path: Path) -> int:
        from engine.extract.pdf import pdf_page_count

        return pdf_page_count(path)

    def load_query_image(self, source: Path | bytes) -> Image.Image:
        """A dropped or pasted image, decoded safely (raises ExtractError or OSError)."""
        from engine.extract.images import load_query_image

        return load_query_image(source, self._settings.max_image_pixels)

    def latest_report(self) -> Path | None:
        """The newest ``sagasu eval`` report of this library, if any."""
        path = self.data_dir / REPORTS_DIR / LATEST_REPORT
        return path if path.is_file() else None

    # --- status --------------------------------------------------------------------------

    def counts(self) -> dict[str, object]:
        """What the status bar shows: item counts, files per tier and the last run (no model
        is loaded)."""
        return {
            "counts": self.catalog.counts(),
            "tiers": self.catalog.tier_counts(),
            "last_run": self.catalog.last_run(),
            "ocr_note": ocr_status(self._settings, self.ocr_note())["ocr_note"],
        }

    def check(self) -> None:
        """Read every page of the catalog (PRAGMA quick_check: about a second per GB); raise
        CatalogDamaged when one is damaged. ``sagasu status`` asks for it."""
        self.catalog.check_whole()

    def status(self) -> dict[str, object]:
        """Counts, model state and skipped files, cheaply: no model is loaded for it
        (engine.library_status)."""
        status = library_status(self.data_dir, self._settings, self.catalog, self.encoders)
        status["read_only"] = self.read_only
        status["store"] = self.catalog.where()  # the team catalog's URL, without a password
        status.update(ocr_status(self._settings, self.ocr_note()))
        return status

    def team(self) -> TeamAccess:
        """Users, groups and what each may read, for ``sagasu serve`` (engine.team): kept in
        the library's catalog, so a team store holds them for every ``serve`` process."""
        from engine.team.view import TeamAccess

        return TeamAccess(self.catalog, self.status)

    def access_note(self) -> Note | None:
        """What a client shows for as long as the library is open: a read-only data folder
        can be searched but not indexed."""
        return note(NoteCode.READ_ONLY_LIBRARY) if self.read_only else None


class _Releasing(contextlib.AbstractContextManager[object]):
    def __init__(self, lock: FileLock) -> None:
        self._lock = lock

    def __exit__(self, *_: object) -> None:
        self._lock.release()
