"""Planted modality gap: calibration must let the true neighbour win across modalities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.align.calibration import ModalityCalibration
from engine.align.geometry import centroid_gap, l2_normalise

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
