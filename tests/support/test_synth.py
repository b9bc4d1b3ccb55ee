from __future__ import annotations

import pytest

from crawler.counties import BY_COUNTY_CODE
from reportparser.vocabulary import equations, figure_keys
from tests.support.synth import YEARS, synthesize

CASES = [(template, seed) for template in ("2019", "2021") for seed in range(12)]


@pytest.mark.parametrize(("template", "seed"), CASES)
def test_keys_are_exactly_the_template_keys(template: str, seed: int) -> None:
    spec = synthesize(template, seed)
    assert tuple(spec.figures) == figure_keys(template)


@pytest.mark.parametrize(("template", "seed"), CASES)
def test_every_hard_rule_holds(template: str, seed: int) -> None:
    figures = synthesize(template, seed).figures
    for eq in equations(template):
        left = sum(figures[k] or 0 for k in eq.left)
        right = sum(figures[k] or 0 for k in eq.right)
        assert left == right, f"{eq.rule} {eq.where}: {left} != {right}"


@pytest.mark.parametrize(("template", "seed"), CASES)
def test_every_cell_holds_a_different_number(template: str, seed: int) -> None:
    values = list(synthesize(template, seed).figures.values())
    assert None not in values
    magnitudes = [abs(v) for v in values if v is not None]
    assert len(set(magnitudes)) == len(magnitudes)


@pytest.mark.parametrize(("template", "seed"), CASES)
def test_active_section_has_signed_changes_and_a_decimal_amount(template: str, seed: int) -> None:
    figures = synthesize(template, seed).figures
    amount_key = "active.procurement.amount" if template == "2019" else "active.fees.amount"
    amount = figures[amount_key]
    assert isinstance(amount, float)
    assert not amount.is_integer()
    if template == "2019":
        changes = [v for k, v in figures.items() if k.endswith(".change")]
        assert len(changes) == 5


def test_changes_take_both_signs_across_seeds() -> None:
    changes = [
        v
        for seed in range(12)
        for k, v in synthesize("2019", seed).figures.items()
        if k.endswith(".change") and v is not None
    ]
    assert any(v < 0 for v in changes)
    assert any(v > 0 for v in changes)


@pytest.mark.parametrize(("template", "seed"), CASES)
def test_meta_is_realistic(template: str, seed: int) -> None:
    meta = synthesize(template, seed).meta
    county = BY_COUNTY_CODE[meta.county_code or ""]
    assert meta.county == county.name
    assert meta.year in YEARS[template]
    assert meta.template == template
    assert meta.agency is not None and meta.agency.startswith(county.name)
    if meta.scope == "county":
        assert meta.agency == f"{county.name}人民政府"
    else:
        assert meta.scope == "department"
        assert meta.agency != f"{county.name}人民政府"
    assert meta.title is not None
    assert meta.title.endswith(f"{meta.year}年政府信息公开工作年度报告")
    assert meta.published_at is not None and meta.published_at.year == meta.year + 1


def test_deterministic_per_seed_and_varied_across_seeds() -> None:
    assert synthesize("2019", 3) == synthesize("2019", 3)
    assert synthesize("2019", 3).figures != synthesize("2019", 4).figures
    specs = [synthesize(t, s) for t, s in CASES]
    assert {s.meta.scope for s in specs} == {"county", "department"}
    assert {s.active_layout for s in specs} == {"small_tables", "one_table"}
    assert {s.change_style for s in specs if s.template == "2019"} == {"signed", "words"}


def test_unknown_template_is_refused() -> None:
    with pytest.raises(ValueError, match="legacy"):
        synthesize("legacy", 1)
