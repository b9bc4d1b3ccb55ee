"""The pages' content, built from rows: highlighted cells, figures outside the tables, the
coverage grid's three kinds of empty cell, revision changes."""

from __future__ import annotations

from typing import Any

from browser.pages import (
    county_series,
    coverage_grid,
    finding_keys,
    findings_view,
    other_figures,
    report_sections,
    revision_changes,
    status_counts,
)
from reportparser.vocabulary import figure_keys


def cell_classes(template: str, figures: dict[str, Any], findings: list[Any]) -> dict[str, str]:
    return {
        cell.key: cell.classes
        for section in report_sections(template, figures, findings)
        for table in section.tables
        for row in table.rows
        for cell in row
        if cell.key
    }


def test_a_hard_finding_marks_the_cells_of_its_equation() -> None:
    keys = finding_keys(
        "requests.row_total",
        "row new: total = 55, sum of the six applicant columns = 59",
        "2019",
        figure_keys("2019"),
    )
    assert keys == {
        f"requests.new.{c}"
        for c in (
            "natural_person",
            "commercial",
            "research",
            "social_welfare",
            "legal_service",
            "other",
            "total",
        )
    }
    balance = finding_keys(
        "requests.balance",
        "column total: new + carried_over = 56, handled_total + carried_forward = 55",
        "2021",
        figure_keys("2021"),
    )
    assert balance == {
        "requests.new.total",
        "requests.carried_over.total",
        "requests.handled_total.total",
        "requests.carried_forward.total",
    }


def test_a_warning_marks_the_keys_and_rows_its_message_names() -> None:
    known = figure_keys("2021")
    keys = finding_keys(
        "warning.county_rules",
        "a county government's report lists 规章 (active.rules.issued = 3), but …",
        "2021",
        known,
    )
    assert keys == {"active.rules.issued"}
    row = finding_keys("warning.inferred", "requests.carried_over: 6 numbers …", "2021", known)
    assert row == {k for k in known if k.startswith("requests.carried_over.")}
    assert finding_keys("warning.prose_mismatch", "the text states 56", "2021", known) == set()


def test_cells_say_absent_empty_hard_and_warning() -> None:
    figures: dict[str, Any] = dict.fromkeys(figure_keys("2019"), 1)
    figures["requests.new.other"] = None
    del figures["active.procurement.amount"]
    findings = findings_view(
        [
            {
                "rule": "appeals.total",
                "message": "row review: total = 5, upheld + corrected + other + pending = 4",
                "severity": "hard",
                "origin": "parser",
                "expected": 4,
                "actual": 5.0,
            },
            {
                "rule": "warning.inferred",
                "message": "requests.carried_over: 6 numbers printed for 7 cells",
                "severity": "warning",
                "origin": "parser",
                "expected": None,
                "actual": None,
            },
        ],
        "2019",
        figures,
    )
    assert findings[0].actual == 5 and isinstance(findings[0].actual, int)
    classes = cell_classes("2019", figures, findings)
    assert classes["requests.new.other"] == "figure empty"
    assert classes["active.procurement.amount"] == "figure absent"
    assert classes["appeals.review.total"] == "figure hard"
    assert classes["requests.carried_over.research"] == "figure warning"
    assert classes["requests.new.total"] == "figure"


def test_figures_outside_the_template_tables_are_listed_apart() -> None:
    figures = {"requests.new.total": 3, "odd.key.x": 1.5}
    assert other_figures("2021", figures) == [("odd.key.x", "odd.key.x", "1.5")]


def test_a_2021_report_printing_the_single_other_row_is_laid_out_so() -> None:
    """(六) as the 2019 template's one row, as many 2021 reports print it: in the table."""
    figures: dict[str, Any] = dict.fromkeys(figure_keys("2021", "single"), 1)
    assert other_figures("2021", figures) == []
    classes = cell_classes("2021", figures, [])
    assert "requests.other_handling.total" in classes
    assert "requests.other_misc.total" not in classes


def test_county_series_use_the_county_governments_reports() -> None:
    headlines = [
        {"year": 2021, "scope": "county", "requests_received": 7, "appeals": 1, "lawsuits": None},
        {"year": 2021, "scope": "department", "requests_received": 99, "appeals": 9, "lawsuits": 9},
        {"year": 2020, "scope": "county", "requests_received": 5.0, "appeals": 0, "lawsuits": 2},
    ]
    (requests,), (appeals, lawsuits) = county_series(headlines)
    assert requests.points == ((2020, 5), (2021, 7))
    assert appeals.points == ((2020, 0), (2021, 1))
    assert lawsuits.points == ((2020, 2), (2021, None))


def coverage_cell(code: str, name: str, year: int, status: str, **counts: int) -> dict[str, Any]:
    base = {"county_reports": 0, "department_reports": 0, "hard_findings": 0, "failed_documents": 0}
    return {
        "county_code": code,
        "county_name": name,
        "prefecture": "吴忠市",
        "year": year,
        "status": status,
        **base,
        **counts,
    }


def test_coverage_grid_tells_never_crawled_from_blocked() -> None:
    cells = [
        coverage_cell("640323", "盐池县", 2021, "collected", county_reports=1),
        coverage_cell("640323", "盐池县", 2022, "missing"),
        coverage_cell("640324", "同心县", 2021, "missing"),
        coverage_cell("640381", "青铜峡市", 2021, "missing"),
    ]
    runs = {
        "640323": {"status": "ok", "started_at": "2026-11-01 08:00:00"},
        "640324": {"status": "blocked", "started_at": "2026-11-01 08:00:00"},
    }
    years, rows = coverage_grid(
        cells,
        runs,
        {("640323", 2021): 7},
        report_href=lambda report_id: f"/-/report/{report_id}",
        county_href=lambda code: f"/-/county/{code}",
    )
    assert years == [2021, 2022]
    yanchi, tongxin, qingtongxia = rows
    assert [c.href for c in yanchi.cells] == ["/-/report/7", "/-/county/640323"]
    assert [c.classes for c in yanchi.cells] == ["collected", "missing"]
    assert (tongxin.crawl_state, tongxin.cells[0].classes) == ("blocked", "missing")
    assert tongxin.crawl_note.startswith("blocked")
    assert (qingtongxia.crawl_state, qingtongxia.cells[0].classes) == (
        "never",
        "missing not-crawled",
    )
    assert qingtongxia.cells[0].symbol == "?"
    assert status_counts(rows) == {
        "collected": 1,
        "partial": 0,
        "flagged": 0,
        "missing": 2,
        "not-crawled": 1,
    }


def test_revision_changes() -> None:
    old = {"a.b.c": 1, "a.b.d": None, "a.b.e": 2.0, "a.b.f": 4}
    current = {"a.b.c": 2, "a.b.d": None, "a.b.e": 2, "a.b.g": 5}
    assert revision_changes(old, current) == [
        "a.b.c: 1 → 2",
        "a.b.f: 4 → absent",
        "a.b.g: absent → 5",
    ]
    many = revision_changes({f"k.{i}.x": i for i in range(20)}, {}, limit=3)
    assert many[-1] == "… and 17 more" and len(many) == 4
