"""The convenience views created by the migrations, on both engines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from crawler.counties import COUNTIES
from models.records import Listing
from models.store import ReportStore
from reportparser.result import Finding, ParseResult
from reportparser.vocabulary import HEADLINE_FIGURES
from tests.models.build import figures_for, make_fetch, make_result


def rows(store: ReportStore, sql: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text(sql))]


def test_report_headlines(store: ReportStore) -> None:
    figures = figures_for() | {
        "requests.new.total": 14,
        "requests.disclosed.total": 9,
        "requests.partially_disclosed.total": None,
        "appeals.review.total": 1,
        "appeals.litigation_direct.total": 2,
        "appeals.litigation_after_review.total": None,
    }
    store.record_document(make_fetch("https://a/1"), make_result(figures=figures))
    store.record_document(
        make_fetch("https://a/2"),
        make_result(year=2012, template="legacy", figures={"requests.new.total": 3}),
    )

    [legacy, current] = rows(store, "SELECT * FROM report_headlines ORDER BY year")

    assert {name: current[name] for name in HEADLINE_FIGURES} == {
        "requests_received": 14,
        "requests_disclosed": 9,
        "requests_partially_disclosed": None,
        "appeals": 1,
        "lawsuits": 2,
    }
    assert current["county_name"] == "盐池县"
    assert (current["year"], current["scope"]) == (2020, "county")
    assert current["agency"] == "盐池县人民政府"
    assert {name: legacy[name] for name in HEADLINE_FIGURES} == {
        "requests_received": 3,
        "requests_disclosed": None,
        "requests_partially_disclosed": None,
        "appeals": None,
        "lawsuits": None,
    }


def test_coverage_statuses(store: ReportStore) -> None:
    store.sync_counties(COUNTIES)
    hard = (Finding("requests.balance", "column total", 5, 4),)
    store.record_document(make_fetch("https://y/2020"), make_result(year=2020))
    store.record_document(make_fetch("https://y/2021"), make_result(year=2021, findings=hard))
    store.record_document(
        make_fetch("https://y/2022-dept"),
        make_result(year=2022, scope="department", agency="盐池县扶贫开发办公室"),
    )
    store.record_document(
        make_fetch(
            "https://j/2019.pdf",
            county_code="640424",
            listing=Listing("泾源县2019年政府信息公开工作年度报告", "2020-01-20"),
        ),
        ParseResult("needs_ocr", "pdf", reason="no text layer"),
    )
    last_year = dt.date.today().year - 1

    coverage = rows(store, "SELECT * FROM coverage ORDER BY county_code, year")

    by_key = {(row["county_code"], row["year"]): row for row in coverage}
    assert {row["county_code"] for row in coverage} == {c.code for c in COUNTIES}
    assert {row["year"] for row in coverage} == set(range(2020, last_year + 1))
    assert by_key["640323", 2020]["status"] == "collected"
    assert by_key["640323", 2021]["status"] == "flagged"
    assert by_key["640323", 2021]["hard_findings"] == 1
    assert by_key["640323", 2022]["status"] == "missing"
    assert by_key["640323", 2022]["department_reports"] == 1
    assert by_key["640424", 2020]["status"] == "missing"
    assert by_key["640122", last_year]["status"] == "missing"
    # 2019 is before the first report: the failed 2019 document widens nothing.
    assert ("640424", 2019) not in by_key
    store.record_document(make_fetch("https://y/2019"), make_result(year=2019))
    jingyuan_2019 = rows(
        store, "SELECT * FROM coverage WHERE county_code = '640424' AND year = 2019"
    )
    assert jingyuan_2019[0]["status"] == "flagged"
    assert jingyuan_2019[0]["failed_documents"] == 1
