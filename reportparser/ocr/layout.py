"""A scanned page's layout from its pixels: clean ink, the skew, the ruling lines of its tables
and the text lines inside each table cell (OpenCV).

Sizes are in inches times the page's resolution (`Page.px`), so 150 and 300 dpi scans are
treated alike. The ruling lines become the same `Segments` a text PDF's vector lines do, in
points with y up, so `reportparser.formats.pdf.find_grids` builds the table grids, merged cells
included, exactly as it does for text PDFs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np

from reportparser.formats.pdf import Grid, Segments, find_grids

# Inches.
_H_KERNEL: Final = 0.4  # a horizontal rule is a run at least this long (2 em of 10.5 pt text)
_V_KERNEL: Final = 0.1  # vertical rule pieces at least this tall (then checked against rows)
_BRIDGE: Final = 0.03  # gaps in a rule up to this long are dust or wear, not an end
_TOUCH: Final = 0.015  # how close a vertical rule's end must come to a horizontal one
_MAX_SKEW: Final = 3.0  # degrees; beyond this a page is not straightened
_LINE_GAP: Final = 0.012  # blank rows between two text lines of one cell
_INSET: Final = 0.02  # a cell's text is looked for this far inside its rules
_PAD: Final = 0.35  # a text line crop's margin, in line heights (PP-OCR reads padded lines)
_RED: Final = 60  # red minus the mean of green and blue: seal ink, not print
_SEAL_LIGHT: Final = 150  # ... over paper; over print it is dark in every channel, and kept
_FAINT: Final = 215  # gray level below which a pixel may belong to a ruling line
_SPECK: Final = 3  # ink components of at most this many pixels are dust (any resolution)


@dataclass(slots=True)
class Page:
    """One page image, cleaned: `gray` is white paper and dark ink with red seals taken out,
    deskewed; `ink` marks its ink pixels (dust removed)."""

    gray: np.ndarray
    ink: np.ndarray
    dpi: float
    skew: float = 0.0  # degrees the scan was turned back by

    def faint_ink(self) -> np.ndarray:
        """Ink including faint gray: a one-point rule scanned at 150 dpi is spread over two
        pixel columns of mid gray, which the text threshold misses."""
        return np.asarray(np.where(self.gray < _FAINT, 255, 0), dtype=np.uint8)

    def px(self, inches: float) -> int:
        return max(1, round(inches * self.dpi))

    @property
    def height(self) -> int:
        return int(self.gray.shape[0])

    @property
    def width(self) -> int:
        return int(self.gray.shape[1])

    def to_points(self, x: float, y: float) -> tuple[float, float]:
        """Pixel position to PDF points, y up (what `reportparser.formats.pdf` works in)."""
        scale = 72.0 / self.dpi
        return x * scale, (self.height - y) * scale

    def to_pixels(self, x: float, y: float) -> tuple[int, int]:
        scale = self.dpi / 72.0
        return round(x * scale), round(self.height - y * scale)


def _unseal(bgr: np.ndarray) -> np.ndarray:
    """Gray from the red channel, red ink painted out: a red seal is nearly as light as the
    paper in the red channel, and where its ink is dense enough to leave a trace there, the
    pixel is clearly redder than gray. Black print under the seal stays black (seal ink
    multiplies with it): only its anti-aliased edges are lost."""
    blue, green, red = (bgr[:, :, k].astype(np.int16) for k in range(3))
    gray = bgr[:, :, 2].copy()
    gray[(red - (green + blue) // 2 > _RED) & (red > _SEAL_LIGHT)] = 255
    return gray


def _flatten(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Paper tone and uneven lighting removed: each pixel divided by the local paper level."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    size = max(3, round(dpi * 0.05) | 1)
    paper = cv2.dilate(small, np.ones((size, size), np.uint8))  # text is thinner than this
    paper = cv2.GaussianBlur(paper, (0, 0), max(2.0, dpi / 40))
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, np.maximum(paper, 1), scale=255)
    return np.asarray(flat, dtype=np.uint8)


def _ink(gray: np.ndarray) -> np.ndarray:
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    dust = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] <= _SPECK)
    dust = dust[dust != 0]
    if dust.size and count > 1:
        binary[np.isin(labels, dust)] = 0
    return binary


def _clean_dust(gray: np.ndarray, raw_ink: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """Dust specks painted paper-white in the gray image, so recognition never reads them as
    a decimal point."""
    specks = (raw_ink > 0) & (ink == 0)
    if specks.any():
        gray = gray.copy()
        gray[specks] = 255
    return gray


def _skew(ink: np.ndarray, dpi: float) -> float:
    """The page's skew in degrees: from its long horizontal rules when it has some, else from
    its text lines (the angle that makes the row profile of the ink sharpest)."""
    length = max(10, round(dpi * _H_KERNEL))
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    angles: list[tuple[float, float]] = []
    long_enough = ink.shape[1] * 0.25
    for k in range(1, count):
        width = stats[k, cv2.CC_STAT_WIDTH]
        if width < long_enough:
            continue
        ys, xs = np.nonzero(
            labels[
                stats[k, cv2.CC_STAT_TOP] : stats[k, cv2.CC_STAT_TOP]
                + stats[k, cv2.CC_STAT_HEIGHT],
                stats[k, cv2.CC_STAT_LEFT] : stats[k, cv2.CC_STAT_LEFT] + width,
            ]
            == k
        )
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angles.append((math.degrees(math.atan(slope)), float(width)))
    if len(angles) >= 2:
        angles.sort()
        total = sum(w for _, w in angles)
        acc = 0.0
        for angle, weight in angles:  # the length-weighted median
            acc += weight
            if acc >= total / 2:
                return angle
    return _profile_skew(ink)


def _profile_skew(ink: np.ndarray) -> float:
    small = cv2.resize(ink, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    height, width = small.shape
    centre = (width / 2, height / 2)
    best, best_score = 0.0, -1.0
    for step in range(-30, 31):
        angle = step * 0.1
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(small, matrix, (width, height), flags=cv2.INTER_NEAREST)
        profile = turned.sum(axis=1, dtype=np.float64)
        score = float(np.square(np.diff(profile)).sum())
        if score > best_score:
            best, best_score = angle, score
    # The angle that straightened the thumbnail is the one `prepare` turns the page by (it
    # applies the same rotation matrix). Returning its opposite, as this once did, turned a
    # page of running text twice as far askew, which the detector's slanted boxes then hid.
    return best


def prepare(bgr: np.ndarray, dpi: float) -> Page:
    """Clean and straighten one page image."""
    gray = _flatten(_unseal(bgr), dpi)
    raw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    ink = _ink(gray)
    skew = _skew(ink, dpi)
    if 0.05 <= abs(skew) <= _MAX_SKEW:
        height, width = gray.shape
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
        gray = cv2.warpAffine(
            gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=(255,)
        )
        raw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
        ink = _ink(gray)
    else:
        skew = 0.0
    return Page(_clean_dust(gray, raw, ink), ink, dpi, skew)


# ---- ruling lines ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    pos: float  # y of a horizontal rule, x of a vertical one (pixels)
    start: float
    stop: float
    thickness: float


def _components(mask: np.ndarray, horizontal: bool) -> list[Rule]:
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    rules: list[Rule] = []
    for k in range(1, count):
        x, y, w, h = (int(v) for v in stats[k, :4])
        if horizontal:
            rules.append(Rule(y + h / 2, x, x + w, h))
        else:
            rules.append(Rule(x + w / 2, y, y + h, w))
    return rules


def _joined(
    rules: list[Rule], snap: int, bridge: int, across: list[Rule] | None = None
) -> list[Rule]:
    """Collinear pieces with gaps up to `bridge` joined: a scanned rule is broken by dust and
    worn toner, and a piece that ends in the middle of a row is no rule's end.

    Never across one of the `across` rules: a vertical rule runs through the horizontal ones
    it crosses unbroken, while two characters' strokes above and below a row's rule do not.
    """

    def blocked(pos: float, start: float, stop: float) -> bool:
        return across is not None and any(
            r.start - snap <= pos <= r.stop + snap and start - snap <= r.pos <= stop + snap
            for r in across
        )

    out: list[Rule] = []
    for rule in sorted(rules, key=lambda r: (r.pos, r.start)):
        for k in range(len(out) - 1, -1, -1):
            other = out[k]
            if rule.pos - other.pos > snap:
                out.append(rule)
                break
            if (
                rule.start <= other.stop + bridge
                and other.start <= rule.stop + bridge
                and not blocked(rule.pos, min(other.stop, rule.stop), max(other.start, rule.start))
            ):
                out[k] = Rule(
                    (other.pos + rule.pos) / 2,
                    min(other.start, rule.start),
                    max(other.stop, rule.stop),
                    max(other.thickness, rule.thickness),
                )
                break
        else:
            out.append(rule)
    return out


def ruling_lines(page: Page) -> tuple[list[Rule], list[Rule]]:
    """Horizontal and vertical table rules.

    Rows of report tables are barely taller than their characters, so a character's stroke
    (丨, 1) can reach both rules of its row once a scan blurs it. A vertical rule of a real
    table crosses at least one horizontal rule (every column line of the templates spans two
    rows or more); a piece that spans one row only counts where it continues such a line
    (a rule broken by the scan).
    """
    ink = page.faint_ink()
    thin, bridge, snap = page.px(0.06), page.px(_BRIDGE), page.px(0.015)
    horizontal = _components(
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, page.px(_H_KERNEL)), np.uint8)),
        horizontal=True,
    )
    horizontal = _joined([r for r in horizontal if r.thickness <= thin], snap, bridge)
    candidates = _components(
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((page.px(_V_KERNEL), 1), np.uint8)),
        horizontal=False,
    )
    candidates = _joined([r for r in candidates if r.thickness <= thin], snap, bridge, horizontal)
    touch = page.px(_TOUCH)

    def crossing(rule: Rule) -> list[Rule]:
        """The horizontal rules this vertical piece meets, top to bottom."""
        return sorted(
            (
                h
                for h in horizontal
                if h.start - touch <= rule.pos <= h.stop + touch
                and rule.start - h.thickness / 2 - touch <= h.pos
                and h.pos <= rule.stop + h.thickness / 2 + touch
            ),
            key=lambda h: h.pos,
        )

    vertical: list[Rule] = []
    single: list[Rule] = []
    for rule in candidates:
        met = crossing(rule)
        if len(met) < 2:
            continue
        # Only the part between the first and the last horizontal rule it meets is a rule: a
        # piece whose end was cut off by a seal or a fold still holds the rows it crosses.
        clipped = Rule(rule.pos, met[0].pos, met[-1].pos, rule.thickness)
        (vertical if len(met) >= 3 else single).append(clipped)
    snap, gap = page.px(0.02), page.px(0.04)

    def continues(piece: Rule) -> bool:
        return any(
            abs(piece.pos - v.pos) <= snap
            and (abs(v.stop - piece.start) <= gap or abs(piece.stop - v.start) <= gap)
            for v in vertical
        )

    vertical += [r for r in single if continues(r)]
    vertical += _framed_rows([r for r in single if not continues(r)], horizontal, vertical, snap)
    return horizontal, vertical


def _framed_rows(
    single: list[Rule], horizontal: list[Rule], vertical: list[Rule], snap: int
) -> list[Rule]:
    """Vertical pieces of a one-row table (the last row of a table carried over to the next
    page): kept when a row's frame is closed, its left and right borders at the ends of its
    two rules and at least one separator between them."""
    kept: list[Rule] = []
    rows: dict[tuple[int, int], list[Rule]] = {}
    for rule in single:
        rows.setdefault((round(rule.start / snap), round(rule.stop / snap)), []).append(rule)
    for pieces in rows.values():
        if len(pieces) < 3:
            continue
        top = min(pieces, key=lambda r: r.start).start
        bottom = max(pieces, key=lambda r: r.stop).stop
        if any(v.start - 2 * snap <= bottom and top <= v.stop + 2 * snap for v in vertical):
            continue  # a row of a table whose lines were found: its pieces are strokes
        edges = [h for h in horizontal if abs(h.pos - top) <= 2 * snap]
        xs = sorted(r.pos for r in pieces)
        if any(
            abs(h.start - xs[0]) <= 2 * snap and abs(h.stop - xs[-1]) <= 2 * snap for h in edges
        ):
            kept += pieces
    return kept


def table_grids(page: Page, number: int) -> list[Grid]:
    """The page's ruled tables as `pdf.Grid`s (coordinates in points, y up)."""
    horizontal, vertical = ruling_lines(page)
    if not horizontal or not vertical:
        return []
    segments = Segments()
    for rule in horizontal:
        (x0, y), (x1, _) = page.to_points(rule.start, rule.pos), page.to_points(rule.stop, rule.pos)
        segments.horizontal.append((y, x0, x1))
    for rule in vertical:
        (x, y0), (_, y1) = page.to_points(rule.pos, rule.stop), page.to_points(rule.pos, rule.start)
        segments.vertical.append((x, y0, y1))
    _erase(page, horizontal, vertical)
    return find_grids(segments, number)


def _erase(page: Page, horizontal: list[Rule], vertical: list[Rule]) -> None:
    """Rules painted paper-white, so that a line crop reaching them never reads one as a
    dash or a 1."""
    gray, ink = page.gray, page.ink
    margin = page.px(0.01)
    for rule in horizontal:
        half = rule.thickness / 2 + margin
        y0, y1 = max(0, int(rule.pos - half)), int(rule.pos + half) + 1
        gray[y0:y1, max(0, int(rule.start)) : int(rule.stop) + 1] = 255
        ink[y0:y1, max(0, int(rule.start)) : int(rule.stop) + 1] = 0
    for rule in vertical:
        half = rule.thickness / 2 + margin
        x0, x1 = max(0, int(rule.pos - half)), int(rule.pos + half) + 1
        gray[max(0, int(rule.start)) : int(rule.stop) + 1, x0:x1] = 255
        ink[max(0, int(rule.start)) : int(rule.stop) + 1, x0:x1] = 0


Box = tuple[int, int, int, int]


def cell_boxes(page: Page, grid: Grid) -> list[Box]:
    """Each cell's box in pixels (x0, y0, x1, y1) between its rules, in `grid.spans` order."""
    boxes: list[Box] = []
    for row, col, rowspan, colspan in grid.spans:
        x0, y0 = page.to_pixels(grid.xs[col], grid.ys[row])
        x1, y1 = page.to_pixels(grid.xs[col + colspan], grid.ys[row + rowspan])
        boxes.append((x0, y0, x1, y1))
    return boxes


def text_lines(page: Page, box: Box) -> list[Box]:
    """The text lines inside a table cell, as pixel boxes padded for recognition (the padding
    stays inside the cell: its rules are erased, its neighbours' text is not)."""
    inset = page.px(_INSET)
    outer_x0, outer_y0, outer_x1, outer_y1 = box
    x0, y0, x1, y1 = outer_x0 + inset, outer_y0 + inset, outer_x1 - inset, outer_y1 - inset
    if x1 - x0 < 3 or y1 - y0 < 3:
        return []
    ink = page.ink[y0:y1, x0:x1]
    # A row with a pixel or two of ink is blank: dust between two lines must not join them.
    rows = np.count_nonzero(ink, axis=1)
    rows[rows <= 2] = 0
    gap = page.px(_LINE_GAP)
    min_ink = page.px(0.025) ** 2
    runs: list[tuple[int, int, int, int]] = []  # start, stop, first and last ink column
    y = 0
    n = len(rows)
    while y < n:
        if rows[y] == 0:
            y += 1
            continue
        start = blank = y
        while y < n and (rows[y] > 0 or y - blank < gap):
            if rows[y] > 0:
                blank = y + 1
            y += 1
        stop = blank
        band = ink[start:stop]
        if np.count_nonzero(band) < min_ink:
            continue  # dust, not a line (a dash is 0.08 by 0.015 inches)
        cols = np.flatnonzero(band.any(axis=0))
        runs.append((start, stop, int(cols[0]), int(cols[-1]) + 1))
    lines: list[Box] = []
    for k, (start, stop, left, right) in enumerate(runs):
        pad = max(3, round((stop - start) * _PAD))
        # The padding stops halfway to the next line: a crop holding part of another line
        # reads as neither.
        above = (start - runs[k - 1][1]) // 2 if k else pad
        below = (runs[k + 1][0] - stop) // 2 if k + 1 < len(runs) else pad
        lines.append(
            (
                max(outer_x0, x0 + left - pad),
                max(outer_y0, y0 + start - min(pad, above)),
                min(outer_x1, x0 + right + pad),
                min(outer_y1, y0 + stop + min(pad, below)),
            )
        )
    return lines


def ink_box(ink: np.ndarray, box: Box) -> Box | None:
    """The ink of one detected text line, tight: the ink rows around the detector's box, split
    into bands at blank rows, and the bands lying mostly inside the box (a box drawn on a
    scaled-down page may clip a stroke, or take in a sliver of the next line). Recognition
    then reads the ink padded alike whatever the detector's scale (`padded_crop`)."""
    height, width = ink.shape
    x0, x1 = max(0, box[0]), min(width, box[2])
    box_h = box[3] - box[1]
    if x1 <= x0 or box_h <= 0:
        return None
    reach = max(2, box_h // 3)
    top, bottom = max(0, box[1] - reach), min(height, box[3] + reach)
    rows = np.count_nonzero(ink[top:bottom, x0:x1], axis=1)
    inked = rows > max(1, (x1 - x0) // 500)  # a speck or two of dust is no line's ink
    # Bands of consecutive inked rows: a character split by blank rows (二) gives two bands,
    # both inside its line's box; the next line's ink is beyond a blank row, mostly outside.
    bands: list[tuple[int, int]] = []
    for y in np.flatnonzero(inked):
        if bands and y == bands[-1][1]:
            bands[-1] = (bands[-1][0], int(y) + 1)
        else:
            bands.append((int(y), int(y) + 1))
    kept = [
        (top + a, top + b)
        for a, b in bands
        if min(top + b, box[3]) - max(top + a, box[1]) >= 0.5 * (b - a)
    ]
    if not kept:
        return None
    y0, y1 = kept[0][0], kept[-1][1]
    cols = np.flatnonzero(ink[y0:y1, x0:x1].any(axis=0))
    if cols.size == 0:
        return None
    return x0 + int(cols[0]), y0, x0 + int(cols[-1]) + 1, y1


def padded_crop(gray: np.ndarray, box: Box, margin: float = _PAD) -> np.ndarray:
    """A line's ink on white paper, `margin` of its height added on every side (by default as
    the table cells' lines are cut). The recogniser scales every crop to 48 pixels high and its
    cost grows with the width that gives: the detector's box, tight to the characters, cost a
    quarter more to read than the ink padded so, and read no better on the scans suite."""
    x0, y0, x1, y1 = box
    pad = max(3, round((y1 - y0) * margin))
    return np.asarray(
        cv2.copyMakeBorder(gray[y0:y1, x0:x1], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    )
