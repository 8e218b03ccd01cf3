"""Adopted ranking parameters, versioned in the data folder, switched and rolled back.

    <data dir>/adaptation/v0001.json ...   one file per adopted version (never rewritten)
    <data dir>/adaptation/current.json     which version search uses ({"version": null}: none)
    <data dir>/adaptation/last-report.json the last adaptation run's report

Search reads :meth:`AdaptationState.params` once per query: one attribute read of an
immutable value, so a fit adopting a version (on a worker thread, or in another process that
:meth:`reload` picks up) never blocks a search or hands it half of a version.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from engine.adapt.aligner import PhotoTextMap
from engine.adapt.ranking import SHIPPED, RankingParams
from engine.adapt.report import AdaptReport
from engine.store.atomic import write_atomic

ADAPT_DIR = "adaptation"
CURRENT = "current.json"
LAST_REPORT = "last-report.json"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdoptedVersion:
    """One adopted set of parameters and where it came from."""

    version: int
    at: float
    params: RankingParams
    parts: tuple[str, ...]  # engine.adapt.report.Part values adopted in it
    examples: int
    previous: int | None  # the version it replaced (what a roll-back returns to)
    mrr_before: float | None = None  # pooled held-out MRR of its last adopted part
    mrr_after: float | None = None
    aligner: str | None = None  # file of its learned photo → text map, beside the JSON

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "at": self.at,
            "params": self.params.to_json(),
            "parts": list(self.parts),
            "examples": self.examples,
            "previous": self.previous,
            "mrr_before": self.mrr_before,
            "mrr_after": self.mrr_after,
            "aligner": self.aligner,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AdoptedVersion:
        params = data["params"]
        if not isinstance(params, dict):
            raise ValueError("adopted version: params must be an object")
        previous = data.get("previous")
        before, after = data.get("mrr_before"), data.get("mrr_after")
        return cls(
            int(data["version"]),  # type: ignore[call-overload]
            float(data["at"]),  # type: ignore[arg-type]
            RankingParams.from_json(params),
            tuple(str(p) for p in data.get("parts") or ()),  # type: ignore[attr-defined]
            int(data.get("examples") or 0),  # type: ignore[call-overload]
            int(previous) if previous is not None else None,  # type: ignore[call-overload]
            float(before) if before is not None else None,  # type: ignore[arg-type]
            float(after) if after is not None else None,  # type: ignore[arg-type]
            str(data["aligner"]) if data.get("aligner") else None,
        )


class AdaptationState:
    def __init__(self, directory: Path, enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled  # the adaptation_enabled setting (a switch, not fitted state)
        self._write_lock = threading.Lock()
        self._current = self._read_current()

    def params(self) -> RankingParams:
        """What search ranks with now: the adopted version's parameters, or the shipped ones
        when adaptation is off or nothing was adopted."""
        current = self._current
        return current.params if self.enabled and current is not None else SHIPPED

    @property
    def current(self) -> AdoptedVersion | None:
        return self._current

    def versions(self) -> list[AdoptedVersion]:
        """Every adopted version, oldest first (unreadable files are left out and logged)."""
        out = []
        for path in sorted(self.directory.glob("v[0-9]*.json")):
            version = self._read_version(path)
            if version is not None:
                out.append(version)
        return out

    def adopt(
        self,
        params: RankingParams,
        parts: tuple[str, ...],
        examples: int,
        mrr: tuple[float | None, float | None] = (None, None),
    ) -> AdoptedVersion:
        """Write ``params`` as a new version and make it current."""
        with self._write_lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            numbers = [v.version for v in self.versions()]
            previous = self._current.version if self._current is not None else None
            number = max(numbers, default=0) + 1
            aligner = None
            if params.photo_text_map is not None:
                aligner = f"v{number:04d}-aligner.npz"
                write_atomic(self.directory / aligner, params.photo_text_map.to_bytes())
            version = AdoptedVersion(
                number, time.time(), params, parts, examples, previous, *mrr, aligner
            )
            write_atomic(self._path(version.version), json.dumps(version.to_json(), indent=2))
            self._point_to(version)
            return version

    def roll_back(self) -> AdoptedVersion | None:
        """Go back to the version the current one replaced (None: the shipped ranking);
        the rolled-back version's file stays, so nothing is lost."""
        with self._write_lock:
            current = self._current
            if current is None:
                return None
            previous = current.previous
            target = self._read_version(self._path(previous)) if previous is not None else None
            self._point_to(target)
            return target

    def save_report(self, report: AdaptReport) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomic(self.directory / LAST_REPORT, json.dumps(report.to_json(), indent=2))

    def last_report(self) -> AdaptReport | None:
        try:
            data = json.loads((self.directory / LAST_REPORT).read_text(encoding="utf-8"))
            return AdaptReport.from_json(data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("adaptation report unreadable: %s", exc)
            return None

    def reload(self) -> None:
        """Read which version is current again (another process adopted one)."""
        self._current = self._read_current()

    def _point_to(self, version: AdoptedVersion | None) -> None:
        number = version.version if version is not None else None
        write_atomic(self.directory / CURRENT, json.dumps({"version": number}))
        self._current = version  # one attribute write: searches see old or new, whole

    def _path(self, version: int) -> Path:
        return self.directory / f"v{version:04d}.json"

    def _read_current(self) -> AdoptedVersion | None:
        try:
            data = json.loads((self.directory / CURRENT).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning(
                "adaptation pointer unreadable (%s): searching with the shipped ranking", exc
            )
            return None
        number = data.get("version") if isinstance(data, dict) else None
        return self._read_version(self._path(int(number))) if number is not None else None

    def _read_version(self, path: Path) -> AdoptedVersion | None:
        """A version file, or None (logged) when it is missing or damaged: search then uses
        the shipped ranking rather than failing."""
        try:
            version = AdoptedVersion.from_json(json.loads(path.read_text(encoding="utf-8")))
            if version.aligner is None:
                return version
            learned = PhotoTextMap.from_bytes((self.directory / version.aligner).read_bytes())
            return replace(version, params=replace(version.params, photo_text_map=learned))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            log.warning("adapted version %s unreadable: %s", path.name, exc)
            return None
