"""The page model every PDF reader fills, and what is read from it: ruling lines become table
grids, pieces of text (characters, words, OCR lines) with their boxes become lines and cells in
reading order, and tables continued over a page break are joined.

pdfium and pdftotext (`reportparser.formats.pdf`) and OCR (`reportparser.ocr`) each return an
`EngineResult` of `PageText`s; `blocks` turns it into the document's blocks. Coordinates are PDF
points with y up.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from reportparser.document import Block, Cell, Paragraph, Table
from reportparser.formats.text import TextQuality, clean_line

# Geometry tolerances in PDF points (1/72 inch).
LINE_MAX_WIDTH: Final = 4.0  # a ruling line is a path at most this thick ...
LINE_MIN_LENGTH: Final = 6.0  # ... and at least this long
SNAP: Final = 3.0  # line positions closer than this are one grid line (double borders)
JOIN_GAP: Final = 2.0  # collinear pieces this close are one line

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


# ---- what an engine returns ------------------------------------------------------------------


@dataclass(slots=True)
class EngineResult:
    engine: str
    pages: list[PageText]
    quality: TextQuality
    notes: list[str]
    cuts: list[str] = field(default_factory=list)  # pages not read (`ExtractedDocument.cuts`)
    n_pages: int = 0  # in the document (pdfium counts them)


def blocks(result: EngineResult) -> list[Block]:
    items: list[Block | Grid] = []
    for page in result.pages:
        items.extend(assemble(page))
    return merge_continued(items)
