"""The browser in a real headless chromium: Datasette with the metadata, the report, county and
coverage pages, the archived copies; every number on a page is the stored one.

One crawl history (the fixture web crawled, one report changed, crawled again), one
`scrapy browse` and one chromium for the whole module. Screenshots: test-artifacts/browser/.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from browser.layout import label
from browser.pages import laid_out_keys
from crawler.counties import COUNTIES
from models.export import format_number
from models.types import normalize_number
from reportparser.api import parse_bytes
from reportparser.vocabulary import all_figure_keys, equations
from tests.browser.support import (
    CRAWLED,
    browse,
    chromium,
    crawl_history,
    require_chromium,
    screenshot,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser"), pytest.mark.timeout(900)]

YANCHI = "640323"
HELAN = "640122"
NEVER_CRAWLED = "640402"  # 原州区: in the registry, not in CRAWLED


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_chromium()  # before the crawl: no point crawling for a browser that is not there
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def data(workdir: Path) -> Path:
    return crawl_history(workdir)


def rows(data: Path, sql: str, *params: Any) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(f"file:{data / 'ogi-reports.sqlite3'}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        return db.execute(sql, params).fetchall()


def digest(data: Path) -> str:
    return hashlib.sha256((data / "ogi-reports.sqlite3").read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def digest_before(data: Path) -> str:
    return digest(data)


@pytest.fixture(scope="module")
def site(data: Path, digest_before: str) -> Iterator[str]:
    with browse(data) as url:
        yield url


@pytest.fixture(scope="module")
def context(workdir: Path) -> Iterator[Any]:
    with chromium(workdir) as browser_context:
        yield browser_context


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    """A tab that fails the test on a JavaScript error or a failed request."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(f"page error: {error}"))

    def failed(request: Any) -> None:
        # ERR_ABORTED: the test navigated on before a stylesheet arrived; not a failure.
        if request.failure != "net::ERR_ABORTED":
            errors.append(f"request failed: {request.url} {request.failure}")

    tab.on("requestfailed", failed)
    yield tab
    tab.close()
    assert errors == []


def cells(page: Any) -> dict[str, tuple[str, str]]:
    """key → (text, class) of every figure cell of the page."""
    found = page.eval_on_selector_all(
        "td[data-key]", "els => els.map(e => [e.dataset.key, e.textContent.trim(), e.className])"
    )
    return {key: (text, classes) for key, text, classes in found}


def table_rows(page: Any, selector: str = "table.rows-and-columns") -> list[dict[str, str]]:
    """A Datasette results table as dicts, column name → cell text."""
    return page.eval_on_selector(
        selector,
        """table => {
            const names = [...table.querySelectorAll('thead th')].map(
                th => th.dataset.column || th.textContent.trim());
            return [...table.querySelectorAll('tbody tr')].map(tr => Object.fromEntries(
                [...tr.querySelectorAll('td')].map((td, i) => [names[i], td.textContent.trim()])));
        }""",
    )


def shown(value: Any) -> str:
    number = normalize_number(value)
    return "" if number is None else format_number(number)


def test_home_and_datasette_metadata(page: Any, site: str) -> None:
    page.goto(site + "/")
    assert "OGI annual reports" in page.title()
    page.click("section.content >> text=coverage grid")
    assert page.inner_text("h1") == "Coverage 覆盖情况"

    page.goto(site + "/ogi")
    text = page.inner_text("body")
    for title in (
        "Requests received per county and year",
        "Reports whose tables do not add up",
        "Data dictionary",
    ):
        assert title in text

    page.goto(site + "/ogi/reports")
    assert page.inner_text("h1").startswith("Reports 年度报告")
    assert "deduplicated by county code, year and agency" in page.inner_text("body")
    facets = page.eval_on_selector_all(".facet-info", "els => els.map(e => e.dataset.column)")
    assert {"year", "scope", "template", "county_code"} <= set(facets)
    screenshot(page, "datasette-reports")


def test_canned_query_carries_the_stored_numbers(page: Any, site: str, data: Path) -> None:
    page.goto(site + "/ogi/requests_per_county_year")
    shown_rows = table_rows(page)
    stored = rows(
        data,
        "SELECT county_code, year, requests_received, report_id FROM report_headlines "
        "WHERE scope = 'county' ORDER BY county_code, year",
    )
    assert len(shown_rows) == len(stored) > 5
    for row, expected in zip(shown_rows, stored, strict=True):
        assert row["county_code"] == expected["county_code"]
        assert row["year"] == str(expected["year"])
        assert row["requests_received"] == shown(expected["requests_received"])
    # The report_id column links to the report page.
    page.click(f"a[href='/-/report/{stored[0]['report_id']}']")
    assert page.url.endswith(f"/-/report/{stored[0]['report_id']}")
    screenshot(page, "report-from-canned-query")

    page.goto(site + "/ogi/data_dictionary?_size=max")
    dictionary = {row["key"]: row for row in table_rows(page)}
    assert list(dictionary) == list(all_figure_keys())
    assert dictionary["requests.new.total"]["label"] == "一、本年新收政府信息公开申请数量 · 总计"
    assert dictionary["active.fees.amount"]["unit"] == "万元"


def test_figure_keys_are_labelled_in_datasette(page: Any, site: str) -> None:
    page.goto(site + "/ogi/figures?key=requests.new.total")
    first = page.inner_text("table.rows-and-columns tbody tr td.col-key")
    assert first.startswith("requests.new.total")
    assert "一、本年新收政府信息公开申请数量 · 总计 (件)" in first
    screenshot(page, "datasette-figures")


def test_every_report_page_lays_out_its_stored_figures(page: Any, site: str, data: Path) -> None:
    reports = rows(data, "SELECT id, template, title FROM reports ORDER BY id")
    assert len(reports) > 10
    for report in reports:
        page.goto(f"{site}/-/report/{report['id']}")
        assert page.inner_text("h1") == report["title"]
        headings = page.eval_on_selector_all("h2.ogi-section", "els => els.map(e => e.textContent)")
        assert [h[:2] for h in headings] == ["二、", "三、", "四、"]
        figures = {
            r["key"]: r["value"]
            for r in rows(data, "SELECT key, value FROM figures WHERE report_id = ?", report["id"])
        }
        on_page = cells(page)
        placed = laid_out_keys(report["template"])
        for key in placed:
            text, classes = on_page[key]
            if key not in figures:
                assert "absent" in classes.split(), (report["id"], key)
            elif figures[key] is None:
                assert (text, "empty" in classes.split()) == ("", True), (report["id"], key)
            else:
                assert text == shown(figures[key]), (report["id"], key)
        # A figure outside the template's tables is listed apart, never dropped.
        for key in set(figures) - placed:
            assert key in on_page, (report["id"], key)
        # Laid out like the template: the project's parser, which finds rows and columns by
        # their printed labels, reads the page back as exactly the stored figures.
        parsed = parse_bytes(page.content().encode(), content_type="text/html; charset=utf-8")
        assert parsed.figures == {k: normalize_number(v) for k, v in figures.items()}, report["id"]
    page.goto(f"{site}/-/report/{reports[0]['id']}")
    assert "一、本年新收政府信息公开申请数量" in page.inner_text("table.ogi-template >> nth=-2")
    screenshot(page, "report")


def test_findings_are_highlighted_on_their_cells(page: Any, site: str, data: Path) -> None:
    (report,) = rows(
        data,
        "SELECT id, template, hard_finding_count FROM reports "
        "WHERE county_code = ? AND scope = 'county' AND hard_finding_count > 0",
        HELAN,
    )
    page.goto(f"{site}/-/report/{report['id']}")
    findings = rows(
        data,
        "SELECT rule, message FROM findings WHERE report_id = ? AND severity = 'hard'",
        report["id"],
    )
    assert len(page.query_selector_all("li.finding.hard")) == report["hard_finding_count"]
    on_page = cells(page)
    for finding in findings:
        where = finding["message"].split(":", 1)[0]
        (equation,) = [
            eq
            for eq in equations(report["template"])
            if (eq.rule, eq.where) == (finding["rule"], where)
        ]
        for key in (*equation.left, *equation.right):
            assert "hard" in on_page[key][1].split(), (finding["rule"], key)
    unconcerned = [key for key, (_, classes) in on_page.items() if "hard" not in classes.split()]
    assert unconcerned  # only the cells of broken rules are marked
    title = page.get_attribute("td[data-key='requests.new.total']", "title")
    assert label("requests.new.total") in title
    screenshot(page, "report-with-hard-findings")


def test_archived_copies_are_the_stored_bytes(
    page: Any, site: str, data: Path, context: Any
) -> None:
    (report,) = rows(
        data,
        "SELECT r.id, r.title FROM reports AS r WHERE r.county_code = ? AND r.year = 2021 "
        "AND r.scope = 'county'",
        YANCHI,
    )
    sources = rows(
        data,
        "SELECT url, sha256, content_type, format FROM sources WHERE report_id = ?",
        report["id"],
    )
    assert {s["format"] for s in sources} == {"html", "pdf"}  # a page and its attachment
    page.goto(f"{site}/-/report/{report['id']}")
    originals = set(
        page.eval_on_selector_all("table.ogi-sources a.original", "els => els.map(e => e.href)")
    )
    assert originals == {s["url"] for s in sources}
    archived = page.eval_on_selector_all(
        "table.ogi-sources a.archived", "els => els.map(e => e.href)"
    )
    assert len(archived) == len(sources)
    by_sha = {s["sha256"]: s for s in sources}
    for href in archived:
        response = context.request.get(href)
        sha256 = href.rsplit("/", 1)[1]
        assert response.status == 200
        assert hashlib.sha256(response.body()).hexdigest() == sha256
        assert response.headers["content-type"] == by_sha[sha256]["content_type"]
        if by_sha[sha256]["format"] == "html":  # its scripts never run, it fetches nothing
            assert response.headers["content-security-policy"].startswith(
                "sandbox; default-src 'none'"
            )
    html_copy = next(h for h in archived if by_sha[h.rsplit("/", 1)[1]]["format"] == "html")
    page.goto(html_copy)
    assert report["title"] in page.inner_text("body")
    screenshot(page, "archived-page")
    for missing in (f"/-/archive/{'0' * 64}", "/-/report/999999", "/-/county/999999"):
        assert context.request.get(site + missing).status == 404, missing


def test_county_page_charts_the_stored_numbers(page: Any, site: str, data: Path) -> None:
    page.goto(f"{site}/-/county/{YANCHI}")
    points = page.eval_on_selector_all(
        "circle.point", "els => els.map(e => [e.dataset.series, +e.dataset.year, e.dataset.value])"
    )
    charted = {(series, year): value for series, year, value in points}
    headlines = rows(
        data,
        "SELECT year, requests_received, appeals, lawsuits FROM report_headlines "
        "WHERE county_code = ? AND scope = 'county'",
        YANCHI,
    )
    expected = {
        (series, row["year"]): shown(row[series])
        for row in headlines
        for series in ("requests_received", "appeals", "lawsuits")
        if row[series] is not None
    }
    assert charted == expected
    assert len(expected) >= 9

    runs = rows(
        data, "SELECT status FROM crawl_runs WHERE county_code = ? ORDER BY started_at DESC", YANCHI
    )
    shown_runs = page.eval_on_selector_all(
        "table.ogi-runs td.status", "els => els.map(e => e.textContent)"
    )
    assert shown_runs == [run["status"] for run in runs] and len(runs) == 2

    (revision,) = rows(
        data,
        "SELECT rv.report_id, rv.revision, rv.reason, rv.figures FROM revisions AS rv "
        "JOIN reports AS r ON r.id = rv.report_id WHERE r.county_code = ?",
        YANCHI,
    )
    assert revision["reason"] == "document_changed"
    page.click(f"table.ogi-revisions a[href='/-/report/{revision['report_id']}']")
    changes = page.inner_text(f"table.ogi-revisions tr[data-revision='{revision['revision']}']")
    old = json.loads(revision["figures"])
    (new,) = rows(
        data,
        "SELECT value FROM figures WHERE report_id = ? AND key = 'requests.new.total'",
        revision["report_id"],
    )
    assert (
        f"requests.new.total: {shown(old['requests.new.total'])} → {shown(new['value'])}" in changes
    )
    page.goto(f"{site}/-/county/{YANCHI}")
    screenshot(page, "county")


def test_coverage_grid_tells_blocked_unreachable_and_not_crawled_apart(
    page: Any, site: str, data: Path
) -> None:
    page.goto(f"{site}/-/coverage")
    states = dict(
        page.eval_on_selector_all(
            "tr[data-county]",
            "els => els.map(e => [e.dataset.county, e.querySelector('td.crawl').dataset.crawl])",
        )
    )
    assert states["640324"] == "blocked"  # 同心
    assert states["640522"] == "unreachable"  # 海原
    assert states[YANCHI] == states[HELAN] == "ok"
    assert states[NEVER_CRAWLED] == "never"
    # Every registry county (the whole country) has a row; only the crawled ones were crawled.
    registry = len(COUNTIES)
    assert len(states) == registry
    assert list(states.values()).count("never") == registry - len(CRAWLED)
    never = page.eval_on_selector_all(
        f"tr[data-county='{NEVER_CRAWLED}'] td.cell", "els => els.map(e => e.className)"
    )
    assert never and all("not-crawled" in c for c in never)
    blocked = page.eval_on_selector_all(
        "tr[data-county='640324'] td.cell", "els => els.map(e => e.className)"
    )
    assert blocked and all("not-crawled" not in c and "missing" in c for c in blocked)

    coverage = rows(data, "SELECT year, status FROM coverage WHERE county_code = ?", YANCHI)
    shown_cells = dict(
        page.eval_on_selector_all(
            f"tr[data-county='{YANCHI}'] td.cell",
            "els => els.map(e => [+e.dataset.year, e.dataset.status])",
        )
    )
    assert shown_cells == {row["year"]: row["status"] for row in coverage}
    # The first screen only: the grid has a row per registry county (the whole country), taller
    # than chromium draws in one full-page shot on a loaded machine.
    screenshot(page, "coverage", full_page=False)

    (report,) = rows(
        data,
        "SELECT id, title FROM reports WHERE county_code = ? AND year = 2021 AND scope = 'county'",
        YANCHI,
    )
    page.click(f"tr[data-county='{YANCHI}'] td.cell[data-year='2021'] a")
    assert page.url.endswith(f"/-/report/{report['id']}")
    assert page.inner_text("h1") == report["title"]
    page.click("a.county-link")
    assert page.url.endswith(f"/-/county/{YANCHI}")

    page.goto(f"{site}/-/coverage?province=nowhere")
    assert page.query_selector_all("tr[data-county]") == []


def test_every_internal_link_resolves(page: Any, site: str, data: Path, context: Any) -> None:
    pages = [
        "/",
        "/-/coverage",
        f"/-/county/{YANCHI}",
        f"/-/county/{HELAN}",
        f"/-/county/{NEVER_CRAWLED}",
    ]
    pages += [
        f"/-/report/{row['id']}"
        for row in rows(data, "SELECT id FROM reports WHERE county_code = ?", HELAN)
    ]
    links: set[str] = set()
    for path in pages:
        page.goto(site + path)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        links.update(h.split("#")[0] for h in hrefs if h.startswith(site))
    assert len(links) > 50
    broken = [link for link in sorted(links) if context.request.get(link).status != 200]
    assert broken == []


def test_nothing_is_fetched_from_the_internet(context: Any, site: str) -> None:
    assert context.requests_made  # the tests above ran in this context
    assert [url for url in context.requests_made if not url.startswith(site)] == []


def test_browsing_never_writes_the_database(site: str, data: Path, digest_before: str) -> None:
    assert digest(data) == digest_before
