"""Planted modality gap: calibration must let the true neighbour win across modalities; the
fitted state (AlignmentState) is fitted without labels, saved, and swapped in whole."""

from __future__ import annotations

import ast
import json
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from engine.align.calibration import ModalityCalibration
from engine.align.geometry import centroid_gap, l2_normalise
from engine.align.state import AlignmentState
from engine.store.vectors import slug

DIM, N = 32, 200


def planted_index(seed: int = 0) -> dict[str, np.ndarray]:
    """Latent meanings z_k; each modality sees them shifted by its own large offset.

    Image items carry latents 0..N/2-1, text items N/2..N-1, and text queries carry every
    latent, so the true neighbour of query k is image item k or text item k - N/2.
    """
    rng = np.random.default_rng(seed)
    latent = l2_normalise(rng.standard_normal((N, DIM)))
    offsets = 2.0 * l2_normalise(rng.standard_normal((2, DIM)))

    def view(z: np.ndarray, offset: np.ndarray) -> np.ndarray:
        return l2_normalise(z + offset + 0.1 * rng.standard_normal(z.shape))

    half = N // 2
    return {
        "latent": latent,
        "image": view(latent[:half], offsets[0]),
        "text": view(latent[half:], offsets[1]),
        "queries": view(latent, offsets[1]),  # text queries live in the text cone
    }


def merged_top1(img_scores: np.ndarray, txt_scores: np.ndarray) -> np.ndarray:
    """Index of each query's best hit in the merged list [image items..., text items...]."""
    return np.hstack([img_scores, txt_scores]).argmax(1)


def test_calibration_lets_true_neighbours_win_across_modalities() -> None:
    data = planted_index()
    q, img, txt = data["queries"], data["image"], data["text"]
    truth = np.arange(N)  # query k's neighbour sits at position k of the merged list
    raw_img, raw_txt = q @ img.T, q @ txt.T
    # The planted gap: for every query every text item beats every image item.
    assert np.all(raw_txt.min(1) > raw_img.max(1))
    raw_recall = np.mean(merged_top1(raw_img, raw_txt) == truth)

    calib = ModalityCalibration.fit({"image": img, "text": txt}, seed=0)
    cal_img = calib.score(q, "text", img, "image")
    cal_txt = calib.score(q, "text", txt, "text")
    cal_recall = np.mean(merged_top1(cal_img, cal_txt) == truth)
    assert raw_recall <= 0.55  # only the text-half can ever be found
    assert cal_recall >= 0.9, (raw_recall, cal_recall)


def test_centering_closes_the_gap() -> None:
    data = planted_index(seed=1)
    calib = ModalityCalibration.fit({"image": data["image"], "text": data["text"]})
    before = centroid_gap(data["image"], data["text"])
    after = centroid_gap(calib.center(data["image"], "image"), calib.center(data["text"], "text"))
    assert before > 1.0 and after < 0.2 * before
    centred = calib.center(data["image"], "image")
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0)


def test_standardised_probe_scores_have_zero_mean_unit_std() -> None:
    data = planted_index(seed=2)
    img, txt = data["image"], data["text"]
    calib = ModalityCalibration.fit({"image": img, "text": txt})
    z = calib.score(img, "image", txt, "text")
    assert abs(z.mean()) < 1e-6 and z.std() == pytest.approx(1.0, rel=1e-6)
    # Self pairs are excluded from the statistics, so off-diagonal z-scores are standardised.
    z_same = calib.score(txt, "text", txt, "text")
    off = z_same[~np.eye(len(txt), dtype=bool)]
    assert abs(off.mean()) < 1e-6 and off.std() == pytest.approx(1.0, rel=1e-6)


def test_explicit_probes_define_their_own_query_modality() -> None:
    data = planted_index(seed=3)
    items = {"image": data["image"], "text": data["text"]}
    calib = ModalityCalibration.fit(items, probes_by_modality={"query": data["queries"]})
    assert set(calib.means) == {"image", "text", "query"}
    assert set(calib.stats) == {("query", "image"), ("query", "text")}
    z = calib.score(data["queries"], "query", data["image"], "image")
    assert abs(z.mean()) < 1e-6
    with pytest.raises(KeyError):
        calib.standardise(np.zeros(3), "image", "text")
    with pytest.raises(KeyError):
        calib.center(data["image"], "audio")


def test_max_samples_subsamples_but_still_calibrates() -> None:
    data = planted_index(seed=4)
    small = ModalityCalibration.fit({"image": data["image"], "text": data["text"]}, max_samples=40)
    full = ModalityCalibration.fit({"image": data["image"], "text": data["text"]})
    assert np.linalg.norm(small.means["image"] - full.means["image"]) < 0.1
    mu_small, _ = small.stats[("image", "text")]
    mu_full, _ = full.stats[("image", "text")]
    assert mu_small == pytest.approx(mu_full, abs=0.1)


def test_json_round_trip() -> None:
    data = planted_index(seed=5)
    calib = ModalityCalibration.fit({"image": data["image"], "text": data["text"]})
    text = json.dumps(calib.to_json())
    for restored in (
        ModalityCalibration.from_json(json.loads(text)),
        ModalityCalibration.from_json(text),
    ):
        assert restored.stats == calib.stats
        q = data["queries"][:5]
        assert np.allclose(
            restored.score(q, "text", data["image"], "image"),
            calib.score(q, "text", data["image"], "image"),
        )


# --- AlignmentState: the fitted state search reads -------------------------------------------

CLIP, TEXT = "clip:test", "text:test"
BRIDGE = f"bridge:{TEXT}>{CLIP}"


class FakeCatalog:
    """The catalog queries AlignmentState makes, over planted vectors: photos and pages in the
    CLIP space, chunks (with their text) in the text space."""

    def __init__(self, seed: int = 0) -> None:
        data = planted_index(seed)
        self.vectors: dict[str, dict[int, tuple[str, np.ndarray]]] = {
            CLIP: {i: ("image" if i % 2 else "page", v) for i, v in enumerate(data["image"])},
            TEXT: {1000 + i: ("chunk", v) for i, v in enumerate(data["text"])},
        }
        self.texts = {1000 + i: f"paragraph number {i} about topic {i % 7}" for i in range(N // 2)}

    def vector_counts(self) -> dict[str, int]:
        return {space: len(rows) for space, rows in self.vectors.items()}

    def query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        if sql.startswith("SELECT i.kind, e.vector"):
            rows = self.vectors.get(str(args[0]), {})
            return [(kind, v.astype(np.float32).tobytes()) for _, (kind, v) in sorted(rows.items())]
        if sql.startswith("SELECT i.id, i.text, e.vector"):
            rows = self.vectors.get(str(args[0]), {})
            return [
                (i, self.texts[i], v.astype(np.float32).tobytes())
                for i, (kind, v) in sorted(rows.items())
                if kind == "chunk"
            ]
        if sql.startswith("SELECT text FROM items"):
            return [(self.texts[i],) for i in sorted(self.texts)]
        raise AssertionError(f"unexpected query {sql!r}")

    def drop_space(self, space: str) -> None:
        self.vectors.pop(space, None)

    def add_vectors(self, space: str, vectors: dict[int, np.ndarray]) -> None:
        self.vectors.setdefault(space, {}).update({i: ("chunk", v) for i, v in vectors.items()})


class FakeVectors:
    def __init__(self) -> None:
        self.invalidated: list[str] = []

    def invalidate(self, space: str) -> None:
        self.invalidated.append(space)


class FakeEncoder:
    """Deterministic stand-in for CLIP (``encode_texts``) or the text model (``encode``)."""

    def __init__(self, space_id: str, dim: int) -> None:
        self.space_id, self.dim = space_id, dim

    def encode(self, texts: list[str]) -> np.ndarray:
        seeds = [sum(map(ord, t)) for t in texts]
        return l2_normalise(
            np.stack([np.random.default_rng(s).standard_normal(self.dim) for s in seeds])
        )

    encode_texts = encode


class FakeEncoders:
    def __init__(self, clip: bool = True, text: bool = True) -> None:
        self._clip = FakeEncoder(CLIP, DIM) if clip else None
        self._text = FakeEncoder(TEXT, DIM) if text else None

    def clip(self) -> FakeEncoder | None:
        return self._clip

    def text(self) -> FakeEncoder | None:
        return self._text


def fitted_state(tmp_path: Path) -> tuple[AlignmentState, FakeCatalog]:
    state, catalog = AlignmentState(tmp_path / "alignment"), FakeCatalog()
    done = state.refresh(catalog, FakeVectors(), FakeEncoders(), force=True)  # type: ignore[arg-type]
    assert done == [f"calibration {CLIP}", f"calibration {TEXT}", f"bridge {TEXT} → {CLIP}"]
    return state, catalog


def test_refresh_fits_calibrations_and_the_bridge_and_saves_them(tmp_path: Path) -> None:
    state, catalog = fitted_state(tmp_path)
    assert state.bridge_space(CLIP) == BRIDGE
    assert set(state.calibrations) == {CLIP, TEXT, BRIDGE}
    assert ("query-text", "chunk") in state.calibrations[TEXT].stats
    assert len(catalog.vectors[BRIDGE]) == N // 2  # every chunk mapped into the CLIP space
    assert (tmp_path / "alignment" / f"{slug(BRIDGE)}.aligner").is_file()
    assert not [p for p in (tmp_path / "alignment").iterdir() if p.name.endswith(".tmp")]
    again = AlignmentState(tmp_path / "alignment")  # what another process reads
    assert again.snapshot.to_json() == state.snapshot.to_json()
    # Nothing grew: nothing is refitted, and the state saved and swapped in is unchanged.
    before = state.snapshot
    assert state.refresh(catalog, FakeVectors(), FakeEncoders()) == []  # type: ignore[arg-type]
    assert state.snapshot.to_json() == before.to_json()


def test_refresh_without_text_encoder_skips_text_probes_and_keeps_the_bridge(
    tmp_path: Path,
) -> None:
    state, catalog = fitted_state(tmp_path)
    old_bridge_cal = state.calibrations[BRIDGE]
    done = state.refresh(catalog, FakeVectors(), FakeEncoders(text=False), force=True)  # type: ignore[arg-type]
    assert done == [f"calibration {CLIP}", f"calibration {TEXT}"]
    assert state.bridge_space(CLIP) == BRIDGE and state.calibrations[BRIDGE] is old_bridge_cal
    assert ("query-text", "chunk") not in state.calibrations[TEXT].stats  # no text probes
    assert ("query-text", "image") in state.calibrations[CLIP].stats  # CLIP encodes its own


def test_snapshot_is_read_only(tmp_path: Path) -> None:
    state, _ = fitted_state(tmp_path)
    with pytest.raises(TypeError):
        state.bridges[CLIP] = "other"  # type: ignore[index]
    with pytest.raises(AttributeError):
        state.snapshot.bridges = {}  # type: ignore[misc]


def test_readers_never_see_an_empty_or_partial_state_during_reload_and_refresh(
    tmp_path: Path,
) -> None:
    state, catalog = fitted_state(tmp_path)
    rng = np.random.default_rng(1)
    query, items = (
        l2_normalise(rng.standard_normal(DIM)),
        l2_normalise(rng.standard_normal((9, DIM))),
    )
    raw = items @ query
    expected = state.zscores(query, "image", CLIP, "page", items, raw)
    assert not np.allclose(expected, (raw - 0.55) / 0.12)  # calibrated, not the fallback
    errors: list[str] = []
    done = threading.Event()
    reads = [0]

    def reader() -> None:
        while not done.is_set():
            z = state.zscores(query, "image", CLIP, "page", items, raw)
            if not np.allclose(z, expected, rtol=0, atol=1e-9):
                errors.append(f"zscores {z[:3]} != {expected[:3]}")
            if state.bridge_space(CLIP) != BRIDGE:
                errors.append("bridge missing")
            reads[0] += 1

    def writer() -> None:
        try:
            for n in range(30):
                state.reload()
                if n % 3 == 0:  # force: rebuilds every calibration from the same vectors
                    state.refresh(catalog, FakeVectors(), FakeEncoders(text=False), force=True)  # type: ignore[arg-type]
        finally:
            done.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, inside the writer's critical steps
    try:
        threads = [threading.Thread(target=reader) for _ in range(2)]
        threads.append(threading.Thread(target=writer))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[:5]
    assert reads[0] > 30


def test_runtime_never_imports_evaluation() -> None:
    """Indexing and search (and everything they import, at the top or inside functions) stay
    clear of engine.evaluation: torch-trained metrics and aligners are for benchmarks."""
    root = Path(__file__).resolve().parents[1]

    def imports(module: str) -> set[str]:
        base = root.joinpath(*module.split("."))
        path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
        return {m for m in found if m.split(".")[0] == "engine" and _is_module(root, m)}

    # The Library's own-evaluation and adaptation calls (engine.library_feedback) run the
    # evaluation and the aligner fit when the user asks for them: they are not walked into,
    # but they may import neither at the top (opening a library must not load them).
    on_request = "engine.library_feedback"
    seen: set[str] = set()
    todo = ["engine.library", "engine.search", "engine.indexing.indexer", "engine.align.state"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(imports(module) if module != on_request else [])
    assert not [m for m in seen if m.startswith("engine.evaluation")]
    assert "engine.align.bridge" in seen and on_request in seen
    top = ast.parse((root / "engine" / "library_feedback.py").read_text(encoding="utf-8"))
    top_level = [n.module for n in top.body if isinstance(n, ast.ImportFrom) and n.module]
    assert not [m for m in top_level if m.startswith(("engine.evaluation", "engine.adapt"))]


def _is_module(root: Path, module: str) -> bool:
    base = root.joinpath(*module.split("."))
    return base.is_dir() or base.with_suffix(".py").is_file()
