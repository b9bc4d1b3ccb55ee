"""Scanned pages to an `ExtractedDocument`: table cells read one by one, running text by lines.

Per page (`read_page`): the page is cleaned and straightened (`layout.prepare`), its ruled tables
found from the ruling lines (`layout.table_grids`), and every cell's text lines recognised
alone, from a crop inside the cell's rules (whole-page OCR joins neighbouring cells and misreads
cells under a seal). Text outside the tables is found by the detector and read line by line.
The pieces become the same `PageText` a text PDF's characters do, so paragraphs, cells, merged
cells and tables continued over a page break are assembled by `reportparser.formats.pdf`.

Numbers are where a misreading costs: every run of digits whose least sure character is below
`Marks.threshold` is replaced by a *tracer* (`Marks`), a number no report prints, so that after
the analysis the figure it became can be found and set to null with a finding (`gate`).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final

import cv2
import numpy as np

from reportparser.formats.pdf import EngineResult, Grid, PageText, blocks
from reportparser.formats.text import measure
from reportparser.ocr.engine import Engine, Reading
from reportparser.ocr.layout import (
    Box,
    Page,
    cell_boxes,
    ink_box,
    padded_crop,
    prepare,
    table_grids,
    text_lines,
)
from reportparser.values import squash, squashed_cell_value

# A number's characters must all be at least this sure (PP-OCR's per-character probability).
CONFIDENCE: Final = 0.90
_WIDE_GAP: Final = 1.0  # a blank this many line heights wide inside a value: two values
_ALIGN: Final = 0.1  # inches: one table's column lines on two scanned pages
TRACER_BASE: Final = 987_650_000
_SLANT: Final = 0.25  # a line's top edge drifting by this share of its height is askew
_SLANT_PAD: Final = 0.25  # paper added above and below a line cut along its slant
_REREAD_PAD: Final = 0.15  # a doubtful line's second crop: its ink larger in the recogniser
_DIGITS: Final = re.compile(r"\d(?:[\d,.]*\d)?")


# PP-OCR's confusions on scanned template labels: look-alike characters making words no report
# uses (甲请 for 申请); repaired so that row labels are recognised.
_REPAIRS: Final = (("甲请", "申请"), ("尚禾", "尚未"), ("外理", "处理"), ("申甲", "申请"))


def repair(text: str) -> str:
    for wrong, right in _REPAIRS:
        if wrong in text:
            text = text.replace(wrong, right)
    return text


_NOISE: Final = 0.5  # a line read this unsurely, one or two characters long, is dust
_VALUE_WORDS: Final = re.compile(r"增加|减少|万元|元|件|\s")
_SPLIT_NUMBER: Final = re.compile(r"\d\s+\d")


# In a value cell a look-alike letter is the digit (the engine's confidence covers both).
_AS_DIGITS: Final = str.maketrans({"O": "0", "o": "0", "〇": "0", "○": "0", "l": "1", "I": "1"})
_EDGE_MARKS: Final = ".,·、"  # a dot at a number's edge is dust (a decimal point is inside)


def _core_confidence(reading: Reading) -> float:
    """The least sure character of the value's digits and signs: dust dots at the edges and
    the hanzi of a sign word (增加 68, whose misreading fails the value's pattern) left out."""
    text = reading.text
    start, stop = 0, len(text)
    while start < stop and text[start] in _EDGE_MARKS + " ":
        start += 1
    while stop > start and text[stop - 1] in _EDGE_MARKS + " ":
        stop -= 1
    return min(
        (
            confidence
            for ch, confidence in zip(
                text[start:stop], reading.confidences[start:stop], strict=True
            )
            if not "\u4e00" <= ch <= "\u9fff" and not ch.isspace()
        ),
        default=0.0,
    )


def _mean(reading: Reading) -> float:
    return sum(reading.confidences) / len(reading.confidences) if reading.confidences else 0.0


def _has_label(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _value_like(text: str) -> bool:
    """Whether a cell's text is a value (a number, a signed change, an empty marker, or junk
    where one should be) rather than a label: labels and headers are words (a wrapped one may
    leave a single hanzi on its last line), values are digits and signs."""
    core = _VALUE_WORDS.sub("", text)
    if not core:
        return False
    hanzi = sum(1 for ch in core if "\u4e00" <= ch <= "\u9fff")
    if hanzi >= 2:
        return False
    if any(ch.isdigit() or ch in "+-./—–" for ch in core):
        return True
    return core in ("无", "空") if hanzi else True


def _least(reading: Reading, match: re.Match[str]) -> float:
    """The least sure character of a number and of the characters around it (they decide its
    sign and unit: 增加 68, -4)."""
    least = min(reading.confidences[match.start() : match.end()], default=0.0)
    around = reading.confidences[max(0, match.start() - 1) : match.end() + 1]
    return min(least, *around) if around else least


def agreed(first: Reading, second: Reading) -> Reading:
    """Two readings of one line from crops padded differently: where they read the same text,
    each character is as sure as its surer reading (a digit the recogniser doubted at one
    scale only, which it read alike at both); where they differ, the first, doubts and all."""
    if first.text != second.text:
        return first
    return Reading(
        first.text,
        tuple(max(a, b) for a, b in zip(first.confidences, second.confidences, strict=True)),
    )


class OcrTimeout(Exception):
    """The OCR of a document took longer than its budget."""


@dataclass(slots=True)
class Marks:
    """Doubtful numbers replaced by tracers: tracer value → (what was read, its confidence)."""

    threshold: float = CONFIDENCE
    doubtful: dict[int, tuple[str, float]] = field(default_factory=dict)
    confidences: list[float] = field(default_factory=list)  # every character read

    def tracer(self, text: str, confidence: float) -> str:
        value = TRACER_BASE + len(self.doubtful)
        self.doubtful[value] = (text, confidence)
        return str(value)

    def apply(self, reading: Reading) -> str:
        """The reading's text, doubtful digit runs replaced by tracers."""
        self.confidences.extend(reading.confidences)
        text = reading.text
        if not any(ch.isdigit() for ch in text):
            return repair(text)
        out: list[str] = []
        last = 0
        for match in _DIGITS.finditer(text):
            least = _least(reading, match)
            if least >= self.threshold:
                continue
            out.append(text[last : match.start()])
            out.append(self.tracer(match.group(), least))
            last = match.end()
        out.append(text[last:])
        return repair("".join(out))

    def unsure(self, reading: Reading) -> bool:
        """Whether `apply` would replace a number of the reading by a tracer."""
        return any(
            _least(reading, match) < self.threshold for match in _DIGITS.finditer(reading.text)
        )

    def cell(self, readings: list[Reading], *, split: bool = False) -> list[str]:
        """The texts of one table cell's lines. A cell holding a value is all or nothing: any
        doubtful character, a second line, a wide blank inside its ink (`split`: two numbers
        whose column rule the scan lost), or text that is not a value makes the whole cell one
        tracer. A label keeps what was read, less dust read as a character or two."""
        for reading in readings:
            self.confidences.extend(reading.confidences)
        joined = "".join(reading.text for reading in readings)
        if any(not reading.text.strip() for reading in readings) and not _has_label(joined):
            # Ink that read as nothing: a value too faint or too damaged to read.
            return [self.tracer(joined or "?", 0.0)] + [""] * (len(readings) - 1)
        if not _value_like(joined):
            return [
                repair(reading.text)
                for reading in readings
                if not (len(reading.text.strip()) <= 2 and _mean(reading) < _NOISE)
            ]
        least = min(_core_confidence(reading) for reading in readings)
        text = readings[0].text.strip().strip(_EDGE_MARKS).translate(_AS_DIGITS)
        if (
            len(readings) == 1
            and not split
            and least >= self.threshold
            and not _SPLIT_NUMBER.search(text)
            and squashed_cell_value(squash(text)).kind != "text"
        ):
            return [text]
        return [self.tracer(joined, least)] + [""] * (len(readings) - 1)

    @property
    def mean_confidence(self) -> float | None:
        if not self.confidences:
            return None
        return sum(self.confidences) / len(self.confidences)


@dataclass(slots=True)
class Budget:
    """The OCR's time budget (CPU-independent: wall-clock seconds since the document began)."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def check(self, where: str) -> None:
        spent = time.monotonic() - self.started
        if spent > self.seconds:
            raise OcrTimeout(
                f"OCR stopped after {spent:.0f} s (budget {self.seconds:.0f} s) {where}"
            )


def _bgr(gray: np.ndarray) -> np.ndarray:
    return np.asarray(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))


def _crop(page: Page, box: Box) -> np.ndarray:
    x0, y0, x1, y1 = box
    return _bgr(page.gray[y0:y1, x0:x1])


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    box: Box  # pixels
    running: bool  # running text (not inside a table cell)


def _running_lines(
    page: Page, engine: Engine, tables: list[Box]
) -> list[tuple[Box, np.ndarray, Callable[[], np.ndarray] | None]]:
    """Detected text lines outside the tables: each line's ink box, its padded crop and how to
    cut one padded less (read again only where a number of the first reading is doubtful)."""
    image = page.gray.copy()
    ink = page.ink.copy()
    for x0, y0, x1, y1 in tables:
        image[max(0, y0) : y1, max(0, x0) : x1] = 255
        ink[max(0, y0) : y1, max(0, x0) : x1] = 0
    if not (image < 128).any():
        return []
    bgr = _bgr(image)
    lines: list[tuple[Box, np.ndarray, Callable[[], np.ndarray] | None]] = []
    for quad in engine.detect(bgr):
        xs, ys = quad[:, 0], quad[:, 1]
        found = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        if _slanted(quad):
            # A page left askew (beyond what `prepare` straightens): the line is cut along
            # its slant, where a level box would take in parts of the lines around it.
            crop = engine.crop(bgr, quad)
            pad = max(3, round(crop.shape[0] * _SLANT_PAD))
            white = (255, 255, 255)
            border = cv2.BORDER_CONSTANT
            crop = cv2.copyMakeBorder(crop, pad, pad, 0, 0, border, value=white)
            lines.append((found, crop, None))
            continue
        box = ink_box(ink, found)
        if box is not None:  # a box over paper only (a speck the cleaning took out)
            tighter = functools.partial(_reread_crop, image, box)
            lines.append((box, _bgr(padded_crop(image, box)), tighter))
    return lines


def _reread_crop(image: np.ndarray, box: Box) -> np.ndarray:
    """A line's second crop, padded less: its ink larger in the recogniser."""
    return _bgr(padded_crop(image, box, _REREAD_PAD))


def _slanted(quad: np.ndarray) -> bool:
    """Whether a detected line's top edge drifts by more than a quarter of its height."""
    (left, top), (right, top_right) = quad[0], quad[1]
    height = float(np.linalg.norm(quad[3] - quad[0]))
    return bool(abs(top_right - top) > _SLANT * max(height, 1.0) and right > left)


def _two_values(page: Page, box: Box) -> bool:
    """Whether a cell line's ink has a blank wider than a character inside it, with a fair
    share of the ink on each side: digits of one number sit close together, two cells'
    numbers (a lost rule between them) do not; a speck of dust beside a number is no number."""
    x0, y0, x1, y1 = box
    columns = np.count_nonzero(page.ink[y0:y1, x0:x1], axis=0)
    inked = np.flatnonzero(columns)
    if inked.size < 2:
        return False
    gaps = np.diff(inked) - 1
    widest = int(gaps.argmax())
    if gaps[widest] <= (y1 - y0) * _WIDE_GAP:
        return False
    left = int(columns[: inked[widest] + 1].sum())
    total = int(columns.sum())
    return min(left, total - left) >= 0.2 * total


def _visual_lines(pieces: list[_Piece]) -> Iterator[list[_Piece]]:
    """Running-text pieces grouped into the lines a reader sees (top to bottom, left to right)."""
    line: list[_Piece] = []
    top = bottom = 0
    for piece in sorted(pieces, key=lambda p: (p.box[1] + p.box[3]) / 2):
        y0, y1 = piece.box[1], piece.box[3]
        if line and min(bottom, y1) - max(top, y0) >= 0.5 * min(y1 - y0, bottom - top):
            line.append(piece)
            top, bottom = min(top, y0), max(bottom, y1)
            continue
        if line:
            yield sorted(line, key=lambda p: p.box[0])
        line, top, bottom = [piece], y0, y1
    if line:
        yield sorted(line, key=lambda p: p.box[0])


def read_page(
    bgr: np.ndarray, dpi: float, number: int, *, engine: Engine, marks: Marks, budget: Budget
) -> PageText:
    """One page image as a `PageText` in points (y up), its tables as `pdf.Grid`s."""
    started = time.process_time()
    page = prepare(bgr, dpi)
    grids = table_grids(page, number)
    cells = [cell_boxes(page, grid) for grid in grids]
    line_boxes = [[text_lines(page, box) for box in grid_cells] for grid_cells in cells]
    engine.times.layout += time.process_time() - started

    table_areas: list[Box] = []
    for grid in grids:
        x0, y0 = page.to_pixels(grid.xs[0], grid.ys[0])
        x1, y1 = page.to_pixels(grid.xs[-1], grid.ys[-1])
        table_areas.append((x0, y0, x1, y1))
    pieces: list[_Piece] = []
    for grid_lines in line_boxes:
        for lines in grid_lines:
            if not lines:
                continue
            budget.check(f"on page {number + 1}")
            readings = [engine.recognise(_crop(page, box)) for box in lines]
            split = any(_two_values(page, box) for box in lines)
            for text, box in zip(marks.cell(readings, split=split), lines, strict=False):
                if text:
                    pieces.append(_Piece(text, box, False))
    for box, image, tighter in _running_lines(page, engine, table_areas):
        budget.check(f"on page {number + 1}")
        reading = engine.recognise(image)
        if tighter is not None and marks.unsure(reading):
            reading = agreed(reading, engine.recognise(tighter()))
        if reading.text.strip():
            pieces.append(_Piece(marks.apply(reading), box, True))

    # Pieces with their boxes: the PDF extractor lays running text out into lines by position
    # and places cell text into the grids.
    items: list[tuple[str, float, float, float, float]] = []
    for piece in pieces:
        x0, y0, x1, y1 = piece.box
        left, top = page.to_points(x0, y0)
        right, bottom = page.to_points(x1, y1)
        items.append((piece.text, left, bottom, right, top))
    running = [
        "".join(piece.text for piece in line)
        for line in _visual_lines([p for p in pieces if p.running])
    ]
    return PageText(number, running, items, grids)


def read_pages(
    pages: Iterator[tuple[np.ndarray, float]], engine: Engine, marks: Marks, budget: Budget
) -> tuple[list[PageText], list[str]]:
    texts: list[PageText] = []
    notes: list[str] = []
    for number, (bgr, dpi) in enumerate(pages):
        page = read_page(bgr, dpi, number, engine=engine, marks=marks, budget=budget)
        if texts and texts[-1].grids and page.grids:
            _align(texts[-1].grids[-1], page.grids[0])
        texts.append(page)
    return texts, notes


def _align(previous: Grid, grid: Grid) -> None:
    """A table continued on the next page: its column lines moved onto the previous page's.

    Two scanned pages are never placed alike (each was fed and straightened on its own), so
    the same column line lands a few points apart on each; the PDF extractor, which joins a
    table's parts on the union of their column lines, would then see twice the columns.
    """
    tolerance = _ALIGN * 72
    if (
        abs(previous.xs[0] - grid.xs[0]) > tolerance
        or abs(previous.xs[-1] - grid.xs[-1]) > tolerance
    ):
        return
    aligned: list[float] = []
    for x in grid.xs:
        nearest = min(previous.xs, key=lambda p: abs(p - x))
        aligned.append(nearest if abs(nearest - x) <= tolerance else x)
    grid.xs = aligned


def assemble_document(pages: list[PageText], engine_name: str) -> EngineResult:
    quality = measure("\n".join(line for page in pages for line in page.lines))
    return EngineResult(engine_name, pages, quality, [])


__all__ = ["Budget", "Marks", "OcrTimeout", "assemble_document", "blocks", "read_pages"]
