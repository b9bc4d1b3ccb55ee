"""PDF: text in reading order, ruled tables rebuilt as grids, text quality checked per engine.

pdfium (pypdfium2) is the primary engine: fast, permissive with broken files, and its char
boxes are a cheap batch of C calls. Report tables in Word/WPS/LibreOffice PDFs are drawn with
ruling lines, so the table grid comes from the page's line segments, not from the text: plain
text extraction loses empty cells (the numbers after them shift left), the grid keeps them.
Everything else on a page is put in order by where it sits, never by the order it was drawn in
(WPS draws tables column by column): lines from the characters' boxes, tables among them by
their top edge. Tables read from such text instead of a grid are a guess at the layout, which
the consistency rules must confirm (`ExtractedDocument.layout_text`).

One module past 600 lines: the page geometry (ruling lines, grids), the text assembly on it and
the two engines that feed it share `Grid` and `PageText` and change together; the natural cut
(geometry and assembly apart from the engines) waits until the OCR path lands here too.

When pdfium's text is unreadable (CID fonts without a ToUnicode map decode to rare or private
characters), poppler's `pdftotext` runs as a subprocess with a timeout and memory cap, and its
words are placed on the same pdfium grid. A PDF without a usable text layer in any engine is
`needs_ocr`.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import re
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from lxml import etree

from reportparser.document import Block, Cell, ExtractedDocument, Paragraph, Table
from reportparser.formats.errors import Unreadable
from reportparser.formats.limits import Limits
from reportparser.formats.text import TextQuality, clean_line, fold_radicals, measure

# Geometry tolerances in PDF points (1/72 inch).
LINE_MAX_WIDTH: Final = 4.0  # a ruling line is a path at most this thick ...
LINE_MIN_LENGTH: Final = 6.0  # ... and at least this long
SNAP: Final = 3.0  # line positions closer than this are one grid line (double borders)
JOIN_GAP: Final = 2.0  # collinear pieces this close are one line
MAX_SEGMENTS_PER_PAGE: Final = 20_000  # hostile pages: skip table detection beyond this
MAX_OBJECTS_PER_PAGE: Final = 100_000  # ... or beyond this many page objects

_PAGE_NUMBER: Final = re.compile(
    r"^[-—–\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／共]\s*\d{1,4}\s*页?)?[-—–\s]*$"
)
_CJK: Final = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


# ---- geometry --------------------------------------------------------------------------------


Box = tuple[float, float, float, float]
Rotator = Callable[[float, float, float, float], Box]


def rotator(rotation: int, width: float, height: float) -> Rotator | None:
    """Boxes from user space (width x height) to the page as shown with /Rotate, so that rows
    run across and reading goes down on landscape pages printed to a portrait sheet."""
    if rotation == 90:
        return lambda x0, y0, x1, y1: (y0, width - x1, y1, width - x0)
    if rotation == 180:
        return lambda x0, y0, x1, y1: (width - x1, height - y1, width - x0, height - y0)
    if rotation == 270:
        return lambda x0, y0, x1, y1: (height - y1, x0, height - y0, x1)
    return None


@dataclass(slots=True)
class Segments:
    """Horizontal lines (y, x0, x1) and vertical lines (x, y0, y1) of one page, y pointing up."""

    horizontal: list[tuple[float, float, float]] = field(default_factory=list)
    vertical: list[tuple[float, float, float]] = field(default_factory=list)
    rotate: Rotator | None = None  # user space to the page as displayed (/Rotate)

    def add_box(self, x0: float, y0: float, x1: float, y1: float, *, outline: bool) -> None:
        if self.rotate is not None:
            x0, y0, x1, y1 = self.rotate(x0, y0, x1, y1)
        width, height = x1 - x0, y1 - y0
        if height <= LINE_MAX_WIDTH and width >= LINE_MIN_LENGTH:
            self.horizontal.append(((y0 + y1) / 2, x0, x1))
        elif width <= LINE_MAX_WIDTH and height >= LINE_MIN_LENGTH:
            self.vertical.append(((x0 + x1) / 2, y0, y1))
        elif outline and width >= LINE_MIN_LENGTH and height >= LINE_MIN_LENGTH:
            # A stroked rectangle is four ruling lines (a framed cell or table).
            self.horizontal += [(y0, x0, x1), (y1, x0, x1)]
            self.vertical += [(x0, y0, y1), (x1, y0, y1)]


def _join(lines: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Merge collinear, touching pieces (Word draws every cell's border separately)."""
    out: list[tuple[float, float, float]] = []
    lines = sorted(lines)
    k = 0
    while k < len(lines):
        # One position: pieces within half a snap of the first (a border's two halves).
        end = k
        while end + 1 < len(lines) and lines[end + 1][0] - lines[k][0] <= SNAP / 2:
            end += 1
        cluster = sorted(lines[k : end + 1], key=lambda line: line[1])
        pos = sum(line[0] for line in cluster) / len(cluster)
        start, stop = cluster[0][1], cluster[0][2]
        for _, piece_start, piece_stop in cluster[1:]:
            if piece_start <= stop + JOIN_GAP:
                stop = max(stop, piece_stop)
            else:
                out.append((pos, start, stop))
                start, stop = piece_start, piece_stop
        out.append((pos, start, stop))
        k = end + 1
    return out


def _cluster(values: list[float]) -> list[float]:
    """Sorted distinct positions, values within SNAP of the previous one folded in."""
    out: list[float] = []
    for value in sorted(values):
        if out and value - out[-1] <= SNAP:
            continue
        out.append(value)
    return out


def _covered(intervals: list[tuple[float, float]], point: float) -> bool:
    return any(start - SNAP <= point <= end + SNAP for start, end in intervals)


@dataclass(slots=True)
class Grid:
    """A ruled table on one page: column edges ascending, row edges descending (top first)."""

    xs: list[float]
    ys: list[float]
    cell_of: list[list[int]]  # [row][col] -> index into spans
    spans: list[tuple[int, int, int, int]]  # row, col, rowspan, colspan
    chars: list[list[tuple[float, float, float, float, str]]]  # per cell: (mid y, x0, y0, y1, text)
    page: int
    neg_ys: list[float] = field(default_factory=list)  # -ys, ascending, for bisect

    def __post_init__(self) -> None:
        self.neg_ys = [-y for y in self.ys]

    @property
    def top(self) -> float:
        return self.ys[0]

    def locate(self, x: float, y: float) -> int | None:
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[-1] <= y <= self.ys[0]):
            return None
        col = min(bisect.bisect_right(self.xs, x) - 1, len(self.xs) - 2)
        row = min(bisect.bisect_right(self.neg_ys, -y) - 1, len(self.ys) - 2)
        return self.cell_of[max(row, 0)][max(col, 0)]


def find_grids(segments: Segments, page: int) -> list[Grid]:
    horizontal = _join(segments.horizontal)
    vertical = _join([(x, y0, y1) for x, y0, y1 in segments.vertical])
    if not horizontal or not vertical:
        return []
    # Connected components of crossing lines: one component per table.
    parent = list(range(len(horizontal) + len(vertical)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_y = sorted(range(len(horizontal)), key=lambda i: horizontal[i][0])
    ys_sorted = [horizontal[i][0] for i in by_y]
    for v_index, (x, y0, y1) in enumerate(vertical):
        lo = bisect.bisect_left(ys_sorted, y0 - SNAP)
        hi = bisect.bisect_right(ys_sorted, y1 + SNAP)
        for h_index in by_y[lo:hi]:
            _, x0, x1 = horizontal[h_index]
            if x0 - SNAP <= x <= x1 + SNAP:
                a, b = root(h_index), root(len(horizontal) + v_index)
                if a != b:
                    parent[a] = b
    components: dict[int, tuple[list[int], list[int]]] = {}
    for i in range(len(horizontal)):
        components.setdefault(root(i), ([], []))[0].append(i)
    for j in range(len(vertical)):
        components.setdefault(root(len(horizontal) + j), ([], []))[1].append(j)
    grids: list[Grid] = []
    for h_indices, v_indices in components.values():
        if not h_indices or not v_indices:
            continue
        grid = _grid([horizontal[i] for i in h_indices], [vertical[j] for j in v_indices], page)
        if grid is not None:
            grids.append(grid)
    grids.sort(key=lambda g: -g.top)
    return grids


def _grid(
    horizontal: list[tuple[float, float, float]],
    vertical: list[tuple[float, float, float]],
    page: int,
) -> Grid | None:
    xs = _cluster(
        [x for x, _, _ in vertical]
        # Tables without outer side borders: the horizontal rules' ends are the edges.
        + [min(x0 for _, x0, _ in horizontal), max(x1 for _, _, x1 in horizontal)]
    )
    ys = _cluster(
        [y for y, _, _ in horizontal]
        + [min(y0 for _, y0, _ in vertical), max(y1 for _, _, y1 in vertical)]
    )[::-1]
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows < 1 or n_cols < 1 or n_rows * n_cols < 2:
        return None  # a framed box or an underline, not a table
    v_at: list[list[tuple[float, float]]] = [[] for _ in xs]
    for x, y0, y1 in vertical:
        v_at[_nearest(xs, x)].append((y0, y1))
    h_at: list[list[tuple[float, float]]] = [[] for _ in ys]
    neg = [-y for y in ys]
    for y, x0, x1 in horizontal:
        h_at[_nearest(neg, -y, ascending=True)].append((x0, x1))
    # Union grid cells that no ruling line separates: merged cells.
    parent = list(range(n_rows * n_cols))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_rows):
        mid_y = (ys[r] + ys[r + 1]) / 2
        for c in range(n_cols):
            mid_x = (xs[c] + xs[c + 1]) / 2
            if c + 1 < n_cols and not _covered(v_at[c + 1], mid_y):
                parent[root(r * n_cols + c + 1)] = root(r * n_cols + c)
            if r + 1 < n_rows and not _covered(h_at[r + 1], mid_x):
                parent[root((r + 1) * n_cols + c)] = root(r * n_cols + c)
    groups: dict[int, list[int]] = {}
    for i in range(n_rows * n_cols):
        groups.setdefault(root(i), []).append(i)
    cell_of = [[0] * n_cols for _ in range(n_rows)]
    spans: list[tuple[int, int, int, int]] = []
    for members in sorted(groups.values(), key=min):
        rows = [i // n_cols for i in members]
        cols = [i % n_cols for i in members]
        r0, c0 = min(rows), min(cols)
        rowspan, colspan = max(rows) - r0 + 1, max(cols) - c0 + 1
        if rowspan * colspan != len(members):
            # Not a rectangle (a broken or partly drawn rule): keep the grid cells apart.
            for i in sorted(members):
                cell_of[i // n_cols][i % n_cols] = len(spans)
                spans.append((i // n_cols, i % n_cols, 1, 1))
            continue
        for i in members:
            cell_of[i // n_cols][i % n_cols] = len(spans)
        spans.append((r0, c0, rowspan, colspan))
    order = sorted(range(len(spans)), key=lambda k: spans[k][:2])
    renumber = {old: new for new, old in enumerate(order)}
    return Grid(
        xs=xs,
        ys=ys,
        cell_of=[[renumber[k] for k in row] for row in cell_of],
        spans=[spans[k] for k in order],
        chars=[[] for _ in spans],
        page=page,
    )


def _nearest(values: list[float], value: float, *, ascending: bool = True) -> int:
    i = bisect.bisect_left(values, value)
    if i == 0:
        return 0
    if i == len(values):
        return len(values) - 1
    return i if values[i] - value < value - values[i - 1] else i - 1


# ---- text assembly ---------------------------------------------------------------------------


def join_lines(lines: list[str]) -> str:
    """Lines of one cell: a wrap between two hanzi or two digits (a long number in a narrow
    column) is no space, otherwise one space."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and not (
            (_CJK.match(out[-1]) and _CJK.match(line[0]))
            or (out[-1].isdigit() and line[0].isdigit())
        ):
            out += " "
        out += line
    return out


def cell_text(chars: list[tuple[float, float, float, float, str]]) -> str:
    """A cell's characters (in content order) as lines: a character joins the current line
    when it overlaps the line's height by half its own (a hyphen, a dot, a space do), and
    lines are ordered top to bottom, characters left to right."""
    lines: list[tuple[float, float, list[tuple[float, float, float, float, str]]]] = []
    low = high = 0.0
    for char in chars:
        y0, y1 = char[2], char[3]
        if lines and min(high, y1) - max(low, y0) >= 0.5 * min(y1 - y0, high - low):
            low, high = min(low, y0), max(high, y1)
            lines[-1][2].append(char)
            lines[-1] = (low, high, lines[-1][2])
        else:
            low, high = y0, y1
            lines.append((low, high, [char]))
    lines.sort(key=lambda line: -line[1])
    return join_lines(
        ["".join(c[4] for c in sorted(line, key=lambda c: c[1])) for _, _, line in lines]
    )


Piece = tuple[str, float, float, float, float]  # text, x0, y0, x1, y1 (y up)


@dataclass(slots=True)
class PageText:
    """One page as an engine read it: its text, and the pieces of text with their boxes."""

    number: int
    lines: list[str]  # the engine's own text, for the quality measure
    items: list[Piece] | None = None  # characters (pdfium) or words (poppler)
    grids: list[Grid] = field(default_factory=list)


# A gap wider than this share of the line's height between two pieces is a space. Loose boxes
# (advance widths) touch within a word and within CJK text; LibreOffice's gap between hanzi
# and digits and a space glyph's advance are a quarter of the height or more.
_SPACE_GAP: Final = 0.1


def layout_lines(pieces: list[Piece]) -> list[tuple[float, str]]:
    """Running text by the position of its pieces, never by the order they were drawn in:
    lines top to bottom (pieces that share half a line's height), pieces left to right.
    Returns (top of the line, its text) for each line.

    Writers draw tables in any order (WPS draws a table column by column), so the text order
    of a page can list every label of a table before its numbers; positions put each number
    back on its row's line.
    """
    boxes = [piece for piece in pieces if piece[4] > piece[2] and not piece[0].isspace()]
    boxes.sort(key=lambda piece: -(piece[2] + piece[4]))
    lines: list[tuple[float, float, list[Piece]]] = []
    for piece in boxes:
        y0, y1 = piece[2], piece[4]
        if lines:
            low, high, members = lines[-1]
            if min(high, y1) - max(low, y0) >= 0.5 * min(y1 - y0, high - low):
                members.append(piece)
                lines[-1] = (min(low, y0), max(high, y1), members)
                continue
        lines.append((y0, y1, [piece]))
    out: list[tuple[float, str]] = []
    for low, high, members in lines:
        members.sort(key=lambda piece: piece[1])
        gap = _SPACE_GAP * (high - low)
        parts: list[str] = []
        right = members[0][1]
        for text, x0, _y0, x1, _y1 in members:
            if parts and x0 - right > gap:
                parts.append(" ")
            parts.append(text)  # a poppler word carries the space that follows it
            right = max(right, x1)
        out.append((high, clean_line("".join(parts))))
    return out


def assemble(page: PageText) -> list[Block | Grid]:
    """Running text as paragraphs and the tables among them, in the order of their positions
    on the page (top to bottom)."""
    if page.items is None:
        return [Paragraph(clean_line(line)) for line in page.lines if line.strip()]
    free: list[Piece] = []
    for piece in page.items:
        text, x0, y0, x1, y1 = piece
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        for grid in page.grids:
            cell = grid.locate(cx, cy)
            if cell is not None:
                grid.chars[cell].append((cy, x0, y0, y1, text))
                break
        else:
            free.append(piece)
    placed: list[tuple[float, Block | Grid]] = [
        (top, Paragraph(text)) for top, text in layout_lines(free) if text
    ]
    placed += [(grid.top, grid) for grid in page.grids]
    placed.sort(key=lambda entry: -entry[0])
    return [block for _top, block in placed]


@dataclass(slots=True)
class _PartCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str


@dataclass(slots=True)
class _Part:
    """A finished table (text assigned), possibly spread over several pages."""

    xs: list[float]
    n_rows: int
    cells: list[_PartCell]
    page: int


def _finish(grid: Grid) -> _Part:
    cells = [
        _PartCell(row, col, rowspan, colspan, cell_text(chars))
        for (row, col, rowspan, colspan), chars in zip(grid.spans, grid.chars, strict=True)
    ]
    return _Part(list(grid.xs), len(grid.ys) - 1, cells, grid.page)


def _to_table(part: _Part) -> Table:
    cells = tuple(Cell(c.text, c.row, c.col, c.rowspan, c.colspan) for c in part.cells)
    return Table(cells=cells, n_rows=part.n_rows, n_cols=len(part.xs) - 1)


def _same_table(a: _Part, b: _Part) -> bool:
    return (
        a.page + 1 == b.page and abs(a.xs[0] - b.xs[0]) <= SNAP and abs(a.xs[-1] - b.xs[-1]) <= SNAP
    )


_ENUMERATED: Final = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]"
    r"|\d+\s*[、.．]|第[一二三四五六七八九十\d]+)"
)


def _unbalanced(text: str) -> bool:
    return text.count("（") + text.count("(") > text.count("）") + text.count(")")


def _join_parts(a: _Part, b: _Part) -> None:
    """Append b's rows to a on the union of both column grids, less a repeated header.

    A merged cell cut by the page break continues in b's first row, in the same columns,
    when it is empty below (the label stayed on the first page), cut inside a parenthesis, or
    a tall label cut mid-text (report labels start with an enumerator: 三、 （四） 1.; a
    fragment does not).
    """
    xs = _cluster(a.xs + b.xs)

    def remap(part: _Part, cell: _PartCell, row_offset: int) -> _PartCell:
        start = _nearest(xs, part.xs[cell.col])
        stop = _nearest(xs, part.xs[cell.col + cell.colspan])
        return _PartCell(
            cell.row + row_offset, start, cell.rowspan, max(stop - start, 1), cell.text
        )

    a_cells = [remap(a, cell, 0) for cell in a.cells]
    b_remapped = [remap(b, cell, 0) for cell in b.cells]
    repeated = _repeated_header(a_cells, b_remapped, min(a.n_rows, b.n_rows))
    bottom = {(c.col, c.colspan): c for c in a_cells if c.row + c.rowspan == a.n_rows}
    b_cells: list[_PartCell] = []
    for cell in b_remapped:
        if cell.row < repeated:
            continue
        first = cell.row == repeated
        moved = _PartCell(
            cell.row - repeated + a.n_rows, cell.col, cell.rowspan, cell.colspan, cell.text
        )
        above = bottom.get((moved.col, moved.colspan)) if first else None
        if above is not None:
            tall = above.rowspan > 1 or moved.rowspan > 1
            if (
                (not moved.text and above.text and tall)
                or (moved.text and _unbalanced(above.text))
                or (moved.text and above.text and tall and not _ENUMERATED.match(moved.text))
            ):
                above.rowspan += moved.rowspan
                above.text = join_lines([above.text, moved.text])
                continue
        b_cells.append(moved)
    a.xs, a.cells, a.page = xs, a_cells + b_cells, b.page
    a.n_rows += b.n_rows - repeated


def _repeated_header(a: list[_PartCell], b: list[_PartCell], limit: int) -> int:
    """How many of b's first rows repeat a's first rows (Word's "repeat header rows"), when
    no cell crosses the end of those rows."""

    def rows(cells: list[_PartCell], k: int) -> list[tuple[int, int, int, int, str]] | None:
        head = [c for c in cells if c.row < k]
        if any(c.row + c.rowspan > k for c in head):
            return None
        return sorted((c.row, c.col, c.rowspan, c.colspan, c.text) for c in head)

    repeated = 0
    for k in range(1, min(limit, 4)):
        head_a, head_b = rows(a, k), rows(b, k)
        if head_a is not None and head_a == head_b and any(cell[4] for cell in head_a):
            repeated = k
    return repeated


def _is_page_number(item: Block | _Part) -> bool:
    return isinstance(item, Paragraph) and _PAGE_NUMBER.match(item.text) is not None


def merge_continued(items: list[Block | Grid]) -> list[Block]:
    """A table that runs over a page break is one table: join a table with the next page's
    first one when they share their outer edges and only page numbers stand between them."""
    out: list[Block | _Part] = []
    for item in items:
        if isinstance(item, Grid):
            part = _finish(item)
            k = len(out) - 1
            while k >= 0 and _is_page_number(out[k]):
                k -= 1
            previous = out[k] if k >= 0 else None
            if isinstance(previous, _Part) and _same_table(previous, part):
                _join_parts(previous, part)
                del out[k + 1 :]
                continue
            out.append(part)
        else:
            out.append(item)
    return [_to_table(item) if isinstance(item, _Part) else item for item in out]


# ---- pdfium ----------------------------------------------------------------------------------


def _page_segments(page_raw: pdfium_c.FPDF_PAGE, rotate: Rotator | None) -> Segments | None:
    segments = Segments(rotate=rotate)
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))

    def visit(objects: Iterator[pdfium_c.FPDF_PAGEOBJECT], matrix: Matrix | None) -> bool:
        for obj in objects:
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                form_matrix = pdfium_c.FS_MATRIX()
                pdfium_c.FPDFPageObj_GetMatrix(obj, form_matrix)
                m = _compose(_matrix_of(obj), matrix)
                count = pdfium_c.FPDFFormObj_CountObjects(obj)
                if not visit((pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count)), m):
                    return False
                continue
            if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
                continue
            if not pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke):
                continue
            filled, stroked = fill_mode.value != 0, bool(stroke.value)
            if not filled and not stroked:
                continue
            if stroked:
                pdfium_c.FPDFPageObj_GetStrokeColor(obj, red, green, blue, alpha)
            else:
                pdfium_c.FPDFPageObj_GetFillColor(obj, red, green, blue, alpha)
            if min(red.value, green.value, blue.value) >= 250 or alpha.value == 0:
                continue  # white rules are how editors hide a border
            if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                continue
            x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
            if matrix is not None:
                x0, y0, x1, y1 = _transform_box(matrix, x0, y0, x1, y1)
            thin = min(x1 - x0, y1 - y0) <= LINE_MAX_WIDTH
            count = 0 if thin else pdfium_c.FPDFPath_CountSegments(obj)
            if count > 5:
                # One path for many rules (WPS draws a table's grid as one stroked path, some
                # writers fill all border rectangles in one path): read its subpaths.
                _path_lines(obj, count, _compose(_matrix_of(obj), matrix), segments, stroked)
            else:
                segments.add_box(x0, y0, x1, y1, outline=stroked)
            if len(segments.horizontal) + len(segments.vertical) > MAX_SEGMENTS_PER_PAGE:
                return False
        return True

    count = pdfium_c.FPDFPage_CountObjects(page_raw)
    if count > MAX_OBJECTS_PER_PAGE:
        return None
    if not visit((pdfium_c.FPDFPage_GetObject(page_raw, i) for i in range(count)), None):
        return None
    return segments


Matrix = tuple[float, float, float, float, float, float]


def _matrix_of(obj: pdfium_c.FPDF_PAGEOBJECT) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix | None) -> Matrix:
    """The matrix that applies `inner`, then `outer` (PDF's row-vector convention)."""
    if outer is None:
        return inner
    a, b, c, d, e, f = inner
    oa, ob, oc, od, oe, of = outer
    return (
        a * oa + b * oc,
        a * ob + b * od,
        c * oa + d * oc,
        c * ob + d * od,
        e * oa + f * oc + oe,
        e * ob + f * od + of,
    )


def _path_lines(
    obj: pdfium_c.FPDF_PAGEOBJECT,
    count: int,
    matrix: Matrix,
    segments: Segments,
    stroked: bool,
) -> None:
    """The rules of a path with many segments: each axis-parallel stroked segment, or each
    thin filled subpath."""
    x, y = ctypes.c_float(), ctypes.c_float()
    a, b, c, d, e, f = matrix
    subpaths: list[list[tuple[float, float]]] = []
    for i in range(min(count, MAX_SEGMENTS_PER_PAGE)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        if not segment or not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        if (
            pdfium_c.FPDFPathSegment_GetType(segment) == pdfium_c.FPDF_SEGMENT_MOVETO
            or not subpaths
        ):
            subpaths.append([point])
        else:
            subpaths[-1].append(point)
            if pdfium_c.FPDFPathSegment_GetClose(segment):
                subpaths[-1].append(subpaths[-1][0])
    for points in subpaths:
        if stroked:
            for (px, py), (qx, qy) in itertools.pairwise(points):
                segments.add_box(min(px, qx), min(py, qy), max(px, qx), max(py, qy), outline=False)
        else:
            xs_ = [p[0] for p in points]
            ys_ = [p[1] for p in points]
            segments.add_box(min(xs_), min(ys_), max(xs_), max(ys_), outline=False)


def _transform_box(
    m: Matrix, x0: float, y0: float, x1: float, y1: float
) -> tuple[float, float, float, float]:
    a, b, c, d, e, f = m
    xs_, ys_ = [], []
    for x, y in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
        xs_.append(a * x + c * y + e)
        ys_.append(b * x + d * y + f)
    return min(xs_), min(ys_), max(xs_), max(ys_)


def _page_text(textpage: pdfium_c.FPDF_TEXTPAGE) -> tuple[str, int]:
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count <= 0:
        return "", 0
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    pdfium_c.FPDFText_GetText(
        textpage, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
    )
    return fold_radicals(buffer.raw[: count * 2].decode("utf-16-le", errors="replace")), count


def _page_items(
    textpage: pdfium_c.FPDF_TEXTPAGE, text: str, count: int, rotate: Rotator | None
) -> list[Piece]:
    """Each character with its loose box (the glyph's advance by the font's ascent and
    descent): neighbours in a word touch, so gaps between boxes are the text's spaces."""
    box = pdfium_c.FS_RECTF()
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    items: list[Piece] = []
    for i in range(min(count, len(text))):
        ch = text[i]
        if ch in "\r\n" or not get_box(textpage, i, box):
            continue
        if rotate is None:
            items.append((ch, box.left, box.bottom, box.right, box.top))
        else:
            items.append((ch, *rotate(box.left, box.bottom, box.right, box.top)))
    return items


@dataclass(slots=True)
class EngineResult:
    engine: str
    pages: list[PageText]
    quality: TextQuality
    notes: list[str]
    cuts: list[str] = field(default_factory=list)  # pages not read (`ExtractedDocument.cuts`)
    n_pages: int = 0  # in the document (pdfium counts them)


# pdfium is not thread-safe: two threads in it at once corrupt its state or crash the process.
# The crawl parses in worker processes, but a caller may still use threads.
_PDFIUM_LOCK: Final = threading.Lock()


def read_pdfium(data: bytes, limits: Limits) -> EngineResult:
    with _PDFIUM_LOCK:
        return _read_pdfium(data, limits)


def _read_pdfium(data: bytes, limits: Limits) -> EngineResult:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise Unreadable(
                "error", "password-protected PDF: cannot be opened", "pdfium"
            ) from None
        raise
    try:
        return _read_pages(document, limits)
    finally:
        document.close()


def _read_pages(document: pdfium.PdfDocument, limits: Limits) -> EngineResult:
    notes: list[str] = []
    cuts: list[str] = []
    n_pages = len(document)
    if n_pages > limits.max_pdf_pages:
        cuts.append(page_cap_cut(n_pages, limits))
        notes.append(cuts[-1])
    started = time.perf_counter()
    pages: list[PageText] = []
    for number in range(min(n_pages, limits.max_pdf_pages)):
        if time.perf_counter() - started > limits.pdf_time_budget:
            cuts.append(f"time budget exhausted after {number} of {n_pages} pages")
            notes.append(cuts[-1])
            break
        page = document[number]
        try:
            textpage = page.get_textpage()
            try:
                text, count = _page_text(textpage.raw)
                width, height = page.get_size()  # as displayed
                rotation = page.get_rotation()
                if rotation in (90, 270):
                    width, height = height, width
                rotate = rotator(rotation, width, height)
                segments = _page_segments(page.raw, rotate)
                grids = find_grids(segments, number) if segments else []
                items = _page_items(textpage.raw, text, count, rotate)
            finally:
                textpage.close()
        finally:
            page.close()
        lines = text.replace("\r\n", "\n").split("\n")
        pages.append(PageText(number, lines, items, grids))
    quality = measure("\n".join(line for page in pages for line in page.lines))
    return EngineResult("pdfium", pages, quality, notes, cuts, n_pages)


def page_cap_cut(n_pages: int, limits: Limits) -> str:
    return f"only the first {limits.max_pdf_pages} of {n_pages} pages were read"


# ---- poppler ---------------------------------------------------------------------------------


def _limit_memory(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def read_pdftotext(data: bytes, limits: Limits, grids: dict[int, list[Grid]]) -> EngineResult:
    """poppler's words with their boxes, placed on pdfium's grids when there are any."""
    executable = shutil.which("pdftotext")
    if executable is None:
        raise Unreadable("error", "pdftotext (poppler) is not installed", "pdftotext")
    with tempfile.TemporaryDirectory(prefix="ogi-pdf-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(data)
        try:
            completed = subprocess.run(
                [
                    executable,
                    "-enc",
                    "UTF-8",
                    "-bbox-layout",
                    "-l",
                    str(limits.max_pdf_pages),
                    str(source),
                    "-",
                ],
                capture_output=True,
                timeout=limits.subprocess_timeout,
                preexec_fn=lambda: _limit_memory(limits.subprocess_memory),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise Unreadable(
                "error", f"pdftotext timed out after {limits.subprocess_timeout:.0f} s", "pdftotext"
            ) from None
    if completed.returncode != 0 or not completed.stdout:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise Unreadable(
            "error",
            f"pdftotext: {detail[-1] if detail else f'exit status {completed.returncode}'}",
            "pdftotext",
        )
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(completed.stdout, parser)
    pages: list[PageText] = []
    for number, page in enumerate(el for el in root.iter() if _local(el.tag) == "page"):
        height = float(page.get("height", "0"))
        lines: list[str] = []
        items: list[Piece] = []
        for line in (el for el in page.iter() if _local(el.tag) == "line"):
            words = [el for el in line if _local(el.tag) == "word"]
            for word in words:
                word.text = fold_radicals(word.text or "")
            lines.append(" ".join(w.text or "" for w in words))
            for k, word in enumerate(words):
                x0, x1 = float(word.get("xMin", "0")), float(word.get("xMax", "0"))
                y0, y1 = (
                    height - float(word.get("yMax", "0")),
                    height - float(word.get("yMin", "0")),
                )
                items.append(
                    ((word.text or "") + (" " if k + 1 < len(words) else ""), x0, y0, x1, y1)
                )
        page_grids = grids.get(number, [])
        for grid in page_grids:
            grid.chars = [[] for _ in grid.spans]
        pages.append(PageText(number, lines, items, page_grids))
    quality = measure("\n".join(line for page in pages for line in page.lines))
    return EngineResult("pdftotext", pages, quality, [])


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# ---- the extractor ---------------------------------------------------------------------------


def blocks(result: EngineResult) -> list[Block]:
    items: list[Block | Grid] = []
    for page in result.pages:
        items.extend(assemble(page))
    return merge_continued(items)


def extract_pdf(data: bytes, content_type: str | None, limits: Limits) -> ExtractedDocument:
    notes: list[str] = []
    primary: EngineResult | None = None
    try:
        primary = read_pdfium(data, limits)
    except pdfium.PdfiumError as exc:
        notes.append(f"pdfium: {str(exc).rstrip('.')}")
    if primary is not None:
        notes.append(f"pdfium {primary.quality.note()}")
        n_pages = len(primary.pages)
        if primary.quality.chars < max(20, 5 * n_pages) and primary.quality.bad == 0:
            if primary.cuts:
                # Pages past the page cap or the time budget were never looked at: nothing says
                # the document is a scan, and OCR would stop at the same cap.
                raise Unreadable(
                    "error",
                    f"no text on the {n_pages} page(s) read, and {'; '.join(primary.cuts)}: "
                    "the text lies beyond the limit (Limits.max_pdf_pages)",
                    "pdfium",
                )
            raise Unreadable(
                "needs_ocr",
                f"no text layer on {n_pages} page(s): scanned images need OCR",
                "pdfium",
            )
        blank = sum(1 for page in primary.pages if len("".join(page.lines).strip()) < 5)
        if blank:
            notes.append(f"{blank} of {n_pages} pages have no text layer (scanned?)")
        if primary.quality.readable:
            return _document(primary, notes)
    grids = {page.number: page.grids for page in primary.pages} if primary else {}
    try:
        fallback = read_pdftotext(data, limits, grids)
    except Unreadable as exc:
        if primary is None:
            raise Unreadable(
                "error", f"broken PDF: {'; '.join(notes)}; {exc.reason}", "pdftotext"
            ) from None
        notes.append(exc.reason)
        fallback = None
    if fallback is not None:
        notes.append(f"pdftotext {fallback.quality.note()}")
        if primary is not None and primary.n_pages > limits.max_pdf_pages:
            # pdftotext stops at the same page cap (`-l`); only pdfium counted the pages.
            fallback.cuts.append(page_cap_cut(primary.n_pages, limits))
        if fallback.quality.readable:
            return _document(fallback, notes)
        if primary is None and fallback.quality.chars < 20:
            raise Unreadable("needs_ocr", "no text layer: scanned images need OCR", "pdftotext")
    raise Unreadable(
        "needs_ocr",
        "text layer unreadable in every engine (fonts without a Unicode map?): " + "; ".join(notes),
        "pdfium",
    )


def _document(result: EngineResult, notes: list[str]) -> ExtractedDocument:
    return ExtractedDocument(
        format="pdf",
        blocks=tuple(blocks(result)),
        engine=result.engine,
        notes=tuple(notes + result.notes),
        layout_text=True,
        cuts=tuple(result.cuts),
    )
