"""``sagasu eval``: the built-in retrieval evaluation on the command line.

    sagasu eval [--data-dir DIR] [--json] [--report [OUT]] [--top-k N] [--signals S1,S2]
                [--no-calibration] [--per-signal | --compare] [CSV...]

With no CSV it evaluates against the library's own examples (``sagasu feedback``), keeps the
figures for the plot over time, and the report gets the last adaptation run's section.

Hooked into engine.cli by :func:`add_eval_parser`; the work is engine.evaluation.run.run_eval and
engine.evaluation.report.write_report.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from engine.cli.progress import TerminalProgress
    from engine.evaluation.records import EvalConfig, EvalResult
    from engine.library import Library

REPORT_DEFAULT = "default"


def add_eval_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "eval", parents=[common], help="evaluate retrieval on labelled query sets (CSV)"
    )
    p.add_argument(
        "csv",
        nargs="*",
        type=Path,
        help="query set(s): query|photo,relevant_documents (none: the library's examples)",
    )
    p.add_argument("--json", action="store_true", help="print all figures as one JSON object")
    p.add_argument(
        "--report",
        nargs="?",
        const=REPORT_DEFAULT,
        metavar="OUT",
        help="write an HTML report (default: <data dir>/reports/eval-<time>.html + latest.html)",
    )
    p.add_argument("--top-k", type=int, default=10, help="results per query (default 10)")
    p.add_argument("--signals", help="only these fusion signals, comma-separated (e.g. lexical)")
    p.add_argument("--no-calibration", action="store_true", help="raw similarity scores")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--per-signal", action="store_true", help="each signal alone, plus fused")
    mode.add_argument(
        "--compare", action="store_true", help="calibration on/off, per signal, bridge on/off"
    )
    p.set_defaults(run=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    from engine.cli.common import CliError, TerminalProgress, open_library, print_json
    from engine.evaluation.records import EvalConfig
    from engine.evaluation.run import compare_configs, per_signal_configs, run_configs

    csvs, report = _split_report_arg(args.csv, args.report)
    for csv_path in csvs:
        if not csv_path.is_file():
            raise CliError(f"query set not found: {csv_path}", 2)
    if args.top_k < 1:
        raise CliError("--top-k must be at least 1", 2)
    signals = None
    if args.signals:
        signals = frozenset(s.strip() for s in args.signals.split(",") if s.strip()) or None
    _check_signals(signals)
    base = EvalConfig(_label(signals, args.no_calibration), signals, not args.no_calibration)
    lib = open_library(args)
    bar = TerminalProgress()
    try:
        if args.compare:
            configs = compare_configs(lib)
        elif args.per_signal:
            configs = per_signal_configs(lib, base)
        else:
            configs = [base]
        if csvs:
            results = run_configs(lib, csvs, configs, args.top_k, progress=bar)
        else:
            results = _run_on_examples(lib, configs, args.top_k, bar)
        bar.close()
        extra = _adaptation_sections(lib) if not csvs else []
        path = _write_report(lib, results, report, extra) if report or args.compare else None
    finally:
        bar.close()
        lib.close()
    if args.json:
        print_json(to_json(results, path))
    else:
        print_table(results)
        if path:
            print(f"Report: {path}")
    return 0


def _split_report_arg(csvs: list[Path], report: str | None) -> tuple[list[Path], str | None]:
    """``--report a.csv b.csv`` means a default-location report, not a report named a.csv."""
    if report and report != REPORT_DEFAULT and report.lower().endswith(".csv"):
        return [Path(report), *csvs], REPORT_DEFAULT
    return list(csvs), report


def _check_signals(signals: frozenset[str] | None) -> None:
    from engine.cli.common import CliError
    from engine.fusion import DEFAULT_WEIGHTS

    unknown = sorted(set(signals or ()) - set(DEFAULT_WEIGHTS))
    if unknown:
        known = ", ".join(DEFAULT_WEIGHTS)
        raise CliError(f"unknown signal(s) {', '.join(unknown)}; known: {known}", 2)


def _label(signals: frozenset[str] | None, no_calibration: bool) -> str:
    label = "+".join(sorted(signals)) if signals else "fused"
    return f"{label}, no calibration" if no_calibration else label


def _run_on_examples(
    lib: Library, configs: list[EvalConfig], top_k: int, bar: TerminalProgress
) -> list[EvalResult]:
    from engine.cli.common import CliError

    if not lib.examples():
        raise CliError(
            "no query set given and this library has no examples yet: "
            "`sagasu eval FILE.csv`, or `sagasu feedback import FILE.csv` first"
        )
    return lib.evaluate_examples(top_k, progress=bar, configs=configs)


def _adaptation_sections(lib: Library) -> list[str]:
    report = lib.adaptation_status().last_report
    return [report.html()] if report is not None else []


def _write_report(
    lib: Library, results: Sequence[EvalResult], report: str | None, extra: Sequence[str] = ()
) -> Path:
    from engine.evaluation.report import write_report

    out = None if report in (None, REPORT_DEFAULT) else Path(report)
    return write_report(lib, results, out, extra)


def to_json(results: Sequence[EvalResult], report: Path | None) -> dict[str, object]:
    """The first configuration's figures at the top level; the others under ``configs``."""
    data = results[0].to_json()
    if len(results) > 1:
        data["configs"] = {
            r.label: {k: v for k, v in r.to_json().items() if k not in ("index",)}
            for r in results[1:]
        }
    data["report"] = str(report) if report else None
    return data


def print_table(results: Sequence[EvalResult]) -> None:
    head = f"{'configuration':28s} {'set':16s} {'n':>3s} {'err':>3s}  R@1   R@5   R@10  MRR   "
    head += "mAP   nDCG  p50ms  p95ms  first95"
    print(head)
    for r in results:
        for name in [*r.set_names(), None]:
            if name is None and len(r.set_names()) < 2:
                continue
            s = r.summary(name)
            if not s["n"]:
                continue
            print(_row(r.label, name or "all", s))
    info = results[0].index if results else {}
    if info:
        secs = info.get("indexing_seconds")
        took = f", last indexing run {secs:.0f} s" if secs else ""
        megabytes = cast(int, info["bytes"]) / 1e6  # index_info: bytes on disk
        print(f"\nIndex: {megabytes:.1f} MB, {info['counts']}{took}")
        cfg = results[0].config
        print(f"Models: CLIP {cfg['clip_model']}, text {cfg['text_model']}")
    for r in results[:1]:
        for q in r.queries:
            if q.error:
                print(f"error: {q.set_name} row {q.row}: {q.error}", file=sys.stderr)


def _row(label: str, name: str, s: dict[str, float | int | None]) -> str:
    def f(key: str, width: int = 5, digits: int = 3) -> str:
        v = s.get(key)
        return f"{v:{width}.{digits}f}" if v is not None else " " * (width - 1) + "-"

    metrics = " ".join(f(k) for k in ("recall@1", "recall@5", "recall@10", "mrr", "map", "ndcg@10"))
    lat = f"{f('latency_ms_p50', 6, 0)} {f('latency_ms_p95', 6, 0)} {f('first_ms_p95', 8, 0)}"
    return f"{label[:28]:28s} {name[:16]:16s} {s['n']:3d} {s['errors']:3d}  {metrics} {lat}"
