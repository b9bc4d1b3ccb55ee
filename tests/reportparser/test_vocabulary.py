from __future__ import annotations

import pytest

from reportparser.vocabulary import all_figure_keys, equations, figure_keys
from tests.conftest import SEED_NAMES, load_expected


@pytest.mark.parametrize("name", SEED_NAMES)
def test_template_keys_are_exactly_the_seed_keys(name: str) -> None:
    expected = load_expected(name)
    assert set(figure_keys(expected["meta"]["template"])) == set(expected["figures"])


def test_template_sizes() -> None:
    assert len(figure_keys("2019")) == 198
    assert len(figure_keys("2021")) == 200


def test_wide_export_order_starts_with_2019_and_appends_2021() -> None:
    keys = all_figure_keys()
    assert keys[: len(figure_keys("2019"))] == figure_keys("2019")
    assert len(keys) == len(set(keys))
    assert set(keys) == set(figure_keys("2019")) | set(figure_keys("2021"))


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_equations_only_use_keys_of_their_template(template: str) -> None:
    keys = set(figure_keys(template))
    for eq in equations(template):
        assert set(eq.left) | set(eq.right) <= keys, eq


def test_equation_counts() -> None:
    # 7 balance + 23 row totals + 7 outcome totals + 3 appeal totals (2019: 23 request rows)
    assert len(equations("2019")) == 7 + 23 + 7 + 3
    assert len(equations("2021")) == 7 + 25 + 7 + 3
    assert equations("legacy") == ()


def test_a_2021_report_printing_the_single_other_row_has_that_rows_keys() -> None:
    keys = figure_keys("2021", "single")
    assert len(keys) == 200 - 14
    assert "requests.other_handling.total" in keys
    assert not [k for k in keys if k.startswith("requests.other_no_correction.")]
    # The same section 三 as the 2019 template; section 二 stays the 2021 template's.
    assert [k for k in keys if k.startswith("requests.")] == [
        k for k in figure_keys("2019") if k.startswith("requests.")
    ]
    assert "active.rules.issued" in keys
    assert figure_keys("2021", "split") == figure_keys("2021")


@pytest.mark.parametrize(("template", "other"), [("2021", "single"), ("2019", "split")])
def test_equations_follow_the_printed_form_of_section_six(template: str, other: str) -> None:
    keys = set(figure_keys(template, other))  # type: ignore[arg-type]
    eqs = equations(template, other)  # type: ignore[arg-type]
    for eq in eqs:
        assert set(eq.left) | set(eq.right) <= keys, eq
    outcome_total = next(eq for eq in eqs if eq.rule == "requests.outcome_total")
    assert len(outcome_total.right) == (19 if other == "single" else 21)
