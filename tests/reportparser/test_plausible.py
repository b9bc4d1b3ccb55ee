"""Printed values no report can mean (an ID number in a count cell): null with a finding."""

from __future__ import annotations

import dataclasses

import pytest

from reportparser.api import parse_bytes
from reportparser.plausible import IMPLAUSIBLE, screen_figures, screen_readings
from reportparser.readings import RowReading
from tests.support.render import render_html
from tests.support.synth import synthesize

ID_NUMBER = 64032319800101123400  # 20 digits: beyond a 64-bit integer column


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_an_id_number_in_a_cell_is_null_and_the_report_stands(template: str) -> None:
    spec = synthesize(template, 3)
    key = "requests.new.natural_person"
    spec = dataclasses.replace(spec, figures={**spec.figures, key: ID_NUMBER})

    result = parse_bytes(render_html(spec), filename="t.html")

    assert result.status == "report"
    assert result.figures[key] is None
    others = {k: v for k, v in spec.figures.items() if k != key and not k.startswith("requests.")}
    assert {k: result.figures[k] for k in others} == others
    screened = [f for f in result.findings if f.rule == "warning.implausible_value"]
    assert len(screened) == 1
    assert str(ID_NUMBER) in screened[0].message
    # No rule finding carries the number: it never reached the rules.
    assert all(ID_NUMBER not in (f.expected, f.actual) for f in result.findings)


def test_exact_rows_lose_the_cell_text_rows_lose_their_numbers() -> None:
    exact = RowReading("requests.new", ("a", "b", "c"), (1, ID_NUMBER, 3), True, "table")
    guessed = RowReading("requests.carried", ("a", "b", "c"), (1, ID_NUMBER), False, "text")
    fine = RowReading("requests.other", ("a", "b"), (1, 2), True, "table")

    readings, findings = screen_readings([exact, guessed, fine])

    assert [r.values for r in readings] == [(1, None, 3), (), (1, 2)]
    assert [f.rule for f in findings] == ["warning.implausible_value"] * 2
    assert "b: printed 64032319800101123400" in findings[0].message
    assert "requests.carried" in findings[1].message


def test_negative_counts_are_kept_with_a_warning_signed_changes_are_not() -> None:
    keys = ("active.fees.prev_year_items", "active.fees.change")
    reading = RowReading("active.fees", keys, (-3, -4), True, "table")

    readings, findings = screen_readings([reading])

    assert readings[0].values == (-3, -4)
    assert [(f.rule, f.actual) for f in findings] == [("warning.negative_value", -3)]


def test_legacy_figures_are_screened_too() -> None:
    figures, findings = screen_figures({"a.b.c": IMPLAUSIBLE, "d.e.f": IMPLAUSIBLE - 1, "g": -1})

    assert figures == {"a.b.c": None, "d.e.f": IMPLAUSIBLE - 1, "g": -1}
    assert [f.rule for f in findings] == ["warning.implausible_value", "warning.negative_value"]
