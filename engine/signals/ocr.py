"""OCR of text printed on boards, labels and drawings (RapidOCR, ONNX weights in its wheel).

Full OCR costs ~1.8 s per photo on a laptop CPU, and most photos in a folder carry no text.
The pipeline is therefore split: the text *detector* runs first on a downscaled image, and the
(expensive) angle classifier and recogniser run only on the boxes it found. An image without
boxes costs one detector pass. Text found at a slant (a board photographed at an angle) is
read once more on a levelled copy. Failures never escape: the indexer gets an empty result
with a reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image

from engine.offline import import_onnxruntime

log = logging.getLogger(__name__)

DEFAULT_MAX_SIDE = 1600  # board silkscreen stays legible; 12 MP photos cost 6x less
DEFAULT_MIN_CONFIDENCE = 0.6
# The text detector's input size. 0 keeps RapidOCR's rule ("min" 736: the shorter side is
# scaled to 736 px, so a 4:3 photo is seen at ~981x736 whatever its size). N > 0 scales the copy
# the detector sees so its longer side is N px (the recogniser still reads crops from the
# full-resolution image). Measured (docs/SIGNALS.md): 960 costs the same as the default on 4:3
# photos; 736 is ~0.65x the time but loses words on product photos, so the default stays.
DEFAULT_DET_MAX_SIDE = 0
# Pre-check: a detector pass at this longer side first; no boxes there, no text (the usual
# case for ordinary photos), and the full-size detector pass is skipped. 0 disables it.
DEFAULT_PRECHECK_SIDE = 0
_MIN_BOX_HEIGHT_PX = 8  # detector specks on textures; too small to read anyway


@dataclass(frozen=True)
class OcrLine:
    text: str
    confidence: float
    box: tuple[tuple[float, float], ...]  # 4 corner points in the input image's pixels


@dataclass
class OcrResult:
    lines: list[OcrLine] = field(default_factory=list)
    text: str = ""
    mean_confidence: float = 0.0
    had_text: bool = False
    error: str | None = None

    @classmethod
    def failed(cls, reason: str) -> OcrResult:
        return cls(error=reason)


def gpu_available() -> bool:
    """True when onnxruntime can run on CUDA here (the GPU build and a driver)."""
    try:
        onnxruntime = import_onnxruntime()
        providers: list[str] = onnxruntime.get_available_providers()
        return "CUDAExecutionProvider" in providers
    except Exception:
        return False


def _to_bgr(image: Image.Image, max_side: int) -> tuple[np.ndarray, float]:
    """RGB → BGR uint8 (what RapidOCR expects), downscaled; returns the scale applied."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    scale = min(1.0, max_side / max(image.size))
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1]), scale


class OcrEngine:
    """Thread-safe, lazily loaded RapidOCR with a detector-first fast path."""

    def __init__(
        self,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        max_side: int = DEFAULT_MAX_SIDE,
        use_gpu: bool | None = None,
        det_max_side: int = DEFAULT_DET_MAX_SIDE,
        precheck_side: int = DEFAULT_PRECHECK_SIDE,
        keep_unread: bool = False,
    ) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be within [0, 1], got {min_confidence}")
        if max_side < 32:
            raise ValueError(f"max_side must be at least 32 px, got {max_side}")
        if det_max_side < 0 or 0 < det_max_side < 32:
            raise ValueError(f"det_max_side must be 0 (RapidOCR's own) or ≥ 32, got {det_max_side}")
        if precheck_side < 0 or 0 < precheck_side < 32:
            raise ValueError(f"precheck_side must be 0 (off) or ≥ 32 px, got {precheck_side}")
        self.det_max_side = det_max_side
        self.precheck_side = precheck_side
        self.min_confidence = min_confidence
        # Boxes the detector found but the recogniser read nothing in (a line of kana, which
        # its Chinese/English model skips) are kept as empty, zero-confidence lines when a
        # second reader (Tesseract, engine.signals.ocr_choice) will read them again.
        self.keep_unread = keep_unread
        self.max_side = max_side
        self.use_gpu = gpu_available() if use_gpu is None else use_gpu
        self._engine: Any = None
        self._load_error: str | None = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        """Create the ONNX sessions once (~1 s); the caller holds the lock."""
        if self._engine is None and self._load_error is None:
            try:
                import_onnxruntime()  # telemetry off before RapidOCR creates sessions
                from rapidocr_onnxruntime import RapidOCR

                gpu = {"det_use_cuda": True, "cls_use_cuda": True, "rec_use_cuda": True}
                self._engine = RapidOCR(**(gpu if self.use_gpu else {}))
            except Exception as exc:
                self._load_error = f"OCR engine could not load: {exc}"
                log.warning(self._load_error)
        return self._engine

    @property
    def ready(self) -> bool:
        with self._lock:
            return self._load() is not None

    def read(self, image: Image.Image) -> OcrResult:
        """Text lines in ``image`` (boxes in the caller's pixel space); never raises."""
        try:
            bgr, scale = _to_bgr(image, self.max_side)
        except Exception as exc:  # truncated file, odd mode, zero size
            return OcrResult.failed(f"image could not be prepared for OCR: {exc}")
        with self._lock:  # RapidOCR keeps per-call state on the object; one image at a time
            engine = self._load()
            if engine is None:
                return OcrResult.failed(self._load_error or "OCR engine unavailable")
            try:
                raw = _run_pipeline(engine, bgr, self.det_max_side, self.precheck_side)
            except Exception as exc:
                log.warning("OCR failed: %s", exc)
                return OcrResult.failed(f"OCR failed: {exc}")
        return self._result(raw, scale)

    def has_text(self, image: Image.Image) -> bool:
        """Detector only: does the image seem to carry text at all? (cheap pre-check)"""
        try:
            bgr, _ = _to_bgr(image, self.max_side)
            with self._lock:
                engine = self._load()
                return engine is not None and bool(
                    _detect(engine, bgr, self.det_max_side, self.precheck_side)[0]
                )
        except Exception:
            return False

    def _result(self, raw: list[tuple[np.ndarray, str, float]], scale: float) -> OcrResult:
        lines = []
        for box, text, conf in raw:
            text = text.strip()
            pts = tuple((float(x) / scale, float(y) / scale) for x, y in box)
            if text and conf >= self.min_confidence:
                lines.append(OcrLine(text, float(conf), pts))
            elif not text and self.keep_unread:
                lines.append(OcrLine("", 0.0, pts))
        if not lines:
            return OcrResult()
        return OcrResult(
            lines=lines,
            text="\n".join(line.text for line in lines),
            mean_confidence=float(np.mean([line.confidence for line in lines])),
            had_text=True,
        )


def _detect(
    engine: Any, bgr: np.ndarray, det_max_side: int = 0, precheck_side: int = 0
) -> tuple[list[np.ndarray], np.ndarray, dict[str, Any]]:
    """Detector pass mirroring RapidOCR.__call__: resize limits, letterbox, DB detection."""
    img, ratio_h, ratio_w = engine.preprocess(bgr)
    record: dict[str, Any] = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
    img, record = engine.maybe_add_letterbox(img, record)
    small = precheck_side and max(img.shape[:2]) > precheck_side
    if small and not len(_det_boxes(engine, img, precheck_side)):
        return [], img, record
    boxes = _det_boxes(engine, img, det_max_side)
    keep = [b for b in boxes if _box_height(b) >= _MIN_BOX_HEIGHT_PX]
    return keep, img, record


def _det_boxes(engine: Any, img: np.ndarray, side: int) -> Any:
    """Text boxes in ``img``'s pixels, the detector seeing a copy with longer side ``side``
    (0: RapidOCR's own resize rule)."""
    if side:
        try:
            return _det_at(engine.text_det, img, side, engine.sorted_boxes)
        except AttributeError:  # another RapidOCR layout: fall back to its own pass
            log.debug("RapidOCR internals differ; using its own detector resize")
    boxes, _ = engine.auto_text_det(img)
    return [] if boxes is None else boxes


def _det_at(det: Any, img: np.ndarray, side: int, sort: Callable[[Any], Any]) -> Any:
    h, w = img.shape[:2]
    scale = side / max(h, w)
    size = (max(32, round(w * scale / 32) * 32), max(32, round(h * scale / 32) * 32))
    resized = cv2.resize(img, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    x = (resized.astype(np.float32) / 255.0 - np.float32(det.mean)) / np.float32(det.std)
    x = np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)
    preds = det.infer(x)[0]
    boxes, _ = det.postprocess_op(preds, (h, w))
    boxes = det.filter_tag_det_res(boxes, (h, w))
    return sort(boxes) if len(boxes) else []


def _box_height(box: np.ndarray) -> float:
    return float(min(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2])))


Raw = list[tuple[np.ndarray, str, float]]  # (4-point box, text, confidence)


def _run_pipeline(
    engine: Any, bgr: np.ndarray, det_max_side: int = 0, precheck_side: int = 0
) -> Raw:
    """One pass, then a second one on a deskewed copy when the text found runs at a slant."""
    raw = _read_pass(engine, bgr, det_max_side, precheck_side)
    angle = dominant_slant([box for box, _, _ in raw])
    if angle is None:
        return raw
    rotated, back = _rotate(bgr, angle)
    first_boxes = [box for box, _, conf in raw if conf >= READ_WELL]

    def unread(box: np.ndarray) -> bool:  # text the first pass read well is not read again
        on_photo = _transform(box, back)
        return not any(_same_spot(on_photo, other) for other in first_boxes)

    deskewed = _read_pass(engine, rotated, det_max_side, 0, unread)
    return merge_passes(raw, [(_transform(box, back), t, c) for box, t, c in deskewed])


def _read_pass(
    engine: Any,
    bgr: np.ndarray,
    det_max_side: int,
    precheck_side: int,
    wanted: Callable[[np.ndarray], bool] | None = None,
) -> Raw:
    """Detect, then classify orientation and recognise only the detected crops (only those
    whose box, in ``bgr``'s pixels, is ``wanted``)."""
    boxes, img, record = _detect(engine, bgr, det_max_side, precheck_side)
    if not boxes:
        return []
    h, w = bgr.shape[:2]
    origin = engine._get_origin_points(boxes, record, h, w)  # undo letterbox and resize
    if wanted is not None:
        keep = [i for i, box in enumerate(origin) if wanted(box)]
        boxes, origin = [boxes[i] for i in keep], [origin[i] for i in keep]
        if not boxes:
            return []
    crops = engine.get_crop_img_list(img, boxes)
    crops, _, _ = engine.text_cls(crops)
    rec_res, _ = engine.text_rec(crops, False)
    return [(box, res[0], float(res[1])) for box, res in zip(origin, rec_res, strict=True)]


# --- Slanted text ---------------------------------------------------------------------------
# A board photographed at an angle carries its silkscreen at an angle. The detector finds some
# of those words (short, high-contrast ones like GND) but misses or splits longer ones: on a
# Grove LED Bar photographed at ~35°, "LED Bar" was only read once the photo was turned level.
# So when the boxes found agree on a slant, the photo is read again turned level.
MIN_SLANT_DEG = 12.0  # the recogniser copes with less; scans are rarely skewed more
MAX_SLANT_DEG = 60.0  # beyond this a box's long side no longer tells which way text runs
MIN_SLANTED_BOXES = 2  # one tilted box is as often a logo or a tilted component
READ_WELL = 0.9  # a first-pass reading this confident is not recognised again when levelled


def _slant_of(box: np.ndarray) -> tuple[float, float] | None:
    """(angle in degrees, length) of a box's reading direction; None for boxes too square to
    tell. RapidOCR orders corners clockwise from top-left, so corner 0 → 1 runs along the
    text in image coordinates (y down: text rising to the right has a negative angle)."""
    p = np.asarray(box, np.float64)
    along, across = p[1] - p[0], p[2] - p[1]
    length = float(np.hypot(*along))
    if length < 1.5 * float(np.hypot(*across)):
        return None
    return float(np.degrees(np.arctan2(along[1], along[0]))), length


def dominant_slant(boxes: list[np.ndarray]) -> float | None:
    """The angle most of the slanted text runs at (length-weighted median), or None when the
    text is level, or too few boxes are slanted to be sure."""
    slanted = [
        s for s in map(_slant_of, boxes) if s and MIN_SLANT_DEG <= abs(s[0]) <= MAX_SLANT_DEG
    ]
    if len(slanted) < MIN_SLANTED_BOXES:
        return None
    angles = np.array([a for a, _ in slanted])
    weights = np.array([w for _, w in slanted])
    order = np.argsort(angles)
    cumulative = np.cumsum(weights[order])
    return float(angles[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _rotate(bgr: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """``bgr`` turned by ``angle`` degrees (counter-clockwise, as OpenCV counts) on a canvas
    large enough to keep every corner, and the 2x3 affine map from it back to ``bgr``."""
    h, w = bgr.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    size = (int(np.ceil(h * sin + w * cos)), int(np.ceil(h * cos + w * sin)))
    m[0, 2] += size[0] / 2.0 - w / 2.0
    m[1, 2] += size[1] / 2.0 - h / 2.0
    white = (255, 255, 255)
    rotated = cv2.warpAffine(bgr, m, size, flags=cv2.INTER_LINEAR, borderValue=white)
    return rotated, cv2.invertAffineTransform(m)


def _transform(box: np.ndarray, affine: np.ndarray) -> np.ndarray:
    pts = np.asarray(box, np.float64).reshape(-1, 2)
    out: np.ndarray = (pts @ affine[:, :2].T + affine[:, 2]).astype(np.float32)
    return out


def merge_passes(first: Raw, second: Raw) -> Raw:
    """Every line of the first pass, plus the second pass's lines that read something new:
    a line is left out only when a line it overlaps already holds its text. Nothing read is
    lost; a word read twice in different splits ("GND VCC" and "VCC") costs little."""
    merged = list(first)
    for box, text, conf in second:
        key = _letters(text)
        if not any(key in _letters(t) and _overlap(box, b) for b, t, _ in first):
            merged.append((box, text, conf))
    return merged


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _same_spot(a: np.ndarray, b: np.ndarray) -> bool:
    """Each box's centre lies inside the other: one word found twice (a line spanning several
    words holds their centres, but its own centre is in at most one of them)."""
    return _inside(_centre(a), b) and _inside(_centre(b), a)


def _centre(box: np.ndarray) -> tuple[float, float]:
    c = np.asarray(box, np.float32).mean(axis=0)
    return float(c[0]), float(c[1])


def _inside(point: tuple[float, float], box: np.ndarray) -> bool:
    return cv2.pointPolygonTest(np.asarray(box, np.float32), point, False) >= 0


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Either box's centre lies inside the other: the two readings are of the same text."""
    return _inside(_centre(a), b) or _inside(_centre(b), a)
