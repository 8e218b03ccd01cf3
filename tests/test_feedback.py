"""Confirmations as labelled examples (engine.feedback through Library): storing, listing,
removing, exporting and importing them, a target surviving a re-index, a photo kept as its
features, and ``sagasu eval`` with no CSV. Real libraries, indexed without models."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.config import FolderConfig, load_settings
from engine.encode.encoders import Encoders
from engine.feedback.examples import ExampleRefused, ExampleSource, Verdict
from engine.library import Library
from engine.query_features import QueryFeatures
from engine.search import Query
from tests.feedback_helpers import (
    build_decoys,
    decoy_query,
    index_library,
    indexed_copy,
    no_model_settings,
    plain_query,
)
from tests.fixtures import make_pdf


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(documents, an indexed data folder to copy): built once for the module."""
    base = tmp_path_factory.mktemp("feedback")
    docs = build_decoys(base / "docs")
    data = index_library(docs, base / "template", no_model_settings(base))
    return docs, data


def open_copy(indexed: tuple[Path, Path], tmp_path: Path, **changes: object) -> Library:
    data = indexed_copy(indexed[1], tmp_path / "data")
    settings = load_settings(data).replace(**changes)  # no models, the documents' folder
    return Library(data, settings, Encoders(settings))


def test_examples_are_stored_listed_and_removed(indexed: tuple[Path, Path], tmp_path: Path) -> None:
    docs, _ = indexed
    with open_copy(indexed, tmp_path) as lib:
        result = lib.search(Query(text=plain_query(0), top_k=5)).results[0]
        assert result.path.name == "guide0.pdf"
        confirmed = lib.confirm(Query(text=plain_query(0)), result)
        picked = lib.add_example(Query(text="order code list"), docs / "parts3.pdf", 1)
        wrong = lib.confirm(Query(text=decoy_query(1)), result, Verdict.NOT_THIS)
        again = lib.confirm(Query(text=plain_query(0)), result)  # the same one, once
        assert again.id == confirmed.id
        listed = lib.examples()
        assert [e.id for e in listed] == [confirmed.id, picked.id, wrong.id]
        assert listed[0].target_path == result.path and listed[0].page == result.page
        assert listed[1].page == 1 and listed[1].source is ExampleSource.WINDOW
        assert listed[2].verdict is Verdict.NOT_THIS and all(e.target_indexed for e in listed)
        assert lib.remove_example(picked.id) and not lib.remove_example(picked.id)
        assert [e.id for e in lib.examples()] == [confirmed.id, wrong.id]


def test_bad_examples_are_refused_in_one_line_and_nothing_is_written(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    outside = tmp_path / "elsewhere.pdf"
    shutil.copy(docs / "guide0.pdf", outside)
    with open_copy(indexed, tmp_path) as lib:
        refusals = [
            (Query(text="valve"), outside, None, "is not in the library"),
            (Query(text="valve"), docs / "guide0.pdf", 9, "has no page 9"),
            (Query(text="  "), docs / "guide0.pdf", 1, "needs a query"),
        ]
        for query, path, page, words in refusals:
            with pytest.raises(ExampleRefused, match=words) as caught:
                lib.add_example(query, path, page)
            assert "\n" not in str(caught.value)
        assert lib.examples() == []


def test_a_photo_is_kept_as_its_features_and_searched_from_them(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    photo = docs / "photos" / "board.jpg"
    with open_copy(indexed, tmp_path) as lib:
        image = lib.load_query_image(photo)
        example = lib.add_example(Query(image=image), photo, None, image_path=photo)
        assert example.has_features and not example.image_kept and example.modality == "image"
        assert lib.example_image(example.id) is None  # no copy of the user's file
        [result] = lib.evaluate_examples(top_k=5)
        [record] = result.evaluated()
        assert record.modality == "image" and record.first_rank == 1  # visual match, stored
    with open_copy(indexed, tmp_path / "kept", keep_query_images=True) as lib:
        kept = lib.add_example(Query(image=image), photo, None)
        assert kept.image_kept and (lib.example_image(kept.id) or b"")[:2] == b"\xff\xd8"


def test_query_features_round_trip_and_refuse_other_bytes() -> None:
    import numpy as np

    vectors = {"clip:x": np.arange(4, dtype=np.float32)}
    features = QueryFeatures(vectors, b"SGVF..", (("LM358", 0.9),), True)
    back = QueryFeatures.from_bytes(features.to_bytes())
    assert back.ocr_lines == features.ocr_lines and back.visual == features.visual
    assert np.array_equal(back.vectors["clip:x"], features.vectors["clip:x"]) and back.ocr_read
    with pytest.raises(ValueError):
        QueryFeatures.from_bytes(b"not features")


def test_export_then_import_round_trips_through_the_eval_csv(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    photo = docs / "photos" / "board.jpg"
    out = tmp_path / "export" / "mine.csv"
    with open_copy(indexed, tmp_path / "a") as lib:
        lib.add_example(Query(text=plain_query(2)), docs / "guide2.pdf", 1)
        lib.add_example(Query(text=plain_query(2)), docs / "guide3.pdf", None)
        lib.add_example(Query(text=plain_query(4)), docs / "guide4.pdf", 2)
        lib.add_example(Query(text=decoy_query(4)), docs / "parts4.pdf", 1, Verdict.NOT_THIS)
        image = lib.load_query_image(photo)
        lib.add_example(Query(image=image), photo, None, image_path=photo)
        unknown = lib.load_query_image(docs / "photos" / "board.jpg").rotate(90)
        lib.add_example(Query(image=unknown), photo, None)  # no path known, no copy kept
        summary = lib.export_examples(out)
        before = {(e.query_text, e.target_path) for e in lib.examples()}
    assert (summary.rows, summary.photos_written) == (3, 1)
    assert (summary.photos_left_out, summary.not_this_left_out) == (1, 1)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    first = [(out.parent / p).resolve() for p in rows[0]["relevant_documents"].split(";")]
    assert first == [docs / "guide2.pdf", docs / "guide3.pdf"]  # relative to the CSV
    assert not Path(rows[0]["relevant_documents"].split(";")[0]).is_absolute()
    with open_copy(indexed, tmp_path / "b") as lib:
        imported = lib.import_examples(out)
        assert (imported.added, imported.duplicates, imported.problems) == (4, 0, [])
        assert lib.import_examples(out).duplicates == 4  # importing twice adds nothing
        after = lib.examples()
        assert all(e.source is ExampleSource.IMPORT for e in after)
        photos = [e for e in after if e.has_features]
        assert len(photos) == 1 and photos[0].image_path == photo.resolve()
    is_it = {k for k in before if k[0]} | {("", photo.resolve())}
    assert {(e.query_text, e.target_path) for e in after} == {
        k for k in is_it if k != (decoy_query(4), docs / "parts4.pdf")
    }


def test_an_import_reports_bad_rows_and_adds_the_rest(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4 not indexed")
    sheet = tmp_path / "q.csv"
    sheet.write_text(
        "query,photo,relevant_documents\n"
        f"{plain_query(5)},,{docs / 'guide5.pdf'}\n"
        f"lost,,notes.pdf\n"
        f",missing.jpg,{docs / 'guide5.pdf'}\n"
        ",,\n",
        encoding="utf-8",
    )
    with open_copy(indexed, tmp_path / "lib") as lib:
        summary = lib.import_examples(sheet)
    assert summary.added == 1
    assert [row for row, _ in summary.problems] == [2, 3, 4]
    assert "not in the library" in summary.problems[0][1]
    assert "photo not found" in summary.problems[1][1]


def test_an_example_survives_a_reindex_and_a_vanished_target_is_reported(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = indexed
    with open_copy(indexed, tmp_path) as lib:
        target = (docs / "guide6.pdf").resolve()
        example = lib.add_example(Query(text=plain_query(6)), target, 1)
        lib.remove_folder(docs)
        other = make_pdf(
            tmp_path / "other" / "first.pdf", ["Indexed before the folder comes back."]
        )
        lib.index([FolderConfig(str(other.parent))])  # takes the first free file ids
        [gone] = lib.examples()
        assert gone.id == example.id and not gone.target_indexed  # kept, and said so
        [result] = lib.evaluate_examples()
        assert result.evaluated()[0].not_indexed == [str(target)]
        lib.index()
        [back] = lib.examples()
        # The file has a new id (or, as files are read in parallel, by chance its old one):
        # the example follows it by path either way.
        assert back.target_indexed and lib.catalog.file_id(target) is not None
        [result] = lib.evaluate_examples()
        assert result.evaluated()[0].first_rank == 1


def test_eval_without_a_csv_uses_the_examples_and_keeps_a_history(
    indexed: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, _ = indexed
    data = indexed_copy(indexed[1], tmp_path / "data")
    assert main(["eval", "--data-dir", str(data)]) == 1
    assert "has no examples yet" in capsys.readouterr().err
    with Library(data, None, Encoders(no_model_settings(tmp_path))) as lib:
        lib.add_example(Query(text=plain_query(7)), docs / "guide7.pdf", 1)
        lib.add_example(Query(text=decoy_query(8)), docs / "guide8.pdf", 1)
    capsys.readouterr()
    assert main(["eval", "--data-dir", str(data), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["n"] == 2 and figures["recall@1"] == 0.5 and figures["mrr"] == 0.75
    assert set(figures["sets"]) == {"text-examples"}
    with Library(data, None, Encoders(no_model_settings(tmp_path))) as lib:
        [point] = lib.eval_history()
    assert (point.examples, point.recall_at_1, point.recall_at_5, point.mrr) == (2, 0.5, 1.0, 0.75)


def run_json(capsys: pytest.CaptureFixture[str], args: list[str]) -> object:
    capsys.readouterr()
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_the_feedback_command_line(
    indexed: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, _ = indexed
    data = str(indexed_copy(indexed[1], tmp_path / "data"))
    guide = str(docs / "guide9.pdf")
    added = run_json(
        capsys,
        [
            "feedback",
            "add",
            "--data-dir",
            data,
            "--json",
            plain_query(9),
            "--file",
            guide,
            "--page",
            "1",
        ],
    )
    assert isinstance(added, dict) and added["verdict"] == "is-it" and added["page"] == 1
    photo = str(docs / "photos" / "board.jpg")
    run_json(
        capsys, ["feedback", "add", "--data-dir", data, "--json", "--image", photo, "--file", photo]
    )
    listed = run_json(capsys, ["feedback", "--data-dir", data, "--json"])
    assert [e["modality"] for e in listed] == ["text", "image"]  # type: ignore[index,union-attr]
    out = tmp_path / "out.csv"
    exported = run_json(capsys, ["feedback", "export", "--data-dir", data, "--json", str(out)])
    assert exported["rows"] == 2 and exported["photos_written"] == 1  # type: ignore[index,call-overload]
    status = run_json(capsys, ["feedback", "status", "--data-dir", data, "--json"])
    assert status["needs"][0] == {"part": "fusion-weights", "have": 2, "minimum": 10, "more": 8}  # type: ignore[index,call-overload]
    report = run_json(capsys, ["feedback", "adapt", "--data-dir", data, "--json"])
    assert [p["outcome"] for p in report["parts"]] == [
        "needs-more",
        "needs-more",
        "no-image-encoder",  # a photo example, and no CLIP weights to give it a vector
    ]  # type: ignore[index,call-overload]
    assert main(["feedback", "off", "--data-dir", data]) == 0
    assert (
        run_json(capsys, ["feedback", "status", "--data-dir", data, "--json"])["enabled"] is False
    )  # type: ignore[index,call-overload]
    capsys.readouterr()
    assert main(["feedback", "remove", "--data-dir", data, "99"]) == 1
    assert (
        main(["feedback", "add", "--data-dir", data, "words", "--image", photo, "--file", guide])
        == 2
    )
    assert main(["feedback", "add", "--data-dir", data, "words", "--file", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "no example 99" in err[0] and "not in the library" in err[2]
    imported = run_json(capsys, ["feedback", "import", "--data-dir", data, "--json", str(out)])
    # The photo row is already there; the text row comes back as a whole-document example
    # (the CSV has no page column), beside the page-1 one it was exported from.
    assert imported["duplicates"] == 1 and imported["added"] == 1  # type: ignore[index,call-overload]


def test_a_file_that_is_no_csv_is_one_line(
    indexed: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(indexed_copy(indexed[1], tmp_path / "data"))
    for name, content in (
        ("bin.csv", b"\xff\xfe\x00\x81garbage"),
        ("latin.csv", b"query\n\xe9t\xe9\n"),
    ):
        (tmp_path / name).write_bytes(content)
        capsys.readouterr()
        assert main(["feedback", "import", "--data-dir", data, str(tmp_path / name)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "cannot read" in err[0] and "Traceback" not in err[0]
    assert main(["feedback", "import", "--data-dir", data, str(tmp_path / "none.csv")]) == 2
