"""Legacy reports (2008–2018): the figures their statistics table states unambiguously.

Before the 2019 template a report was prose (read by `prose.legacy_figures`), and many appended
a statistics table: the State Council's 政府信息公开情况统计表 (rows `统计指标 | 单位 | 统计数`,
grouped under `三、依申请公开情况`, `四、行政复议数量`, `五、行政诉讼数量` …), or a short table
of a header row over one row of numbers (`受理申请数 | 同意公开 | 部分公开 | 行政复议 …`).

Only labels whose meaning is one key of the vocabulary are read (docs/report-fields.md, "Legacy
reports", lists them); the others (主动公开信息数, 当面申请数, 不同意公开 …) have no key and are
left out. A number of lawsuits does not say which kind they were, so a lawsuit figure is read
only when it is zero: then it is zero for both kinds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from reportparser.document import Table
from reportparser.labels import bare_label
from reportparser.result import FigureValue
from reportparser.values import squash, squashed_cell_value

_COUNTED: Final = r"(?:数|数量|件数|案件数|总数)?"

# (pattern, key) per group of the table; a row's label is matched whole, without its
# enumerator, a leading `其中：` and a trailing `(单位)`.
_REQUEST_LABELS: Final = (
    (rf"(?:收到|受理|接收)(?:的)?(?:政府信息公开|依申请公开)?申请(?:总)?{_COUNTED}", "new"),
    (rf"(?:申请)?办结(?:申请)?{_COUNTED}", "handled_total"),
    (rf"(?:同意|予以)公开(?:答复)?{_COUNTED}", "disclosed"),
    (rf"(?:同意|予以)?部分公开(?:答复)?{_COUNTED}", "partially_disclosed"),
    (rf"涉及国家秘密{_COUNTED}", "withheld_state_secret"),
    (
        rf"危及国家安全、?公共安全、?经济安全(?:和|、)社会稳定{_COUNTED}",
        "withheld_three_securities_one_stability",
    ),
)
_APPEAL_HEADINGS: Final = (
    (re.compile(rf"行政复议{_COUNTED}"), "review"),
    (re.compile(rf"行政诉讼{_COUNTED}"), "litigation"),
)
_APPEAL_OUTCOMES: Final = (
    (rf"维持(?:具体行政行为)?(?:或者?驳回原告诉讼请求)?{_COUNTED}", "upheld"),
    (rf"(?:被依法)?(?:纠错|纠正){_COUNTED}", "corrected"),
    (rf"其他(?:情形|结果){_COUNTED}", "other"),
    (rf"尚未审结{_COUNTED}", "pending"),
)
_REQUEST_PATTERNS: Final = tuple((re.compile(p), key) for p, key in _REQUEST_LABELS)
_OUTCOME_PATTERNS: Final = tuple((re.compile(p), key) for p, key in _APPEAL_OUTCOMES)
_LITIGATION_KINDS: Final = ("litigation_direct", "litigation_after_review")

_HEADING: Final = re.compile(r"^[一二三四五六七八九十]+、")
_OF_WHICH: Final = re.compile(r"^其中[:：]?")
_MAX_LABEL: Final = 40


def _label(text: str) -> str:
    return bare_label(_OF_WHICH.sub("", bare_label(text)))


def _group_of(heading: str) -> str | None:
    """The group a top-level row (`三、依申请公开情况`, `四、行政复议数量`) opens."""
    if "行政复议" in heading:
        return "review"
    if "行政诉讼" in heading:
        return "litigation"
    if "申请" in heading:
        return "requests"
    return None


def _keys(label: str, group: str | None) -> list[tuple[str, bool]]:
    """The keys a row's label names in `group`, each with whether only a zero may be read."""
    for pattern, kind in _APPEAL_HEADINGS:
        if pattern.fullmatch(label):
            if kind == "review":
                return [("appeals.review.total", False)]
            return [(f"appeals.{k}.total", True) for k in _LITIGATION_KINDS]
    if group in ("review", "litigation"):
        for pattern, column in _OUTCOME_PATTERNS:
            if pattern.fullmatch(label):
                if group == "review":
                    return [(f"appeals.review.{column}", False)]
                return [(f"appeals.{k}.{column}", True) for k in _LITIGATION_KINDS]
        return []
    for pattern, row in _REQUEST_PATTERNS:
        if pattern.fullmatch(label):
            return [(f"requests.{row}.total", False)]
    return []


def _put(figures: dict[str, FigureValue], keys: list[tuple[str, bool]], value: FigureValue) -> None:
    if value is None or any(only_zero and value != 0 for _key, only_zero in keys):
        return
    for key, _only_zero in keys:
        figures.setdefault(key, value)


def _number(cell: str) -> FigureValue | str:
    """A cell's number, or "" for an empty/placeholder cell, or the text (a label or unit)."""
    value = squashed_cell_value(cell)
    if value.kind == "number":
        return value.value
    return "" if value.kind == "empty" else cell


def _read_rows(rows: Sequence[Sequence[str]]) -> dict[str, FigureValue]:
    figures: dict[str, FigureValue] = {}
    group: str | None = None
    header: list[list[tuple[str, bool]]] = []  # keys of a header row's cells, in order
    for cells in rows:
        read = [_number(cell) for cell in cells if cell]
        texts = [c for c in read if isinstance(c, str) and c]
        numbers = [c for c in read if not isinstance(c, str)]
        if header and not texts and len(numbers) == len(header):
            # The row of numbers under a header row of labels.
            for keys, value in zip(header, numbers, strict=True):
                _put(figures, keys, value)
            header = []
            continue
        header = []
        if not texts:
            continue
        label = texts[0]
        if len(label) > _MAX_LABEL or "。" in label:
            continue
        if _HEADING.match(label):
            group = _group_of(label)
        if not numbers and len(texts) >= 2:
            labelled = [_keys(_label(text), None) for text in texts]
            if sum(1 for keys in labelled if keys) >= 2:
                header = labelled
                continue
        if numbers and read[-1] == numbers[-1]:
            _put(figures, _keys(_label(label), group), numbers[-1])
    return figures


def _table_rows(table: Table) -> list[list[str]]:
    rows: list[list[str]] = []
    for spans in table.row_spans():
        seen: set[int] = set()
        row: list[str] = []
        for cell, _first, _last in spans:
            if cell is not None and id(cell) not in seen:
                seen.add(id(cell))
                row.append(squash(cell.text))
        rows.append(row)
    return rows


def _line_cells(line: str) -> list[str]:
    parts = line.split("\t") if "\t" in line else line.split()
    return [squash(part) for part in parts]


def statistics_figures(tables: Sequence[Table], lines: Sequence[str]) -> dict[str, FigureValue]:
    """The figures of the statistics tables among `tables` (structured) and `lines` (a table
    whose structure was lost: tab- or space-separated cells, one row a line)."""
    figures: dict[str, FigureValue] = {}
    for table in tables:
        for key, value in _read_rows(_table_rows(table)).items():
            figures.setdefault(key, value)
    rows = [_line_cells(line) for line in lines if "。" not in line]
    for key, value in _read_rows(rows).items():
        figures.setdefault(key, value)
    return figures
