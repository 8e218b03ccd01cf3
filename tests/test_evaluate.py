"""Retrieval evaluation: metric math on hand-computed rankings, query-set parsing, and
``sagasu eval --json`` agreeing with rankings recomputed from ``sagasu search --json``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from engine.cli import main
from engine.config import save_settings
from engine.encode.encoders import Encoders
from engine.evaluation.ranking import (
    average_precision,
    coverage_at_k,
    first_rank,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)
from engine.evaluation.records import read_query_csv
from tests.fixtures import PageSpec, make_pdf, make_photo

RANKING = ["a", "b", "c", "d", "e"]


# --- metric math -----------------------------------------------------------------------------


def test_recall_is_a_hit_rate() -> None:
    assert recall_at_k(RANKING, {"c"}, 1) == 0.0
    assert recall_at_k(RANKING, {"c"}, 3) == 1.0
    assert recall_at_k(RANKING, {"c", "z"}, 5) == 1.0  # one relevant document found is enough
    assert recall_at_k(RANKING, {"z"}, 10) == 0.0
    assert coverage_at_k(RANKING, {"c", "z"}, 5) == 0.5


def test_recall_is_monotone_in_k() -> None:
    for rel in ({"a"}, {"e"}, {"c", "d"}, {"z"}):
        values = [recall_at_k(RANKING, rel, k) for k in range(1, 8)]
        assert values == sorted(values)


def test_reciprocal_rank_and_first_rank() -> None:
    assert reciprocal_rank(RANKING, {"b", "d"}) == 0.5
    assert first_rank(RANKING, {"b", "d"}) == 2
    assert reciprocal_rank(RANKING, {"z"}) == 0.0 and first_rank(RANKING, {"z"}) is None


def test_average_precision_hand_computed() -> None:
    # Relevant at ranks 2 and 4: (1/2 + 2/4) / 2.
    assert average_precision(RANKING, {"b", "d"}) == pytest.approx(0.5)
    # One of two relevant documents never returned: it contributes 0.
    assert average_precision(RANKING, {"a", "z"}) == pytest.approx(0.5)
    assert average_precision(RANKING, {"a", "b"}) == 1.0
    for rel in ({"a"}, {"e", "c"}, {"z"}, set(RANKING)):
        assert 0.0 <= average_precision(RANKING, rel) <= 1.0


def test_ndcg_hand_computed_and_perfect() -> None:
    # Relevant at rank 2 of two relevant: (1/log2 3) / (1 + 1/log2 3).
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(RANKING, {"b", "z"}, 10) == pytest.approx(expected)
    assert ndcg_at_k(RANKING, {"a", "b"}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(RANKING, {"e"}, 3) == 0.0


# --- query sets ------------------------------------------------------------------------------


def test_query_csv_rows_and_errors(tmp_path: Path) -> None:
    (tmp_path / "p.jpg").write_bytes(b"not checked here")
    csv = tmp_path / "q.csv"
    csv.write_text(
        "query,photo,relevant_documents\n"
        "relay,,docs/a.pdf;docs/b.pdf\n"
        ",p.jpg,docs/a.pdf\n"
        ",missing.jpg,docs/a.pdf\n"
        "no labels,,\n",
        encoding="utf-8",
    )
    rows = read_query_csv(csv)
    assert [r.error == "" for r in rows] == [True, True, False, False]
    assert rows[0].relevant == [(tmp_path / "docs/a.pdf").resolve(), (tmp_path / "docs/b.pdf")]
    assert rows[1].modality == "image" and rows[1].photo == (tmp_path / "p.jpg").resolve()
    assert "photo not found" in rows[2].error


# --- end to end through the CLI --------------------------------------------------------------


def build_corpus(root: Path) -> Path:
    docs = root / "docs"
    make_pdf(docs / "relay.pdf", ["SRD-05VDC-SL-C relay module datasheet. Coil voltage 5 V."])
    make_pdf(docs / "sensor.pdf", ["Thermocouple amplifier MCP9600 with I2C interface."])
    make_pdf(
        docs / "motor.pdf",
        [PageSpec(text="Stepper motor driver A4988 microstepping."), "Motor wiring and current."],
    )
    make_pdf(docs / "lcd.pdf", ["Character LCD display 16x2 with HD44780 controller."])
    make_photo(docs / "board.jpg", seed=3)
    queries = root / "queries"
    queries.mkdir()
    (queries / "text.csv").write_text(
        "query,relevant_documents\n"
        "relay module coil voltage,../docs/relay.pdf\n"
        "thermocouple amplifier,../docs/sensor.pdf\n"
        "A4988,../docs/motor.pdf\n"
        "LCD display controller,../docs/lcd.pdf;../docs/relay.pdf\n"
        "stepper motor current,../docs/sensor.pdf\n",
        encoding="utf-8",
    )
    (queries / "photo.csv").write_text(
        "photo,relevant_documents\n"
        "../docs/board.jpg,../docs/board.jpg\n"
        "../docs/no-such-photo.jpg,../docs/relay.pdf\n",
        encoding="utf-8",
    )
    return root


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def independent_ranking(capsys, data: Path, *query: str) -> list[str]:
    out = run_cli(capsys, "search", "--data-dir", str(data), "--json", "--top-k", "10", *query)
    return list(dict.fromkeys(str(Path(r["path"]).resolve()) for r in json.loads(out)))


@pytest.mark.slow
def test_eval_json_agrees_with_search(
    tmp_path: Path, encoders: Encoders, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build_corpus(tmp_path / "corpus")
    data = tmp_path / "data"
    save_settings(data, encoders.settings)
    run_cli(capsys, "index", "--data-dir", str(data), str(root / "docs"))
    csvs = [str(root / "queries" / "text.csv"), str(root / "queries" / "photo.csv")]
    out = run_cli(capsys, "eval", "--data-dir", str(data), "--json", *csvs)
    report = json.loads(out)
    for key in ("recall@1", "recall@5", "recall@10", "mrr", "map", "ndcg@10"):
        assert 0.0 <= report[key] <= 1.0
    assert report["latency_ms_p50"] <= report["latency_ms_p95"]
    assert report["first_ms_p95"] <= report["latency_ms_p95"]  # OCR off: the whole search
    assert report["config"]["top_k"] == 10
    queries = report["queries"]
    assert len(queries) == 7
    errors = [q for q in queries if q["error"]]
    assert len(errors) == 1 and "no-such-photo" in errors[0]["error"]

    # Recompute every figure from `sagasu search --json` for the same queries.
    rr, hits = [], {1: [], 5: [], 10: []}
    for q in queries:
        if q["error"]:
            continue
        args = ("--image", q["photo"]) if q["modality"] == "image" else (q["query"],)
        ranking = independent_ranking(capsys, data, *args)
        assert ranking == q["ranking"]
        rel = set(q["relevant"])
        first = next((i for i, d in enumerate(ranking, 1) if d in rel), None)
        assert q["first_rank"] == first
        assert q["relevant_ranks"] == [
            ranking.index(d) + 1 if d in ranking else None for d in q["relevant"]
        ]
        rr.append(1 / first if first else 0.0)
        for k in hits:
            hits[k].append(1.0 if first and first <= k else 0.0)
    assert report["mrr"] == pytest.approx(sum(rr) / len(rr))
    for k, values in hits.items():
        assert report[f"recall@{k}"] == pytest.approx(sum(values) / len(values))
    assert report["queries"][0]["first_rank"] == 1  # the relay query finds the relay sheet
    assert report["index"]["bytes"] > 0 and report["index"]["counts"]["files"] == 5
    assert report["sets"]["text"]["n"] == 5 and report["sets"]["photo"]["errors"] == 1


@pytest.mark.slow
def test_eval_per_signal_and_restricted_signals(
    tmp_path: Path, encoders: Encoders, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build_corpus(tmp_path / "corpus")
    data = tmp_path / "data"
    save_settings(data, encoders.settings)
    run_cli(capsys, "index", "--data-dir", str(data), str(root / "docs"))
    text_csv = str(root / "queries" / "text.csv")
    lexical = json.loads(
        run_cli(capsys, "eval", "--data-dir", str(data), "--json", "--signals", "lexical", text_csv)
    )
    assert lexical["config"]["signals"] == ["lexical"]
    for q in lexical["queries"]:
        for top in q["top"]:
            assert all(r.startswith("terms") for r in top["reasons"]), top["reasons"]
    per = json.loads(
        run_cli(capsys, "eval", "--data-dir", str(data), "--json", "--per-signal", text_csv)
    )
    assert per["config"]["label"] == "fused"
    assert {"lexical", "semantic-text", "visual"} <= set(per["configs"])
    # A visual-only configuration cannot answer text queries: none are evaluated.
    assert per["configs"]["visual"]["n"] == 0
    assert main(["eval", "--data-dir", str(data), "--signals", "nonsense", text_csv]) == 2
