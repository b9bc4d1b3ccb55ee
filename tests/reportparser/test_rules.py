"""Lost cells, inference and the four hard rules."""

from __future__ import annotations

from reportparser.readings import RowReading
from reportparser.result import FigureValue
from reportparser.rules import assemble, check
from reportparser.vocabulary import APPEAL_COLUMNS, REQUEST_COLUMNS, REQUEST_ROWS


def _row(row: str, values: list[FigureValue], *, exact: bool = True) -> RowReading:
    keys = tuple(f"requests.{row}.{c}" for c in REQUEST_COLUMNS)
    return RowReading(f"requests.{row}", keys, tuple(values), exact, "text")


def _zeros(template: str, *, skip: tuple[str, ...] = ()) -> list[RowReading]:
    return [_row(row, [0] * 7) for row in REQUEST_ROWS[template] if row not in skip]


def _cells(figures: dict[str, FigureValue], row: str) -> list[FigureValue]:
    return [figures.get(f"requests.{row}.{c}") for c in REQUEST_COLUMNS]


def test_a_row_with_one_lost_cell_is_filled_when_every_placement_agrees() -> None:
    readings = [*_zeros("2019", skip=("carried_over",)), _row("carried_over", [0] * 6, exact=False)]
    result = assemble(readings, "2019")
    assert _cells(result.figures, "carried_over") == [0] * 7
    assert [f.rule for f in result.findings] == ["warning.inferred"]
    assert len(result.inferred) == 7


def test_the_rules_pick_the_one_placement_that_balances() -> None:
    # carried_over really is 1 0 0 0 0 0 1; a 0 was lost. Balance: new + carried_over =
    # handled_total + carried_forward puts the 1 under natural_person, not commercial.
    readings = [
        _row("new", [0] * 7),
        _row("carried_over", [1, 0, 0, 0, 0, 1], exact=False),
        _row("disclosed", [1, 0, 0, 0, 0, 0, 1]),
        *[_row(r, [0] * 7) for r in REQUEST_ROWS["2019"][3:-2]],
        _row("handled_total", [1, 0, 0, 0, 0, 0, 1]),
        _row("carried_forward", [0] * 7),
    ]
    result = assemble(readings, "2019")
    assert _cells(result.figures, "carried_over") == [1, 0, 0, 0, 0, 0, 1]
    assert not [f for f in result.findings if not f.is_warning]


def test_cells_the_placements_disagree_on_stay_null() -> None:
    # Without the other rows only the row total constrains the row: the first 1 may be the
    # natural person's or the company's, the last one the total (other = 0) or `other` (the
    # total lost, so 2).
    result = assemble([_row("carried_over", [1, 0, 0, 0, 0, 1], exact=False)], "2019")
    assert _cells(result.figures, "carried_over") == [None, None, 0, 0, 0, None, None]
    assert [f.rule for f in result.findings] == ["warning.lost_cells"]
    assert "left null" in result.findings[0].message
    assert result.inferred == {f"requests.carried_over.{c}" for c in REQUEST_COLUMNS[2:5]}


def test_no_consistent_placement_leaves_the_row_null() -> None:
    readings = [
        *_zeros("2019", skip=("carried_over",)),
        _row("carried_over", [5, 5, 5, 5, 5, 5], exact=False),
    ]
    result = assemble(readings, "2019")
    assert _cells(result.figures, "carried_over") == [None] * 7
    assert "no placement agrees" in result.findings[0].message


def test_a_row_whose_numbers_are_gone_is_forced_by_the_totals() -> None:
    readings = [
        _row(row, [0] * 7)
        for row in REQUEST_ROWS["2021"]
        if row not in ("disclosed", "handled_total", "other_misc", "new")
    ]
    readings += [
        _row("new", [3, 0, 0, 0, 0, 0, 3]),
        _row("disclosed", [1, 0, 0, 0, 0, 0, 1]),
        _row("other_misc", [], exact=False),
        _row("handled_total", [3, 0, 0, 0, 0, 0, 3]),
    ]
    result = assemble(readings, "2021")
    assert _cells(result.figures, "other_misc") == [2, 0, 0, 0, 0, 0, 2]
    assert [f.rule for f in result.findings] == ["warning.inferred"]


def test_a_row_whose_numbers_are_gone_stays_null_when_nothing_forces_it() -> None:
    readings = [_row("disclosed", [1, 0, 0, 0, 0, 0, 1]), _row("other_misc", [], exact=False)]
    result = assemble(readings, "2021")
    assert _cells(result.figures, "other_misc") == [None] * 7
    assert result.findings == []


def test_printed_empty_cells_are_never_filled() -> None:
    keys = tuple(f"appeals.litigation_direct.{c}" for c in APPEAL_COLUMNS)
    reading = RowReading("appeals.litigation_direct", keys, (0, 1, 0, None, 1), True, "table")
    result = assemble([reading], "2019")
    assert result.figures["appeals.litigation_direct.pending"] is None
    assert result.findings == []


def test_too_many_numbers_make_an_unreadable_row() -> None:
    result = assemble([_row("new", [1] * 9, exact=False)], "2019")
    assert _cells(result.figures, "new") == [None] * 7
    assert [f.rule for f in result.findings] == ["warning.unreadable_row"]


def test_printed_values_that_break_a_rule_are_kept_and_reported() -> None:
    figures: dict[str, FigureValue] = {
        "appeals.review.upheld": 1,
        "appeals.review.corrected": 2,
        "appeals.review.other": 0,
        "appeals.review.pending": 0,
        "appeals.review.total": 4,
    }
    findings = check(figures, "2021")
    assert [(f.rule, f.expected, f.actual) for f in findings] == [("appeals.total", 3, 4)]
    assert findings[0].message == "row review: total = 4, upheld + corrected + other + pending = 3"
    assert figures["appeals.review.total"] == 4


def test_one_finding_per_broken_instance() -> None:
    readings = _zeros("2019", skip=("new", "handled_total"))
    readings += [_row("new", [1, 1, 0, 0, 0, 0, 1]), _row("handled_total", [1, 1, 0, 0, 0, 0, 1])]
    rules = sorted(f.message.split(":")[0] for f in assemble(readings, "2019").findings)
    # new and handled_total break their row totals; the outcomes do not sum to handled_total in
    # two columns; balance breaks where new and handled_total differ from the zero rows.
    assert rules.count("row new") == 1
    assert rules.count("row handled_total") == 1


# -- A table read from a guess at a PDF's layout is confirmed by the rules, or left null ----------


def _swapped_rows() -> list[RowReading]:
    """disclosed and partially_disclosed read with each other's numbers: each row's own total
    holds, only the column sums (outcome_total) show the swap."""
    readings = _zeros("2019", skip=("new", "disclosed", "partially_disclosed", "handled_total"))
    return [
        _row("new", [3, 0, 0, 0, 0, 0, 3]),
        _row("disclosed", [0, 1, 0, 0, 0, 0, 1]),
        _row("partially_disclosed", [2, 0, 0, 0, 0, 0, 2]),
        _row("handled_total", [3, 0, 0, 0, 0, 0, 3]),
        *readings,
    ]


def test_a_layout_guess_that_breaks_a_rule_is_left_null_with_one_finding() -> None:
    result = assemble(_swapped_rows(), "2019", confirm_text=True)
    assert {key: v for key, v in result.figures.items() if v is not None} == {}
    assert [f.rule for f in result.findings] == ["warning.unconfirmed_table"]
    message = result.findings[0].message
    assert "section 三" in message
    assert "requests.outcome_total column natural_person" in message
    # Printed text read as such (`confirm_text` False) keeps its values and its findings.
    printed = assemble(_swapped_rows(), "2019")
    assert printed.figures["requests.disclosed.commercial"] == 1
    assert {f.rule for f in printed.findings} == {"requests.outcome_total"}


def test_a_layout_guess_the_rules_cannot_check_is_left_null() -> None:
    readings = [r for r in _zeros("2019") if r.name != "requests.handled_total"]
    result = assemble(readings, "2019", confirm_text=True)
    assert all(v is None for v in result.figures.values())
    assert "cannot be checked" in result.findings[-1].message


def test_a_layout_guess_the_rules_confirm_is_kept() -> None:
    rows = [*_zeros("2019", skip=("new", "disclosed", "handled_total"))]
    readings = [
        _row("new", [3, 0, 0, 0, 0, 0, 3]),
        _row("disclosed", [3, 0, 0, 0, 0, 0, 3]),
        _row("handled_total", [3, 0, 0, 0, 0, 0, 3]),
        *rows,
    ]
    result = assemble(readings, "2019", confirm_text=True)
    assert result.figures["requests.disclosed.natural_person"] == 3
    assert result.findings == []


def test_cells_read_from_a_table_grid_are_never_judged_as_a_guess() -> None:
    readings = [RowReading(r.name, r.keys, r.values, r.exact, "table") for r in _swapped_rows()]
    result = assemble(readings, "2019", confirm_text=True)
    assert result.figures["requests.disclosed.commercial"] == 1
    assert {f.rule for f in result.findings} == {"requests.outcome_total"}
