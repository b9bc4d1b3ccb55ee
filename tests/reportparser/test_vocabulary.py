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
