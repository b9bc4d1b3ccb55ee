"""Coverage read from the view and rendered for the terminal and as an HTML page."""

from __future__ import annotations

import datetime as dt

import lxml.html

from crawler.counties import select
from models.coverage import coverage, render_html, render_table
from models.records import Listing
from models.store import ReportStore
from reportparser.result import Finding, ParseResult
from tests.models.build import make_fetch, make_result

# The registry's counties of one province: a grid of a size a test can read.
COUNTIES = select(province="宁夏回族自治区")


def fill(store: ReportStore) -> None:
    store.sync_counties(COUNTIES)
    store.record_document(make_fetch("https://y/2020"), make_result(year=2020))
    store.record_document(
        make_fetch("https://y/2021"),
        make_result(year=2021, findings=(Finding("appeals.total", "row review", 3, 2),)),
    )
    store.record_document(
        make_fetch(
            "https://j/2021.pdf",
            county_code="640424",
            listing=Listing("泾源县2021年政府信息公开工作年度报告", "2022-01-10"),
        ),
        ParseResult("error", "pdf", reason="truncated PDF"),
    )


def test_coverage_cells(store: ReportStore) -> None:
    fill(store)

    cells = coverage(store, since=2020, until=2022)

    assert len(cells) == len(COUNTIES) * 3
    status = {(c.county_code, c.year): c.status for c in cells}
    assert status["640323", 2020] == "collected"
    assert status["640323", 2021] == "flagged"
    assert status["640424", 2021] == "flagged"
    assert status["640424", 2020] == "missing"
    assert [c.year for c in coverage(store, county_code="640323", since=2020, until=2021)] == [
        2020,
        2021,
    ]


def test_render_table(store: ReportStore) -> None:
    fill(store)

    table = render_table(coverage(store, since=2020, until=2021))

    lines = table.splitlines()
    assert lines[0].split() == ["20", "21"]
    yanchi = next(line for line in lines if line.startswith("640323 盐池县"))
    assert yanchi.split()[2:] == ["#", "!"]
    helan = next(line for line in lines if line.startswith("640122 贺兰县"))
    assert helan.split()[2:] == [".", "."]
    missing = len(COUNTIES) * 2 - 3
    assert f"# collected 1   ~ partial 0   ! flagged 2   . missing {missing}" in table
    assert "泾源县 2021: flagged, 1 failed documents" in table
    # Columns line up although Chinese names are twice as wide as they are long.
    assert len({line.index("#") for line in lines if line.startswith("640323")}) == 1


def test_render_html_is_a_self_contained_grid(store: ReportStore) -> None:
    fill(store)
    stamp = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)

    page = render_html(coverage(store, since=2020, until=2021), generated_at=stamp)

    document = lxml.html.fromstring(page)
    assert document.xpath("//script") == []
    assert document.xpath("//link[@rel='stylesheet']") == []
    assert [th.text for th in document.xpath("//thead/tr/th")] == [None, "2020", "2021"]
    rows = document.xpath("//tbody/tr")
    assert len(rows) == len(COUNTIES)
    yanchi = next(r for r in rows if "640323" in r.text_content())
    assert [td.get("class") for td in yanchi.xpath("td")] == ["collected", "flagged"]
    assert "1 hard findings" in yanchi.xpath("td")[1].get("title")
    assert "2026-11-23 12:00 UTC" in page
