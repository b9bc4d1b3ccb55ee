"""The same reports in every format must parse to exactly the same figures and metadata.

The four seeds (figures from their expected files, with the files' `optional` semantics) and
synthetic reports of both templates whose every cell holds a different number (so a shifted row
or column cannot pass) are rendered by `tests.support.render` with real tools and parsed with
`reportparser.parse_bytes`. A case is named `<format>-<report>`; its failure message lists the
first mismatching keys.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import pytest

from reportparser import ParseResult, parse_bytes
from reportparser.vocabulary import figure_keys
from tests.conftest import load_expected
from tests.support.render import LIBREOFFICE_FORMATS, filename, render
from tests.support.spec import SEED_NAMES, ReportSpec, Value, seed_spec
from tests.support.synth import synthesize

META_KEYS: Final = ("county", "county_code", "year", "agency", "scope", "template")
FORMATS: Final = ("html", "html-gbk", "docx", "pdf", "doc", "wps", "txt", "md")
SYNTHETIC: Final = tuple(f"synthetic-{t}-{seed}" for t in ("2019", "2021") for seed in (1, 2, 3))
REPORTS: Final = (*SEED_NAMES, *SYNTHETIC)
_ABSENT: Final = "<absent>"
_SHOWN: Final = 8


@cache
def report_spec(name: str) -> ReportSpec:
    if name.startswith("synthetic-"):
        _, template, seed = name.split("-")
        return synthesize(template, int(seed))
    return seed_spec(name)


@cache
def optional_values(name: str) -> dict[str, Value]:
    """For a seed's optional keys, the value its expected file gives (forced by the rules)."""
    if name.startswith("synthetic-"):
        return {}
    expected = load_expected(name)
    return {key: expected["figures"][key] for key in expected.get("optional", ())}


def _same(want: Value, got: object) -> bool:
    if isinstance(got, bool) or not isinstance(got, int | float) or want is None:
        return want is None and got is None
    return abs(got - want) < 1e-6


def figure_mismatches(name: str, spec: ReportSpec, figures: dict[str, Value]) -> list[str]:
    """`key=got (want X)` for every key that is wrong, missing or not of the template."""
    optional = optional_values(name)
    keys = figure_keys(spec.template)
    problems: list[str] = []
    for key in keys:
        got: object = figures.get(key, _ABSENT)
        if key in optional:
            if got in (_ABSENT, None) or _same(optional[key], got):
                continue
            problems.append(f"{key}={got!r} (want absent, null or {optional[key]!r})")
        elif not _same(spec.figures[key], got):
            problems.append(f"{key}={got!r} (want {spec.figures[key]!r})")
    problems += [
        f"{key}={figures[key]!r} (not a key of template {spec.template})"
        for key in figures
        if key not in set(keys)
    ]
    return problems


def meta_mismatches(spec: ReportSpec, result: ParseResult) -> list[str]:
    if result.meta is None:
        return ["meta=None"]
    got, want = result.meta.to_json(), spec.meta.to_json()
    return [f"meta.{k}={got[k]!r} (want {want[k]!r})" for k in META_KEYS if got[k] != want[k]]


def _cases() -> list[object]:
    cases: list[object] = []
    for fmt in FORMATS:
        for name in REPORTS:
            marks = [pytest.mark.xdist_group(f"render-{name}")]
            if fmt in LIBREOFFICE_FORMATS:
                marks.append(pytest.mark.libreoffice)
            cases.append(pytest.param(fmt, name, id=f"{fmt}-{name}", marks=marks))
    return cases


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("fmt", "name"), _cases())
def test_rendered_report_parses_to_its_figures(fmt: str, name: str) -> None:
    spec = report_spec(name)
    data = render(spec, fmt)
    result = parse_bytes(data, filename=filename(spec, fmt))

    assert result.status == "report", (
        f"{fmt} {name}: status {result.status!r}, reason {result.reason!r}"
    )
    problems = meta_mismatches(spec, result)
    problems += figure_mismatches(name, spec, result.figures)
    hard = sorted({f.rule for f in result.hard_findings})
    if hard != sorted(spec.expected_findings):
        problems.append(f"hard findings {hard} (want {sorted(spec.expected_findings)})")
    assert not problems, (
        f"{fmt} {name} [{result.format}/{result.engine}]: {len(problems)} mismatches, first: "
        + "; ".join(problems[:_SHOWN])
    )
