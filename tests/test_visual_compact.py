"""Compact local features (RootSIFT-PCA int8, blob version 2) and the figure gate that gives
local features only to pages showing a figure or a photo."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image

from engine.config import Settings
from engine.extract.figures import look_at, shows_figure
from engine.extract.pdf import extract_pdf
from engine.signals.visual import Features, VisualIndex, extract_features, features_of, verify
from engine.signals.visual.compact import PCA_DIMS
from engine.signals.visual.features import COMPACT_KIND, as_compact
from engine.types import FileEntry, FileType, ItemKind
from tests.fixtures import PageSpec, make_pdf
from tests.test_visual import photographed, textured_image

# --- the blob ----------------------------------------------------------------------------------


def test_compact_blob_round_trips_in_68_bytes_a_keypoint() -> None:
    feats = extract_features(textured_image(3), n_features=200)
    assert feats.kind == COMPACT_KIND and feats.descriptors.shape[1] == PCA_DIMS
    blob = feats.to_bytes()
    assert len(blob) == 20 + len(feats) * (4 + PCA_DIMS)
    back = Features.from_bytes(blob)
    assert back.kind == COMPACT_KIND and back.image_size == feats.image_size
    np.testing.assert_array_equal(back.descriptors, feats.descriptors)
    step = max(feats.image_size) / 65_535
    assert np.abs(back.keypoints - feats.keypoints).max() <= step


def _version_1_blob(feats: Features) -> bytes:
    """A blob as libraries indexed before compact descriptors hold it: raw SIFT, float32
    positions, header version 1."""
    header = struct.pack("<4sBBHIII", b"SGVF", 1, 1, 128, len(feats), *feats.image_size)
    return header + feats.keypoints.astype("<f4").tobytes() + feats.descriptors.tobytes()


def test_an_old_raw_sift_blob_is_read_and_matches_a_compact_query() -> None:
    raw = extract_features(textured_image(5), n_features=300, method="sift")
    old = Features.from_bytes(_version_1_blob(raw))
    assert old.kind == "sift"
    np.testing.assert_array_equal(old.keypoints, raw.keypoints)
    converted = as_compact(old)  # what VisualSearch does with an old library's blobs
    assert converted.kind == COMPACT_KIND
    np.testing.assert_array_equal(
        converted.descriptors, extract_features(textured_image(5), n_features=300).descriptors
    )
    query = extract_features(photographed(textured_image(5)), n_features=300)
    assert verify(query, converted).inliers >= 20


def test_compact_descriptors_verify_about_as_well_as_raw_sift() -> None:
    """Inliers of a photographed figure against its original, per descriptor form."""
    ratios = []
    for seed in (5, 17, 23):
        photo = photographed(textured_image(seed))
        raw = verify(
            extract_features(photo, n_features=500, method="sift"),
            extract_features(textured_image(seed), n_features=500, method="sift"),
        ).inliers
        compact = verify(
            extract_features(photo, n_features=500), extract_features(textured_image(seed), 500)
        ).inliers
        assert compact >= 20
        ratios.append(compact / raw)
    assert np.mean(ratios) >= 0.8


def test_an_index_of_compact_features_finds_the_photographed_figure() -> None:
    corpus = {i: extract_features(textured_image(i), n_features=500) for i in range(12)}
    index = VisualIndex()
    for item_id, feats in corpus.items():
        index.add(item_id, Features.from_bytes(feats.to_bytes()))
    index.train()
    query = extract_features(photographed(textured_image(7)), n_features=500)
    assert index.search(query, corpus.get)[0].item_id == 7


# --- the figure gate ---------------------------------------------------------------------------

_TEXT = "\n".join(f"Register {i}: bit {i % 8} enables the timer interrupt." for i in range(30))


def _table(page: pymupdf.Page) -> None:
    """Horizontal and vertical rules: a table, not a figure."""
    for row in range(12):
        page.draw_line((72, 560 + row * 18), (520, 560 + row * 18))
    for col in range(5):
        page.draw_line((72 + col * 112, 560), (72 + col * 112, 758))


def _chart(page: pymupdf.Page) -> None:
    """A plotted curve (one path of slanted segments) on axes."""
    xs = np.linspace(100, 500, 80)
    points = [(float(x), float(700 - 120 * np.sin((x - 100) / 60) ** 2)) for x in xs]
    page.draw_polyline(points)
    page.draw_line((100, 720), (500, 720))
    page.draw_line((100, 720), (100, 560))


@pytest.fixture
def gate_pdf(tmp_path: Path) -> Path:
    pdf = make_pdf(
        tmp_path / "gate.pdf",
        [_TEXT, _TEXT, PageSpec(text="Figure 1.", images=[textured_image(1, (400, 300))]), _TEXT],
    )
    with pymupdf.open(pdf) as doc:
        _table(doc[1])
        _chart(doc[3])
        doc.saveIncr()
    return pdf


def test_the_gate_tells_figure_pages_from_text_pages(gate_pdf: Path) -> None:
    with pymupdf.open(gate_pdf) as doc:
        looks = [look_at(page) for page in doc]
        assert [shows_figure(page) for page in doc] == [False, False, True, True]
    assert looks[2].image_share > 0.05 and looks[3].figure_strokes >= 40
    assert looks[1].figure_strokes == 0  # table rules are no figure


def test_text_pages_get_no_features_and_no_sharp_render(gate_pdf: Path) -> None:
    settings = Settings()
    entry = FileEntry(gate_pdf, gate_pdf.stat().st_size, 0, FileType.PDF)
    pages = [i for i in extract_pdf(entry, settings).items if i.kind is ItemKind.PAGE]
    assert [p.figure for p in pages] == [False, False, True, True]
    text_page, figure_page = pages[0], pages[2]
    assert text_page.detail is None  # rendered once, at render_dpi
    assert text_page.image is not None and figure_page.image is not None
    assert text_page.image.size == figure_page.image.size
    assert figure_page.detail is not None and figure_page.detail.width > figure_page.image.width
    assert len(features_of(text_page)) == 0
    assert len(features_of(figure_page)) > 100


def test_a_photo_of_the_figure_verifies_against_its_gated_page(gate_pdf: Path) -> None:
    entry = FileEntry(gate_pdf, gate_pdf.stat().st_size, 0, FileType.PDF)
    pages = [i for i in extract_pdf(entry, Settings()).items if i.kind is ItemKind.PAGE]
    page_features = Features.from_bytes(features_of(pages[2]).to_bytes())
    query = extract_features(photographed(textured_image(1, (400, 300))), n_features=500)
    assert verify(query, page_features).inliers >= 20


def test_visual_match_off_renders_every_page_once(gate_pdf: Path) -> None:
    entry = FileEntry(gate_pdf, gate_pdf.stat().st_size, 0, FileType.PDF)
    items = extract_pdf(entry, Settings(visual_match_enabled=False)).items
    assert all(i.detail is None for i in items)
    assert isinstance(items[0].image, Image.Image)
