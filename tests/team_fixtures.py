"""A two-root library for the team server's tests: root A (group "alpha") and root B (group
"bravo"), each with words, a part number and pictures of its own, and words they share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.config import FolderConfig, Settings, save_settings
from engine.crawl import folder_root
from engine.encode.clip import ClipEncoder
from engine.encode.encoders import Encoders
from engine.encode.text import TextEncoder
from engine.library import Library
from tests.fixtures import PageSpec, make_pdf, make_photo, pattern_image

# What only B holds: none of it may reach a user of group alpha, in any response byte.
B_SECRETS = ("BRAVOZEPHYR", "bravozephyr", "QY-9922B", "qy-9922b", "bravo-secret-root")
B_SECRETS += ("b-plans.pdf", "b-board.jpg", "Zephyrine", "b-torque-log.pdf")


@dataclass
class TwoRoots:
    data_dir: Path
    root_a: str
    root_b: str
    settings: Settings
    a_photo: Path
    b_photo: Path
    store: str | None = None  # a postgresql:// team catalog, else the data folder's file


def build_two_roots(base: Path, settings: Settings, store: str | None = None) -> TwoRoots:
    a = base / "alpha-root"
    b = base / "bravo-secret-root"
    make_pdf(
        a / "a-manual.pdf",
        [
            PageSpec(
                text="ALPHAQUARK widget manual. Part ZX-4411A torque sensor calibration.",
                images=[pattern_image((200, 150), seed=21)],
            ),
            PageSpec(text="Wiring of the ALPHAQUARK controller board."),
        ],
    )
    a_photo = make_photo(a / "a-board.jpg", seed=11)
    # B says "torque sensor" more often: in a shared ranking it comes first.
    make_pdf(
        b / "b-plans.pdf",
        [
            PageSpec(
                text="BRAVOZEPHYR Zephyrine plans. Part QY-9922B torque sensor torque sensor.\n"
                "Torque sensor torque sensor mounting, torque sensor wiring.",
                images=[pattern_image((200, 150), seed=22)],
            ),
        ],
    )
    # More rows saying it than a signal's candidate pool (50): a filter applied after the
    # signals' cut would leave a user of A nothing (test_the_top_k_is_taken_among_readable_items).
    make_pdf(b / "b-torque-log.pdf", ["torque sensor torque sensor log"] * 70)
    b_photo = make_photo(b / "b-board.jpg", seed=12)
    data_dir = base / "data"
    save_settings(data_dir, settings)  # a `sagasu serve` process reads them
    return TwoRoots(data_dir, folder_root(a), folder_root(b), settings, a_photo, b_photo, store)


def index_two_roots(roots: TwoRoots, clip: ClipEncoder, text: TextEncoder) -> None:
    encoders = Encoders(roots.settings, clip=clip, text=text)
    with Library(
        roots.data_dir, settings=roots.settings, encoders=encoders, store=roots.store
    ) as library:
        library.index([FolderConfig(roots.root_a), FolderConfig(roots.root_b)])


def b_items(library: Library, root_b: str) -> set[int]:
    rows = library.catalog.query(
        "SELECT i.id FROM items i JOIN files f ON f.id = i.file_id WHERE f.root = ?", (root_b,)
    )
    return {int(r[0]) for r in rows}


def leaked(body: bytes, query: str = "") -> list[str]:
    """B's secrets found in ``body`` (a query's own words echoed back do not count)."""
    return [s for s in B_SECRETS if s.encode() in body and s.lower() not in query.lower()]
