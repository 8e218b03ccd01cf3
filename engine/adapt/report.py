"""What an adaptation run found, as typed values a window renders and a report prints:
per part, the held-out figures before and after in every fold, whether it was adopted, and
how many more examples it needs when there were too few."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Part(StrEnum):
    """The adaptable parts, in order of how little data each needs."""

    FUSION_WEIGHTS = "fusion-weights"
    CALIBRATION = "calibration"
    ALIGNER = "aligner"


class Outcome(StrEnum):
    ADOPTED = "adopted"  # it beat the current ranking on held-out examples
    NOT_BETTER = "not-better"  # fitted and cross-validated, and no better: not adopted
    NEEDS_MORE = "needs-more"  # too few examples to fit it honestly
    NO_IMAGE_ENCODER = "no-image-encoder"  # the aligner needs CLIP vectors of photo queries
    CANCELLED = "cancelled"


PART_TITLES = {
    Part.FUSION_WEIGHTS: "fusion weights across signals",
    Part.CALIBRATION: "per-space calibration",
    Part.ALIGNER: "learned aligner (photo → document text)",
}


@dataclass(frozen=True)
class Figures:
    """Recall@1, Recall@5 and MRR over ``n`` queries."""

    n: int
    recall_at_1: float
    recall_at_5: float
    mrr: float


@dataclass(frozen=True)
class Fold:
    """One cross-validation fold: fitted on ``train`` queries, figures on the held-out ones."""

    index: int
    train: int
    before: Figures
    after: Figures


@dataclass(frozen=True)
class PartReport:
    part: Part
    outcome: Outcome
    examples: int  # labelled queries this part could learn from
    minimum: int  # it is fitted from this many on (engine.adapt.fit's named minimums)
    folds: tuple[Fold, ...] = ()
    before: Figures | None = None  # every held-out query once, pooled over the folds
    after: Figures | None = None
    params: dict[str, object] = field(default_factory=dict)  # what was fitted on all examples

    @property
    def needs_more(self) -> int:
        """How many more examples before this part is fitted (0: enough)."""
        return max(0, self.minimum - self.examples)


@dataclass(frozen=True)
class AdaptReport:
    at: float
    examples: int  # labelled queries (is-it examples grouped per query)
    parts: tuple[PartReport, ...]
    version: int | None  # the version adopted by this run; None: nothing new adopted
    seconds: float
    folds: int
    cancelled: bool = False

    @property
    def adopted(self) -> list[Part]:
        return [p.part for p in self.parts if p.outcome is Outcome.ADOPTED]

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["parts"] = [{**asdict(p), "needs_more": p.needs_more} for p in self.parts]
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AdaptReport:
        parts = tuple(_part(p) for p in data["parts"])  # type: ignore[attr-defined]
        return cls(
            float(data["at"]),  # type: ignore[arg-type]
            int(data["examples"]),  # type: ignore[call-overload]
            parts,
            int(data["version"]) if data.get("version") is not None else None,  # type: ignore[call-overload]
            float(data["seconds"]),  # type: ignore[arg-type]
            int(data["folds"]),  # type: ignore[call-overload]
            bool(data.get("cancelled")),
        )

    def text(self) -> str:
        """The report as plain lines (``sagasu feedback adapt``, the eval report)."""
        lines = [f"Adaptation on {self.examples} labelled queries, {self.folds}-fold CV:"]
        for p in self.parts:
            lines.append(f"  {PART_TITLES[p.part]}: {_verdict(p)}")
            for f in p.folds:
                lines.append(
                    f"    fold {f.index}: train {f.train:3d}, held out {f.before.n:3d}:"
                    f" {_figs(f.before)}  ->  {_figs(f.after)}"
                )
            if p.before and p.after:
                lines.append(f"    all held out: {_figs(p.before)}  ->  {_figs(p.after)}")
        if self.version is not None:
            lines.append(f"Adopted as version {self.version}.")
        return "\n".join(lines)

    def html(self) -> str:
        """A section for the HTML evaluation report."""
        rows = []
        for p in self.parts:
            rows.append(
                f"<tr><th colspan=4>{html.escape(PART_TITLES[p.part])}: "
                f"{html.escape(_verdict(p))}</th></tr>"
            )
            for f in p.folds:
                rows.append(
                    f"<tr><td>fold {f.index}</td><td>{f.train} / {f.before.n}</td>"
                    f"<td>{_figs(f.before)}</td><td>{_figs(f.after)}</td></tr>"
                )
            if p.before and p.after:
                rows.append(
                    f"<tr><td><b>all held out</b></td><td>{p.before.n}</td>"
                    f"<td>{_figs(p.before)}</td><td>{_figs(p.after)}</td></tr>"
                )
        head = (
            f"<h2>Adaptation</h2><p>{self.examples} labelled queries, {self.folds}-fold "
            "cross-validation: each fold is fitted on the other folds' queries and measured on "
            "its own (R@1 / R@5 / MRR).</p>"
        )
        table = "<table><tr><th>fold</th><th>train / held out</th><th>before</th>"
        return head + table + "<th>after</th></tr>" + "".join(rows) + "</table>"


def _verdict(p: PartReport) -> str:
    if p.outcome is Outcome.NEEDS_MORE:
        return f"needs {p.needs_more} more (has {p.examples}, fitted from {p.minimum})"
    if p.outcome is Outcome.NO_IMAGE_ENCODER:
        return "not fitted: no image encoder (CLIP) vectors for the photo queries"
    return p.outcome.value


def _figs(f: Figures) -> str:
    return f"{f.recall_at_1:.3f} / {f.recall_at_5:.3f} / {f.mrr:.3f}"


def _figures(data: object) -> Figures | None:
    return Figures(**data) if isinstance(data, dict) else None


def _part(data: dict[str, object]) -> PartReport:
    folds = tuple(
        Fold(int(f["index"]), int(f["train"]), _figures(f["before"]), _figures(f["after"]))  # type: ignore[arg-type]
        for f in data.get("folds", ())  # type: ignore[attr-defined]
    )
    return PartReport(
        Part(str(data["part"])),
        Outcome(str(data["outcome"])),
        int(data["examples"]),  # type: ignore[call-overload]
        int(data["minimum"]),  # type: ignore[call-overload]
        folds,
        _figures(data.get("before")),
        _figures(data.get("after")),
        dict(data.get("params") or {}),  # type: ignore[call-overload]
    )
