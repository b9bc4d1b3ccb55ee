"""Reading the template tables from plain text, where cell boundaries are invisible.

Text comes from other tools (PDF extraction with broken lines and one-character-per-line
headers, tab-separated or markdown tables) or from a `Table` block whose structure was lost. The
lines become one stream of *label* pieces and *value* tokens; a *run* is a sequence of values with
no label between them, whatever the line breaks. Rows are then found by their labels:

- section 二: a run that ends its line, right after a label that starts a line (or cell) and
  names an active row (`行政许可 171 +6 11119`);
- section 三: the row labels are searched in template order in the concatenated label text, and
  each row takes the run that follows its label (or, when a label is split around its numbers,
  the run just before its distinctive words);
- section 四: the values after the 行政复议 / 行政诉讼 header block, in the official column order.

Columns follow the official order here: plain text does not show which cell a number sits in. A
row with fewer numbers than columns is passed on with its positions unknown (`RowReading.exact`
False) and the rules decide what can be placed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from reportparser.labels import (
    REQUEST_ROW_SEARCH,
    active_columns,
    active_row,
    amount_in_yuan,
)
from reportparser.readings import RowReading
from reportparser.result import FigureValue
from reportparser.values import TOKEN, fold, number
from reportparser.vocabulary import (
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    OTHER_ROWS,
    REQUEST_COLUMNS,
    TEMPLATE_OTHER_FORM,
    OtherForm,
    request_rows,
)

# Characters a value token can start with; a cell without any is all label.
_TOKEN_CHAR: Final = re.compile(r"[\d/—–无-]")
_MARKDOWN_RULE: Final = re.compile(r"\|?[\s:|-]*-{3,}[\s:|-]*\|?")

# How far (in label characters) one request row's label may be from the previous row's: the
# labels in between are group labels (`三、本年度办理结果`, `（三）不予公开`) and line debris.
_ROW_WINDOW: Final = 300
_MAX_STARTS: Final = 5
_APPEALS_SCAN: Final = 400
_APPEAL_HEADER_CHARS: Final = frozenset(
    "行政复议诉讼结果维持纠正其他尚未审结总计合经直接起后数量单位件()、,.:|/-"
)
_APPEAL_HEADER_SEEN: Final = re.compile(r"维持|纠正|审结|结果|直接起诉")


@dataclass(slots=True)
class Item:
    """A label piece (squashed text) or one value token of the stream."""

    is_value: bool
    text: str
    value: FigureValue
    unit: str | None
    line: int
    starts_cell: bool
    ends_cell: bool
    offset: int  # position in `Stream.labels` where this item sits


@dataclass(slots=True)
class Run:
    start: int  # index of the first value item
    end: int  # index after the last one
    offset: int  # position in `Stream.labels` between the labels around it
    ends_cell: bool  # nothing but whitespace follows the last value in its cell

    def values(self, items: list[Item]) -> list[FigureValue]:
        return [item.value for item in items[self.start : self.end]]


@dataclass(slots=True)
class Stream:
    items: list[Item]
    labels: str  # every label piece, concatenated
    runs: list[Run]
    run_offsets: list[int]


def _cells(line: str) -> list[str]:
    """A line's cells: tab-separated, a markdown row, or the whole line."""
    if "\t" in line:
        return line.split("\t")
    stripped = line.strip()
    if stripped.startswith("|"):
        if _MARKDOWN_RULE.fullmatch(stripped):
            return []
        inner = stripped[1:-1] if stripped.endswith("|") and len(stripped) > 1 else stripped[1:]
        return inner.split("|")
    return [line]


def _cell_items(cell: str, line_no: int, out: list[Item | None]) -> None:
    """Append the label pieces and value tokens of one cell (None for an empty cell)."""
    end_text = len(cell.rstrip())
    if end_text == 0:
        out.append(None)
        return
    # A sentence (`。`) is prose, never a table row: its numbers are not cells.
    if "。" in cell or not _TOKEN_CHAR.search(cell):
        out.append(Item(False, "".join(cell.split()), None, None, line_no, True, True, 0))
        return
    first = True
    pos = 0
    for match in TOKEN.finditer(cell):
        text = "".join(cell[pos : match.start()].split())
        if text:
            out.append(Item(False, text, None, None, line_no, first, False, 0))
            first = False
        if match["null"] is not None:
            value: FigureValue = None
            unit = None
        else:
            unit = match["unit"]
            value = number(match["num"], match["sign"], unit)
        out.append(Item(True, "", value, unit, line_no, first, match.end() >= end_text, 0))
        first = False
        pos = match.end()
    text = "".join(cell[pos:].split())
    if text:
        out.append(Item(False, text, None, None, line_no, first, True, 0))


def build_stream(lines: Sequence[str]) -> Stream:
    """Tokenise lines into one stream. A cell left empty between two numbers of a delimited line
    is a value printed empty (None); empty cells anywhere else are layout."""
    items: list[Item] = []
    parts: list[str] = []
    offset = 0
    # One normalisation for the whole text: per line it costs more than the tokenising.
    for line_no, line in enumerate(fold("\n".join(lines)).split("\n")):
        if not line or line.isspace():
            continue
        line_items: list[Item | None] = []  # None: an empty cell
        for cell in _cells(line):
            _cell_items(cell, line_no, line_items)
        pending = 0
        last_is_value = False
        for line_item in line_items:
            if line_item is None:
                if last_is_value:
                    pending += 1
                continue
            if line_item.is_value and last_is_value:
                for _ in range(pending):
                    items.append(Item(True, "", None, None, line_no, True, True, offset))
            pending = 0
            last_is_value = line_item.is_value
            line_item.offset = offset
            items.append(line_item)
            if not line_item.is_value:
                parts.append(line_item.text)
                offset += len(line_item.text)
    runs: list[Run] = []
    i = 0
    while i < len(items):
        if not items[i].is_value:
            i += 1
            continue
        j = i
        while j < len(items) and items[j].is_value:
            j += 1
        runs.append(Run(i, j, items[i].offset, items[j - 1].ends_cell))
        i = j
    return Stream(items, "".join(parts), runs, [run.offset for run in runs])


# -- Section 二 -----------------------------------------------------------------------------------


def _label_before(stream: Stream, run: Run, template: str) -> tuple[str | None, str]:
    """The active row named by the labels right before `run`, and those labels' text."""
    pieces: list[Item] = []
    i = run.start - 1
    while i >= 0 and len(pieces) < 8 and not stream.items[i].is_value:
        pieces.append(stream.items[i])
        i -= 1
    pieces.reverse()
    header = "".join(piece.text for piece in pieces)
    for j in range(len(pieces) - 1, max(-1, len(pieces) - 4), -1):
        if not pieces[j].starts_cell:
            continue
        row = active_row("".join(piece.text for piece in pieces[j:]), template)
        if row is not None:
            return row, header
    return None, header


def read_active(stream: Stream, template: str) -> list[RowReading]:
    readings: list[RowReading] = []
    seen: set[str] = set()
    for run in stream.runs:
        # A number followed by more words on its line is prose (`行政许可事项 484 项`).
        if not run.ends_cell:
            continue
        row, header = _label_before(stream, run, template)
        if row is None or row in seen:
            continue
        seen.add(row)
        columns = active_columns(template, row)
        items = stream.items[run.start : run.end]
        values: list[FigureValue] = []
        for index, item in enumerate(items):
            value = item.value
            column = columns[index] if index < len(columns) else ""
            if (
                column == "amount"
                and value is not None
                and item.unit is None
                and amount_in_yuan(header)
            ):
                value = float(Decimal(str(value)) / Decimal(10000))
            values.append(value)
        keys = tuple(f"active.{row}.{column}" for column in columns)
        readings.append(
            RowReading(f"active.{row}", keys, tuple(values), len(values) == len(keys), "text")
        )
    return readings


# -- Section 三 -----------------------------------------------------------------------------------

_STARTS: Final = (
    (
        REQUEST_ROW_SEARCH["new"],
        (REQUEST_ROW_SEARCH["carried_over"], REQUEST_ROW_SEARCH["disclosed"]),
    ),
    (REQUEST_ROW_SEARCH["carried_over"], (REQUEST_ROW_SEARCH["disclosed"],)),
    (REQUEST_ROW_SEARCH["disclosed"], (REQUEST_ROW_SEARCH["partially_disclosed"],)),
)


def _request_starts(labels: str) -> list[int]:
    """Where a requests table may begin: a row label followed soon by the next rows' labels."""
    starts: list[int] = []
    for first, followers in _STARTS:
        for match in first.finditer(labels):
            end = match.end()
            if any(f.search(labels, end, end + _ROW_WINDOW) for f in followers):
                starts.append(match.start())
                if len(starts) >= _MAX_STARTS:
                    return starts
        if starts:
            return starts
    return starts


def _runs_between(stream: Stream, low: int, high: int, taken: set[int]) -> list[int]:
    """Indices of untaken runs with low < offset < high."""
    first = bisect.bisect_right(stream.run_offsets, low)
    result: list[int] = []
    for index in range(first, len(stream.runs)):
        if stream.run_offsets[index] >= high:
            break
        if index not in taken:
            result.append(index)
    return result


def _pick(stream: Stream, candidates: list[int], width: int) -> list[int]:
    """The runs that make one row: a run of exactly `width` values if there is one, else all
    of them if together they make `width`, else the longest."""
    if not candidates:
        return []
    lengths = [stream.runs[i].end - stream.runs[i].start for i in candidates]
    for index, length in zip(candidates, lengths, strict=True):
        if length == width:
            return [index]
    if sum(lengths) == width:
        return candidates
    return [candidates[lengths.index(max(lengths))]]


def _read_requests_from(stream: Stream, start: int, rows: Sequence[str]) -> list[RowReading]:
    labels = stream.labels
    anchors: list[tuple[str, int, int]] = []
    pos = start
    for row in rows:
        match = REQUEST_ROW_SEARCH[row].search(labels, pos, pos + _ROW_WINDOW)
        if match is not None:
            anchors.append((row, match.start(), match.end()))
            pos = match.end()
    width = len(REQUEST_COLUMNS)
    readings: list[RowReading] = []
    taken: set[int] = set()
    boundary = start - 1
    for index, (row, begin, end) in enumerate(anchors):
        if index + 1 < len(anchors):
            limit = anchors[index + 1][1]
        else:
            appeals = labels.find("行政复议", end)
            limit = min(end + _ROW_WINDOW, appeals if appeals >= 0 else len(labels) + 1)
        chosen = _pick(stream, _runs_between(stream, begin, limit, taken), width)
        if not chosen:
            # The label is split around its numbers (`5.要求行政机关 0 0 … 确认或重新出具`).
            chosen = _pick(stream, _runs_between(stream, boundary, begin + 1, taken), width)
        values: list[FigureValue] = []
        for run_index in chosen:
            taken.add(run_index)
            values += stream.runs[run_index].values(stream.items)
        boundary = stream.run_offsets[chosen[-1]] if chosen else begin
        keys = tuple(f"requests.{row}.{column}" for column in REQUEST_COLUMNS)
        readings.append(
            RowReading(f"requests.{row}", keys, tuple(values), len(values) == width, "text")
        )
    return readings


def read_requests(stream: Stream, template: str) -> list[RowReading]:
    """Section 三's rows. Labels are found in template order, so the two forms of (六) are
    tried in turn (the template's own first): the 2019 template's one 其他处理 row, which many
    2021 reports print, and the 2021 template's three rows; the form under which more rows
    have numbers wins."""
    own = TEMPLATE_OTHER_FORM.get(template, "single")
    alternative: OtherForm = "split" if own == "single" else "single"
    forms: list[OtherForm] = [own]
    # The other form is tried only where its first row's label is printed; the 2021 rows sit
    # under a `（六）其他处理` group label, so that label alone says nothing when they are there.
    labels = stream.labels
    if REQUEST_ROW_SEARCH[OTHER_ROWS[alternative][0]].search(labels) and not (
        alternative == "single" and REQUEST_ROW_SEARCH[OTHER_ROWS[own][0]].search(labels)
    ):
        forms.append(alternative)
    best: list[RowReading] = []
    best_score = 0
    for start in _request_starts(stream.labels):
        for form in forms:
            readings = _read_requests_from(stream, start, request_rows(template, form))
            score = sum(1 for r in readings if r.values)
            if score > best_score:
                best, best_score = readings, score
    return best


# -- Section 四 -----------------------------------------------------------------------------------


def read_appeals(stream: Stream) -> list[RowReading]:
    """The values under the first 行政复议 / 行政诉讼 header block, official column order."""
    items = stream.items
    keys = tuple(f"appeals.{row}.{column}" for row in APPEAL_ROWS for column in APPEAL_COLUMNS)
    for index, item in enumerate(items):
        if item.is_value or "行政复议" not in item.text:
            continue
        values: list[FigureValue] = []
        header_seen = False
        for follower in items[index + 1 : index + _APPEALS_SCAN]:
            if follower.is_value:
                if not header_seen:
                    break
                values.append(follower.value)
            elif set(follower.text) <= _APPEAL_HEADER_CHARS:
                if values and len(values) >= len(keys):
                    break
                header_seen = header_seen or bool(_APPEAL_HEADER_SEEN.search(follower.text))
            else:
                break
        if values:
            return [RowReading("appeals", keys, tuple(values), len(values) == len(keys), "text")]
    return []
