"""Rows are recognised by their labels, whichever template the label comes from.

Many reports on the 2021 template still print section 三's (六) as the 2019 template's single
`（六）其他处理` row instead of the three 2021 rows. Such a report is stored with what it printed:
`requests.other_handling.*` (the spec's key for that form), no row reported missing, and the
consistency rules summing the row that was printed.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import pytest

from reportparser import parse_bytes
from tests.support.render import LIBREOFFICE_FORMATS, filename, render
from tests.support.spec import ReportSpec, seed_spec, with_single_other_row
from tests.support.synth import synthesize

FORMATS: Final = ("html", "docx", "pdf", "txt", "md")
REPORTS: Final = ("jingyuan-2021-county", "synthetic-2021-1", "synthetic-2021-2")
_SPLIT: Final = ("other_no_correction", "other_unpaid_fee", "other_misc")


@cache
def single_other_spec(name: str) -> ReportSpec:
    base = synthesize("2021", int(name[-1])) if name.startswith("synthetic") else seed_spec(name)
    return with_single_other_row(base)


def _cases() -> list[object]:
    return [
        pytest.param(
            fmt,
            name,
            id=f"{fmt}-{name}",
            marks=[pytest.mark.libreoffice] if fmt in LIBREOFFICE_FORMATS else [],
        )
        for fmt in FORMATS
        for name in REPORTS
    ]


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("fmt", "name"), _cases())
def test_a_2021_report_printing_the_single_other_handling_row(fmt: str, name: str) -> None:
    spec = single_other_spec(name)
    result = parse_bytes(render(spec, fmt), filename=filename(spec, fmt))

    assert result.status == "report", result.reason
    assert result.meta is not None
    assert result.meta.template == "2021"
    problems = [
        f"{key}={result.figures.get(key, '<absent>')!r} (want {want!r})"
        for key, want in spec.figures.items()
        if result.figures.get(key, "<absent>") != want
        and not (key in spec.optional and result.figures.get(key) is None)
    ]
    problems += [f"{key} is not printed" for key in result.figures if key not in spec.figures]
    assert problems == [], problems[:8]
    rules = {f.rule for f in result.findings}
    assert "warning.missing_rows" not in rules
    assert sorted({f.rule for f in result.hard_findings}) == sorted(spec.expected_findings)
    assert not any(f"requests.{row}." in key for key in result.figures for row in _SPLIT)


def test_the_single_row_takes_part_in_the_outcome_total() -> None:
    """A wrong value in the printed (六) row is caught by the column sums it belongs to."""
    spec = single_other_spec("synthetic-2021-1")
    text = render(spec, "txt").decode("utf-8")
    printed = spec.cell_text("requests.other_handling.natural_person")
    line = next(line for line in text.splitlines() if "（六）其他处理" in line)
    broken = text.replace(line, line.replace(printed, str(int(printed) + 1), 1))
    result = parse_bytes(broken.encode("utf-8"), filename="report.txt")
    messages = [f.message for f in result.hard_findings]
    assert any(
        f.rule == "requests.outcome_total" and "column natural_person" in f.message
        for f in result.hard_findings
    ), messages
