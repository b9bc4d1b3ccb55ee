"""Rewrite a real PDF's drawing order the way other office suites write their tables.

LibreOffice draws a table row by row: a cell's borders, then its text, cell after cell. WPS
Office (and some other writers) draws each column's cells in turn, so that the text of a table
comes out of the content stream column by column: first every label, then every number of the
first column, and so on; some documents also draw their tables without ruling lines, or with
lines a parser cannot see. `columns_first(pdf, rules=...)` takes a PDF that LibreOffice printed
(`tests.support.render`) and reorders the text of each table that way, keeping every glyph, font
and position as LibreOffice wrote it; with `rules=False` the tables' ruling lines are dropped.

It edits the content streams with pikepdf (qpdf): each of LibreOffice's drawing steps is one
`q … Q` group, a text group sets its own font and position, so moving whole groups changes the
order and nothing else.
"""

from __future__ import annotations

import bisect
import io
from dataclasses import dataclass
from typing import Final

import pikepdf

_SNAP: Final = 3.0  # points: ruling lines closer than this touch


@dataclass(slots=True)
class _Group:
    """One top-level `q … Q` group, or one loose operator between groups."""

    ops: list[pikepdf.ContentStreamInstruction]
    kind: str  # "text", "rule" or "other"
    x: float = 0.0  # text: where its first line starts
    y: float = 0.0
    line: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # rule: x0, y0, x1, y1


def _number(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def _classify(ops: list[pikepdf.ContentStreamInstruction]) -> _Group:
    names = [str(op.operator) for op in ops]
    if "BT" in names:
        for op in ops:
            name = str(op.operator)
            if name in ("Td", "TD"):
                return _Group(ops, "text", _number(op.operands[0]), _number(op.operands[1]))
            if name == "Tm":
                return _Group(ops, "text", _number(op.operands[4]), _number(op.operands[5]))
        return _Group(ops, "other")
    points = [
        (_number(op.operands[0]), _number(op.operands[1]))
        for op in ops
        if str(op.operator) in ("m", "l")
    ]
    if len(points) == 2 and "S" in names:
        (x0, y0), (x1, y1) = points
        if abs(x0 - x1) <= _SNAP or abs(y0 - y1) <= _SNAP:
            return _Group(ops, "rule", line=(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    return _Group(ops, "other")


def _top_level(
    ops: list[pikepdf.ContentStreamInstruction],
) -> tuple[
    list[pikepdf.ContentStreamInstruction], list[_Group], list[pikepdf.ContentStreamInstruction]
]:
    """The page's opening (up to its clip), its groups, and its closing `Q`s."""
    depth = 0
    start = 0
    # LibreOffice opens every page with `q <clip> W* n`: groups sit at depth 1 inside it.
    for i, op in enumerate(ops):
        if str(op.operator) == "n":
            start = i + 1
            break
    for op in ops[:start]:
        depth += {"q": 1, "Q": -1}.get(str(op.operator), 0)
    base = depth
    groups: list[_Group] = []
    current: list[pikepdf.ContentStreamInstruction] = []
    end = len(ops)
    for i in range(start, len(ops)):
        op = ops[i]
        name = str(op.operator)
        if name == "Q" and depth == base and not current:
            end = i
            break
        if name == "q":
            depth += 1
        current.append(op)
        if name == "Q":
            depth -= 1
        if depth == base:
            groups.append(_classify(current))
            current = []
    return ops[:start], groups, ops[end:]


def _tables(rules: list[_Group]) -> list[list[_Group]]:
    """Ruling lines that touch, as one list per table."""
    parent = list(range(len(rules)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(rules):
        ax0, ay0, ax1, ay1 = a.line
        for j in range(i + 1, len(rules)):
            bx0, by0, bx1, by1 = rules[j].line
            if (
                ax0 - _SNAP <= bx1
                and bx0 - _SNAP <= ax1
                and ay0 - _SNAP <= by1
                and by0 - _SNAP <= ay1
            ):
                parent[root(i)] = root(j)
    tables: dict[int, list[_Group]] = {}
    for i, rule in enumerate(rules):
        tables.setdefault(root(i), []).append(rule)
    return list(tables.values())


def _reorder(groups: list[_Group], *, rules: bool) -> list[_Group]:
    out = list(groups)
    for table in _tables([g for g in groups if g.kind == "rule"]):
        x0 = min(g.line[0] for g in table) - _SNAP
        y0 = min(g.line[1] for g in table) - _SNAP
        x1 = max(g.line[2] for g in table) + _SNAP
        y1 = max(g.line[3] for g in table) + _SNAP
        edges = sorted({g.line[0] for g in table if g.line[2] - g.line[0] <= _SNAP})
        inside = [g for g in out if g.kind == "text" and x0 <= g.x <= x1 and y0 <= g.y <= y1]
        if not inside:
            continue
        first = min(out.index(g) for g in inside)
        ordered = sorted(inside, key=lambda g: (bisect.bisect_right(edges, g.x), -g.y, g.x))
        chosen = {id(g) for g in inside}
        rest = [g for g in out if id(g) not in chosen]
        cut = sum(1 for g in out[:first] if id(g) not in chosen)
        out = rest[:cut] + ordered + rest[cut:]
    if not rules:
        out = [g for g in out if g.kind != "rule"]
    return out


def columns_first(data: bytes, *, rules: bool = True) -> bytes:
    """`data` (a LibreOffice PDF) with each table's text drawn column by column; `rules=False`
    also drops the tables' ruling lines."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            opening, groups, closing = _top_level(pikepdf.parse_content_stream(page))
            ops = [op for group in _reorder(groups, rules=rules) for op in group.ops]
            page.Contents = pdf.make_stream(
                pikepdf.unparse_content_stream([*opening, *ops, *closing])
            )
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
        return out.getvalue()
