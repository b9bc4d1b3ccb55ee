"""Completeness per report: complete / partial / metadata only (failed: no report row), shown
by coverage and exports; only complete reports count as collected."""

from __future__ import annotations

import csv
import io

import pytest

from models.completeness import completeness
from models.coverage import coverage
from models.export import export
from models.store import ReportStore
from reportparser.result import Finding, ParseResult
from tests.models.build import figures_for, make_fetch, make_result


@pytest.mark.parametrize(
    ("figures", "rules", "verdict"),
    [
        (figures_for("2019"), [], "complete"),
        (figures_for("2021"), ["requests.balance", "warning.prose_mismatch"], "complete"),
        ({}, [], "metadata_only"),
        ({"requests.new.total": None}, [], "metadata_only"),  # printed empty: no figure read
        (figures_for("2019"), ["warning.missing_rows"], "partial"),
        (figures_for("2019"), ["warning.unconfirmed_table"], "partial"),
        (figures_for("2019"), ["warning.truncated"], "partial"),
        (
            {k: v for k, v in figures_for("2019").items() if not k.startswith("appeals.")},
            [],
            "partial",
        ),
    ],
)
def test_verdict(figures: dict[str, int | float | None], rules: list[str], verdict: str) -> None:
    assert completeness(figures, rules) == verdict


def test_only_complete_reports_count_as_collected(sqlite_store: ReportStore) -> None:
    store = sqlite_store
    store.record_document(make_fetch("https://y/2019"), make_result(year=2019))
    # "table not found": a report with no figure at all.
    store.record_document(
        make_fetch("https://y/2020"),
        make_result(
            year=2020,
            figures={},
            findings=(Finding("warning.missing_section", "section 三: table not found"),),
        ),
    )
    store.record_document(
        make_fetch("https://y/2021"),
        make_result(
            year=2021,
            template="2021",
            figures={k: v for k, v in figures_for("2021").items() if k.startswith("requests.")},
        ),
    )
    store.record_document(
        make_fetch("https://y/2022"),
        ParseResult(status="error", format="pdf", reason="broken PDF"),
    )

    stored = {r.meta.year: r.completeness for r in store.reports()}
    assert stored == {2019: "complete", 2020: "metadata_only", 2021: "partial"}
    cells = {c.year: c for c in coverage(store, county_code="640323", since=2019, until=2021)}
    assert {y: c.status for y, c in cells.items()} == {
        2019: "collected",
        2020: "partial",
        2021: "partial",
    }
    assert {y: c.completeness for y, c in cells.items()} == {
        2019: "complete",
        2020: "metadata_only",
        2021: "partial",
    }
    out = io.StringIO()
    export(store, out, layout="wide")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["year"], r["completeness"]) for r in rows] == [
        ("2019", "complete"),
        ("2020", "metadata_only"),
        ("2021", "partial"),
    ]
