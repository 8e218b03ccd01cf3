"""Evaluation report: a self-contained HTML file with embedded PNG plots and the config table."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.config import FolderConfig
from engine.encode.encoders import Encoders
from engine.evaluation.records import EvalConfig, EvalResult, QueryRecord
from engine.evaluation.report import latest_report, recall_plot, render_html
from engine.evaluation.run import run_configs
from engine.library import Library
from tests.test_evaluate import build_corpus

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Checker(HTMLParser):
    """Collects img sources and table count; HTMLParser raises nothing, so count tags."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.tables = 0
        self.open_tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        self.tables += tag == "table"
        self.open_tags += tag in ("table", "html", "body")

    def handle_endtag(self, tag: str) -> None:
        self.open_tags -= tag in ("table", "html", "body")


def embedded_pngs(page: str) -> list[bytes]:
    checker = _Checker()
    checker.feed(page)
    assert checker.open_tags == 0, "unbalanced table/html/body tags"
    prefix = "data:image/png;base64,"
    return [base64.b64decode(s[len(prefix) :]) for s in checker.images if s.startswith(prefix)]


def fake_result(label: str, first: int | None) -> EvalResult:
    ranking = ["/d/x.pdf", "/d/y.pdf", "/d/z.pdf"]
    rel = [ranking[first - 1]] if first else ["/d/none.pdf"]
    q = QueryRecord("text-queries", 1, "relay", "text", rel, ranking=ranking, first_rank=first)
    q.latency_ms = 12.0
    q.scores = [("page", 0.9, first == 1), ("chunk", 0.4, False)]
    config = {"label": label, "top_k": 10, "calibration": True, "clip_model": "off"}
    return EvalResult(config, [q], {"bytes": 1234, "counts": {"files": 3}})


def test_render_html_without_a_library() -> None:
    results = [fake_result("fused", 1), fake_result("lexical", 3)]
    page = render_html(results, geometry=[])
    pngs = embedded_pngs(page)
    assert len(pngs) == 2 and all(p.startswith(PNG_MAGIC) for p in pngs)
    assert "clip_model" in page and "1,234" in page  # the config table
    assert re.search(r"<td class=l>lexical</td>", page)
    assert recall_plot([EvalResult({"label": "x"}, [], {})]) is None


def test_latest_report_absent(tmp_path: Path) -> None:
    assert latest_report(tmp_path) is None


@pytest.mark.slow
def test_write_report_from_a_real_index(tmp_path: Path, encoders: Encoders) -> None:
    from engine.evaluation.report import write_report

    root = build_corpus(tmp_path / "corpus")
    csvs = [root / "queries" / "text.csv", root / "queries" / "photo.csv"]
    with Library(tmp_path / "data", encoders.settings, encoders) as lib:
        lib.index([FolderConfig(str(root / "docs"))])
        configs = [EvalConfig(), EvalConfig("no calibration", None, calibration=False)]
        results = run_configs(lib, csvs, configs)
        path = write_report(lib, results)
    assert path.parent == tmp_path / "data" / "reports" and path.name.startswith("eval-")
    assert latest_report(tmp_path / "data") == tmp_path / "data" / "reports" / "latest.html"
    page = path.read_text(encoding="utf-8")
    # Recall curves, score histograms, and one projection per embedding space (CLIP + MiniLM).
    pngs = embedded_pngs(page)
    assert len(pngs) >= 4 and all(p.startswith(PNG_MAGIC) for p in pngs)
    assert "sagasu-tiny" in page and "text_model" in page
    assert "centroid_gap" in page and "queries (text)" in page
    assert "no calibration" in page
    assert "photo not found" in page  # the missing photo's row is reported, not fatal
