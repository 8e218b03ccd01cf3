"""Small libraries for the confirmation and adaptation tests, indexed without any model
(lexical, part-number and exact-visual signals only: fast, deterministic)."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.config import FolderConfig, Settings, save_settings
from engine.encode.encoders import Encoders
from engine.library import Library
from tests.fixtures import PageSpec, make_pdf, make_photo, pattern_image

COLOURS = ["amber", "basalt", "cobalt", "dune", "ember", "fjord"]
COLOURS += ["garnet", "harbor", "indigo", "jasper", "kelp", "lagoon"]
THINGS = ["valve", "pump", "relay", "gauge", "sensor", "motor"]
THINGS += ["switch", "filter", "heater", "meter", "drive", "coupler"]
N_TOPICS = len(COLOURS)


def no_model_settings(tmp: Path, **changes: object) -> Settings:
    """Settings with no CLIP weights, no text model and no OCR, as `no_models` has them."""
    settings = Settings(
        models_dir=str(tmp / "empty-models"),
        text_model_path=str(tmp / "no-text-model"),
        ocr_enabled=False,
    )
    return settings.replace(**changes)


def code(i: int) -> str:
    return f"QX{i + 10}72B"


def build_decoys(root: Path) -> Path:
    """Per topic a guide that names it and a parts list that has only its order code: a query
    "colour thing CODE" wants the guide, the part-number signal (weight 0.97) points at the
    parts list, the words at the guide. The shipped fusion puts the parts list first."""
    for i in range(N_TOPICS):
        text = f"The {COLOURS[i]} {THINGS[i]} installation guide for the {THINGS[i]} family."
        make_pdf(root / f"guide{i}.pdf", [text, "Wiring and maintenance notes."])
        make_pdf(root / f"parts{i}.pdf", [f"Order code {code(i)} listed in the catalogue index."])
    make_photo(root / "photos" / "board.jpg", seed=3)
    make_pdf(root / "figure.pdf", [PageSpec(text="Figure page.", images=[pattern_image(seed=5)])])
    return root


def decoy_query(i: int) -> str:
    return f"{COLOURS[i]} {THINGS[i]} {code(i)}"


def plain_query(i: int) -> str:
    return f"{COLOURS[i]} {THINGS[i]} installation"


def indexed_copy(template: Path, dest: Path) -> Path:
    """A private copy of an indexed data folder (the documents stay where they are)."""
    shutil.copytree(template, dest)
    return dest


def index_library(docs: Path, data: Path, settings: Settings) -> Path:
    save_settings(data, settings) if data.is_dir() else None
    with Library(data, settings, Encoders(settings)) as lib:
        lib.index([FolderConfig(str(docs))])
    save_settings(data, settings.replace(folders=(FolderConfig(str(docs)),)))
    return data
