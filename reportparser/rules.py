"""Assembling figures from row readings: lost cells, inference, and the consistency rules.

Printed values are never changed. What the rules may do is place or fill what the text lost:

- a row that printed fewer numbers than it has cells (`二、上年结转… 0 0 0 0 0 0`): every way
  of placing the printed numbers in order among the cells is tried; a placement is kept when
  the rules touching the row can hold (cells left over are solved where an equation has only
  them unknown, as non-negative whole numbers). A cell on which all kept placements agree is
  filled; the others stay null. Each such row gets one warning.
- a row whose numbers are gone (`3.其他` with nothing after it): a cell is filled when an
  equation has it as its only unknown, every such equation gives the same non-negative whole
  number, and every rule through it then holds.
- a cell printed empty stays null: the report said nothing there.

Then each instance of the four hard rules (`vocabulary.equations`) whose cells are all known is
checked, one finding per broken instance.

Where the text a table was read from is a guess at the page's layout (a PDF table without
ruling lines: `confirm_text`), a printed value is only as good as the guess, so the rules judge
the guess: a table whose text-read cells break a rule is not confirmed, and those cells are left
null with one `warning.unconfirmed_table` finding that names the rules it broke.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from math import comb
from operator import mul
from typing import Final

from reportparser.readings import RowReading
from reportparser.result import FigureValue, Finding
from reportparser.vocabulary import Equation, OtherForm, equations

# Placements tried for one row with lost cells (15 appeals cells with 12 printed: 455).
MAX_PLACEMENTS: Final = 3_000
_TOLERANCE: Final = 1e-6


@dataclass(slots=True)
class Assembly:
    figures: dict[str, FigureValue] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    inferred: set[str] = field(default_factory=set)


def _sum(values: Iterable[FigureValue]) -> float:
    return sum(v for v in values if v is not None)


def _as_count(value: float) -> int | None:
    """`value` as a non-negative whole number, or None if it is not one."""
    rounded = round(value)
    if rounded < 0 or abs(value - rounded) > _TOLERANCE:
        return None
    return int(rounded)


@dataclass(frozen=True, slots=True)
class _Linear:
    """An equation as `sum(sign * cell) = 0`: sign +1 for its left terms, -1 for its right."""

    eq: Equation
    terms: tuple[tuple[str, int], ...]
    # The terms' keys and signs apart, for `holds_or_unknown`: C loops (map) over them.
    keys: tuple[str, ...]
    signs: tuple[int, ...]

    @classmethod
    def of(cls, eq: Equation) -> _Linear:
        terms = (*((k, 1) for k in eq.left), *((k, -1) for k in eq.right))
        return cls(eq, terms, tuple(k for k, _ in terms), tuple(s for _, s in terms))

    def holds_or_unknown(self, state: dict[str, FigureValue]) -> bool:
        """True when a term is unknown or the known terms balance: what `residual` tells,
        at a fraction of its cost for the checks that only ask this (every rule instance
        of every report, nearly all of which hold). The same sum, in the same order, from
        the same 0.0."""
        values = list(map(state.get, self.keys))
        if None in values:
            return True
        total: float = sum(map(mul, self.signs, values), 0.0)
        return abs(total) <= _TOLERANCE

    def residual(self, state: dict[str, FigureValue]) -> tuple[float, int, str, int]:
        """(sum of the known signed terms, number of unknown terms, last unknown, its sign)."""
        total = 0.0
        missing = 0
        unknown, unknown_sign = "", 0
        for key, sign in self.terms:
            value = state.get(key)
            if value is None:
                missing += 1
                unknown, unknown_sign = key, sign
            else:
                total += sign * value
        return total, missing, unknown, unknown_sign


def _propagate(eqs: Sequence[_Linear], state: dict[str, FigureValue], solvable: set[str]) -> bool:
    """Fill solvable cells forced by an equation; False when the state cannot satisfy `eqs`."""
    changed = True
    while changed:
        changed = False
        for eq in eqs:
            total, missing, unknown, sign = eq.residual(state)
            if missing == 0:
                if abs(total) > _TOLERANCE:
                    return False
            elif missing == 1 and unknown in solvable:
                value = _as_count(-total * sign)
                if value is None:
                    return False
                state[unknown] = value
                solvable.discard(unknown)
                changed = True
    return True


class _Equations:
    """The template's rule instances, indexed by the keys they involve."""

    def __init__(self, template: str, other: OtherForm | None) -> None:
        self.all = tuple(_Linear.of(eq) for eq in equations(template, other))
        self.by_key: dict[str, list[_Linear]] = {}
        for eq in self.all:
            for key, _sign in eq.terms:
                self.by_key.setdefault(key, []).append(eq)

    def touching(self, keys: Iterable[str]) -> list[_Linear]:
        seen: dict[int, _Linear] = {}
        for key in keys:
            for eq in self.by_key.get(key, ()):
                seen.setdefault(id(eq), eq)
        return list(seen.values())


@cache
def _equations_of(template: str, other: OtherForm | None = None) -> _Equations:
    return _Equations(template, other)


def _describe(values: Sequence[FigureValue]) -> str:
    return " ".join("_" if v is None else str(v) for v in values)


def _place_row(
    reading: RowReading, figures: dict[str, FigureValue], eqs: _Equations
) -> tuple[list[FigureValue], str]:
    """Cells of a lost-cells row that every rule-consistent placement agrees on."""
    keys = reading.keys
    printed = reading.values
    n, k = len(keys), len(printed)
    if comb(n, k) > MAX_PLACEMENTS:
        return [None] * n, "too many ways to place them to try"
    row = set(keys)
    # Only equations whose other cells are all known can force or refute a placement.
    local = [
        eq
        for eq in eqs.touching(keys)
        if all(figures.get(k) is not None for k, _sign in eq.terms if k not in row)
    ]
    outcomes: list[tuple[FigureValue, ...]] = []
    for positions in combinations(range(n), k):
        state = dict(figures)
        for position, value in zip(positions, printed, strict=True):
            state[keys[position]] = value
        solvable = {keys[i] for i in range(n) if i not in positions}
        for key in solvable:
            state[key] = None
        if _propagate(local, state, solvable):
            outcomes.append(tuple(state[key] for key in keys))
    if not outcomes:
        return [None] * n, "no placement agrees with the consistency rules"
    agreed: list[FigureValue] = []
    for i in range(n):
        values = {outcome[i] for outcome in outcomes}
        agreed.append(values.pop() if len(values) == 1 else None)
    return agreed, f"{len(outcomes)} placement(s) agree with the consistency rules"


def _fill_lost(lost: set[str], figures: dict[str, FigureValue], eqs: _Equations) -> set[str]:
    """Fill cells of rows whose numbers are gone where the rules force one value."""
    filled: set[str] = set()
    blocked: set[str] = set()
    progress = True
    while progress:
        progress = False
        candidates: dict[str, set[int | None]] = {}
        for key in sorted(lost - filled - blocked):
            for eq in eqs.by_key.get(key, ()):
                if any(k not in figures for k, _sign in eq.terms):
                    continue  # a row of the equation is not in the report at all
                total, missing, unknown, sign = eq.residual(figures)
                if missing == 1 and unknown == key:
                    candidates.setdefault(key, set()).add(_as_count(-total * sign))
        for key, values in candidates.items():
            if len(values) != 1 or None in values:
                blocked.add(key)
                continue
            figures[key] = values.pop()
            consistent = True
            for eq in eqs.by_key.get(key, ()):
                total, missing, _unknown, _sign = eq.residual(figures)
                if missing == 0 and abs(total) > _TOLERANCE:
                    consistent = False
            if consistent:
                filled.add(key)
                progress = True
            else:
                figures[key] = None
                blocked.add(key)
    return filled


_MESSAGES: Final = {
    "requests.balance": (
        "{where}: new + carried_over = {left}, handled_total + carried_forward = {right}"
    ),
    "requests.row_total": "{where}: total = {left}, sum of the six applicant columns = {right}",
    "requests.outcome_total": "{where}: handled_total = {left}, sum of the outcome rows = {right}",
    "appeals.total": "{where}: total = {left}, upheld + corrected + other + pending = {right}",
}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def check(
    figures: dict[str, FigureValue], template: str, other: OtherForm | None = None
) -> list[Finding]:
    """One finding per instance of a hard rule that the known figures break (`other`: the
    form section 三's (六) is printed in, if not the template's own)."""
    return [finding for _linear, finding in _broken(figures, _equations_of(template, other))]


def _broken(figures: dict[str, FigureValue], eqs: _Equations) -> list[tuple[_Linear, Finding]]:
    """The rule instances the known figures break, each with its finding."""
    findings: list[tuple[_Linear, Finding]] = []
    for linear in eqs.all:
        if linear.holds_or_unknown(figures):
            continue
        eq = linear.eq
        left = _sum(figures[k] for k in eq.left)
        right = _sum(figures[k] for k in eq.right)
        if abs(left - right) > _TOLERANCE:
            message = _MESSAGES.get(eq.rule, "{where}: {left} ≠ {right}")
            finding = Finding(
                eq.rule,
                message.format(where=eq.where, left=_number(left), right=_number(right)),
                expected=_number(right),
                actual=_number(left),
            )
            findings.append((linear, finding))
    return findings


def assemble(
    readings: Sequence[RowReading],
    template: str,
    *,
    other: OtherForm | None = None,
    confirm_text: bool = False,
) -> Assembly:
    """Figures from the readings (first reading of a key wins), inference, rule findings.

    `other`: the form section 三's (六) is printed in, if not the template's own.
    `confirm_text`: text readings are a guess at a layout that the rules must confirm."""
    result = Assembly()
    figures = result.figures
    eqs = _equations_of(template, other)
    lost: set[str] = set()
    partial: list[RowReading] = []
    known = figures.__contains__
    for reading in readings:
        if all(map(known, reading.keys)):  # map: a C loop, for every row of every report
            continue
        if reading.exact:
            for key, value in zip(reading.keys, reading.values, strict=True):
                figures.setdefault(key, value)
            continue
        if any(key in figures for key in reading.keys):
            continue  # numbers at unknown positions cannot be merged with cells already read
        for key in reading.keys:
            figures.setdefault(key, None)
        if not reading.values:
            lost.update(reading.keys)
        elif len(reading.values) > len(reading.keys):
            result.findings.append(
                Finding(
                    "warning.unreadable_row",
                    f"{reading.name}: {len(reading.values)} numbers for {len(reading.keys)} "
                    f"cells ({_describe(reading.values)}); the row is left empty",
                )
            )
        else:
            partial.append(reading)

    for reading in partial:
        agreed, how = _place_row(reading, figures, eqs)
        filled = [key for key, value in zip(reading.keys, agreed, strict=True) if value is not None]
        for key, value in zip(reading.keys, agreed, strict=True):
            figures[key] = value
        result.inferred.update(filled)
        printed = (
            f"{reading.name}: {len(reading.values)} numbers printed for {len(reading.keys)} "
            f"cells ({_describe(reading.values)})"
        )
        if len(filled) == len(reading.keys):
            result.findings.append(
                Finding("warning.inferred", f"{printed}; {how}: {_describe(agreed)}")
            )
        else:
            result.findings.append(
                Finding(
                    "warning.lost_cells",
                    f"{printed}; {how}; cells not determined are left null: {_describe(agreed)}",
                )
            )

    if lost:
        filled_lost = _fill_lost(lost, figures, eqs)
        result.inferred.update(filled_lost)
        for reading in readings:
            if reading.values or reading.exact:
                continue
            row_filled = [k for k in reading.keys if k in filled_lost]
            if row_filled:
                values = [figures.get(k) for k in reading.keys]
                result.findings.append(
                    Finding(
                        "warning.inferred",
                        f"{reading.name}: no numbers printed; the consistency rules force "
                        f"{len(row_filled)} of its {len(reading.keys)} cells: {_describe(values)}",
                    )
                )

    if confirm_text:
        _reject_unconfirmed(result, readings, eqs)
    result.findings.extend(finding for _linear, finding in _broken(figures, eqs))
    return result


_SECTION_NAMES: Final = {"requests": "三 (requests)", "appeals": "四 (appeals)"}


def _reject_unconfirmed(result: Assembly, readings: Sequence[RowReading], eqs: _Equations) -> None:
    """Null the text-read cells of every table that the rules do not confirm: a table is
    confirmed when every rule instance through its text-read cells can be checked and holds.

    A guess at a layout that pairs labels with the wrong row's numbers keeps each row's own
    total right; only the column sums show it, so a rule that cannot be checked (a cell left
    null) confirms nothing. Section 二 has no rules: its rows are read only where a label and
    its numbers share a line, and are not judged here.
    """
    figures = result.figures
    from_table = {key for r in readings if r.source == "table" for key in r.keys}
    from_text = {key for r in readings if r.source == "text" for key in r.keys} - from_table
    if not from_text:
        return
    broken = {id(linear): finding for linear, finding in _broken(figures, eqs)}
    for section in sorted({key.split(".", 1)[0] for key in from_text}):
        cells = sorted(key for key in from_text if key.startswith(f"{section}."))
        touching = eqs.touching(cells)
        if not touching:
            continue
        failed = [broken[id(linear)] for linear in touching if id(linear) in broken]
        unchecked = sum(1 for linear in touching if linear.residual(figures)[1])
        if not failed and not unchecked:
            continue
        for key in cells:
            figures[key] = None
        result.inferred.difference_update(cells)
        # What was said about placing or inferring those cells no longer holds.
        result.findings = [
            f
            for f in result.findings
            if not (f.is_warning and f.message.startswith((f"{section}.", f"{section}:")))
        ]
        reasons = [f"{f.rule} {f.message}" for f in failed]
        if unchecked:
            reasons.append(f"{unchecked} of its {len(touching)} rule instances cannot be checked")
        result.findings.append(
            Finding(
                "warning.unconfirmed_table",
                f"section {_SECTION_NAMES.get(section, section)}: the table was read from the "
                f"text's layout (no ruling lines placed its cells) and the consistency rules do "
                f"not confirm that reading ({'; '.join(reasons)}); its {len(cells)} cells are "
                "left null",
            )
        )
