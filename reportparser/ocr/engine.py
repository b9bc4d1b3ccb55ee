"""The OCR engine: RapidOCR's PP-OCR models (ONNX, shipped inside the `rapidocr` wheel) run
by onnxruntime on one thread, behind the two calls the reader needs.

Only this module knows RapidOCR's API: `detect` finds text lines on a page image, `recognise`
reads one line image and returns every character's confidence (the reader's quality gate works
per character: one doubtful digit in `1204` makes the whole number doubtful, which a line's mean
score hides). The time spent in each stage is counted for `bench/bench_ocr.py`.

Nothing is downloaded: RapidOCR resolves its default models to files inside its package, and
`tests/reportparser/ocr` runs the engine inside a network namespace with no network at all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any, Final

import numpy as np
from rapidocr import RapidOCR
from rapidocr.utils.process_img import get_rotate_crop_image

# Recognition crops are padded to this width at least. RapidOCR's default (320 px at 48 px high,
# Paddle's training shape) pads a three-digit cell to seven times its width: the network's cost
# grows with the width, and a cell read alone needs no padding.
_REC_MIN_WIDTH: Final = 48
# Detection runs on the page scaled so that its longer side is at most this many pixels
# (about 90 pixels per inch on A4: 10-point text is 12 pixels high, lines stay apart). Its
# boxes only say where the lines are: the reader cuts each line from the full-resolution page
# to its ink (`layout.ink_box`), so a coarser box costs no accuracy, and the detector's time
# falls with its pixels (at 1600 it was a fifth of the OCR's time, at 1024 under a tenth).
DET_MAX_SIDE: Final = 1024


# Characters one glyph is read as: a confidence is that of the glyph, not of one spelling.
LOOK_ALIKES: Final = (("0", "O", "o", "〇", "○", "Ｏ"), ("1", "l", "I"))


@dataclass(slots=True)
class StageTimes:
    """CPU seconds spent per stage of the OCR (the process's CPU time, so one core's work)."""

    detection: float = 0.0
    recognition: float = 0.0
    layout: float = 0.0  # page preparation, ruling lines and table structure
    lines: int = 0  # text lines recognised

    def add(self, other: StageTimes) -> None:
        self.detection += other.detection
        self.recognition += other.recognition
        self.layout += other.layout
        self.lines += other.lines


@dataclass(frozen=True, slots=True)
class Reading:
    """One recognised line: its text and each character's confidence (0–1)."""

    text: str
    confidences: tuple[float, ...]

    @property
    def confidence(self) -> float:
        return min(self.confidences, default=0.0)


@dataclass(slots=True)
class Engine:
    """A RapidOCR instance on one onnxruntime thread (the parser's workers are processes: one
    thread each keeps the machine's cores for the other workers)."""

    times: StageTimes = field(default_factory=StageTimes)
    _ocr: Any = None
    _group_cache: dict[int, list[int]] | None = None

    def __post_init__(self) -> None:
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.use_cls": False,  # pages are deskewed; no line is upside down
                "Global.max_side_len": 100_000,  # the reader scales pages itself
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                "Det.limit_type": "max",
                "Det.limit_side_len": DET_MAX_SIDE,
                "Rec.rec_img_shape": [3, 48, _REC_MIN_WIDTH],
            }
        )

    @property
    def name(self) -> str:
        """What `sources.engine` records: the package, its version and its models."""
        return f"rapidocr {version('rapidocr')} PP-OCRv6"

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """The text lines of a BGR image as quadrilaterals (4 x 2 float32, clockwise from the
        top left): a line still slanted by a residual skew is cropped along its slant."""
        started = time.process_time()
        try:
            result = self._ocr(image, use_det=True, use_cls=False, use_rec=False)
        finally:
            self.times.detection += time.process_time() - started
        boxes = getattr(result, "boxes", None)
        if boxes is None:
            return []
        return [np.asarray(quad, dtype=np.float32) for quad in boxes]

    def crop(self, image: np.ndarray, quad: np.ndarray) -> np.ndarray:
        """A detected line cut out of `image` along its slant (RapidOCR's own crop): for a page
        left askew, where a level box would take in parts of the lines around it."""
        return np.asarray(get_rotate_crop_image(image, quad.copy()))

    def recognise(self, image: np.ndarray) -> Reading:
        """The text of one line image (BGR), with per-character confidences.

        Greedy CTC decoding of the recogniser's output, as RapidOCR does, except for the
        confidence of look-alike characters: where the network hesitates between 0 and O (a
        lone zero in a cell is the commonest case) its probability is split between two readings
        of the same glyph, so a character's confidence is the probability of its group.
        """
        started = time.process_time()
        try:
            rec = self._rec
            height, width = image.shape[:2]
            norm = rec.resize_norm_img(image, max(width / max(height, 1), 1.0))
            probs = np.asarray(rec.session(norm[np.newaxis].astype(np.float32)))[0]
        finally:
            self.times.recognition += time.process_time() - started
        self.times.lines += 1
        best = probs.argmax(axis=1)
        text: list[str] = []
        confidences: list[float] = []
        previous = -1
        for step, index in enumerate(best):
            if index not in (previous, 0):
                group = self._groups.get(int(index))
                mass = probs[step, group].sum() if group is not None else probs[step, index]
                text.append(self._chars[int(index)])
                confidences.append(float(mass))
            previous = int(index)
        return Reading("".join(text), tuple(confidences))

    @property
    def _rec(self) -> Any:
        return self._ocr._load_rec_model()  # RapidOCR loads its models on first use

    @property
    def _chars(self) -> list[str]:
        return self._rec.postprocess_op.character  # type: ignore[no-any-return]

    @property
    def _groups(self) -> dict[int, list[int]]:
        if self._group_cache is None:
            index = {char: i for i, char in enumerate(self._chars)}
            groups: dict[int, list[int]] = {}
            for members in LOOK_ALIKES:
                found = [index[c] for c in members if c in index]
                for i in found:
                    groups[i] = found
            self._group_cache = groups
        return self._group_cache
