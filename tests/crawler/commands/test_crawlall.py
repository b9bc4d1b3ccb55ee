"""End to end: `scrapy crawlall` against the fixture web served on 127.0.0.1.

One crawl history per test: a first crawl stores exactly the manifest (and re-parsing it changes
nothing); a second one re-requests only navigation and list pages (each a 304) and fetches,
parses and writes nothing; after one report is republished on the site, a third one updates
exactly that report and keeps its revision. A crawl killed with SIGKILL and started again loses
and duplicates nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.counties import COUNTIES, select
from crawler.extensions import EXIT_MISSING, EXIT_OK
from crawler.platform import NingxiaPlatformSpider
from models.reparse import reparse
from tests.crawler.crawls import (
    FIXTURE_COUNTIES,
    PROJECT_DIR,
    SCRAPY,
    Snapshot,
    count_reports,
    crawl_env,
    crawlall,
    crawlall_command,
    open_store,
    summary_statuses,
)
from tests.fixtureweb.server import ServedWeb, served_copy

EXPECTED_STATUS = {"ok": "ok", "found via search": "ok", "blocked": "blocked"}


def report_key(record: dict[str, Any]) -> tuple[str, int, str]:
    return (record["county_code"], record["year"], record["agency"])


def stored_reports(data_dir: Path) -> dict[tuple[str, int, str], Any]:
    with open_store(data_dir) as store:
        return {
            (r.meta.county_code or "", r.meta.year or 0, r.meta.agency or ""): r
            for r in store.reports()
        }


def of_counties(manifest: dict[str, Any], counties: tuple[str, ...]) -> dict[str, Any]:
    """The manifest's reports and documents of the counties a crawl visits."""
    part = dict(manifest)
    for key in ("reports", "not_reports", "broken_links"):
        part[key] = [record for record in manifest[key] if record["county"] in counties]
    return part


def document_urls(manifest: dict[str, Any]) -> set[str]:
    """Every report page, attachment and non-report article of the fixture web."""
    urls = {s["url"] for r in manifest["reports"] for s in r["sources"]}
    urls |= {d["url"] for d in manifest["not_reports"]}
    urls |= {d["url"] for d in manifest["broken_links"]}
    return urls


def assert_matches_manifest(data_dir: Path, manifest: dict[str, Any]) -> None:
    stored = stored_reports(data_dir)
    expected = {report_key(r): r for r in manifest["reports"]}
    assert sorted(stored) == sorted(expected)
    for key, record in expected.items():
        report = stored[key]
        assert report.meta.scope == record["scope"], key
        assert report.meta.template == record["template"], key
        assert report.figures == record["figures"], key


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_crawl_recrawl_and_change(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_copy(tmp_path) as web:
        manifest = of_counties(web.manifest, FIXTURE_COUNTIES)

        first = crawlall(data, web.url)
        assert first.returncode == EXIT_MISSING, first.stderr[-3000:]
        assert_matches_manifest(data, manifest)
        statuses = summary_statuses(first.stdout)
        for county, info in manifest["counties"].items():
            if county in statuses:
                expected = EXPECTED_STATUS.get(info["status"], info["status"])
                assert statuses[county] == expected, (county, first.stdout)
        assert "tongxin: blocked: JS-cookie challenge (HTTP 412)" in first.stdout
        assert "haiyuan: unreachable" in first.stdout
        assert "pengyang: no annual-report (年报) column found" in first.stdout  # status ok
        # One clear line for each county that could not be crawled, no retry noise.
        errors = [line for line in first.stderr.splitlines() if " ERROR: " in line]
        assert len(errors) == 2, errors
        assert "tongxin: blocked by a JS-cookie challenge" in errors[0] + errors[1]
        assert "haiyuan is unreachable: HostNotInMirror" in errors[0] + errors[1]
        fetched = set(web.fetched())
        # A challenge stops the county at once: no retries, no crawling behind it.
        assert len([u for u in web.fetched() if "//www.tongxin.gov.cn/" in u]) <= 2
        for never in manifest["never_fetch"]:
            assert never["url"] not in fetched, never
        with open_store(data) as store:
            states = {
                url: state
                for county in ("640323", "640424", "640122", "640425")
                for url, state in store.source_states(county).items()
            }
        for article in manifest["not_reports"]:
            if NingxiaPlatformSpider.report_title.search(article["title"]):
                # Looks like a report (a notice about reports): fetched, and the parser says no.
                assert states[article["url"]].status == "not_report", article
            else:
                # Plain news in the column: list entries are selected by title, never fetched.
                assert article["url"] not in fetched, article
        for broken in manifest["broken_links"]:
            assert states[broken["url"]].status == "failed", broken

        # Re-parsing what the crawl stored, with the hints the crawl gave the parser, changes
        # nothing.
        before = Snapshot.of(data)
        with open_store(data) as store:
            sources = store.stored_sources()
            reparsed = reparse(store)
        assert sources
        assert all(source.fetch.hints is not None for source in sources)
        assert reparsed.errors == []
        assert reparsed.documents == len(sources)
        assert (reparsed.count("new"), reparsed.count("updated")) == (0, 0)
        assert Snapshot.of(data) == before

        # Second crawl of the unchanged site: only navigation and list pages, each a 304.
        web.clear_log()
        second = crawlall(data, web.url)
        assert second.returncode == EXIT_MISSING, second.stderr[-3000:]
        requested = web.requests
        assert not document_urls(manifest) & {r.url for r in requested}
        pages = [
            r
            for r in requested
            if r.method == "GET"
            and not r.url.endswith("/robots.txt")
            and r.status not in {404, 412, 502}  # probes past the end, blocked, absent host
        ]
        assert pages
        redirects = [r for r in pages if r.status in {301, 302}]
        assert all(r.conditional and r.status == 304 for r in pages if r not in redirects), [
            (r.url, r.status) for r in pages if r.status != 304
        ]
        assert Snapshot.of(data) == before
        with open_store(data) as store:
            runs = {c: store.crawl_history(c, limit=1)[0] for c in ("640323", "640424")}
        for run in runs.values():
            assert run.status == "ok"
            assert run.reports_new == run.reports_updated == run.reports_failed == 0
            assert run.documents_skipped > 0
            assert not [k for k in run.stats if k.startswith("parser/")]

        # Third crawl after the CMS republished one report: exactly that report is updated.
        changed = web.change_report()
        web.clear_log()
        third = crawlall(data, web.url)
        assert third.returncode == EXIT_MISSING, third.stderr[-3000:]
        page_url = next(s["url"] for s in changed["sources"] if s["format"] == "html")
        assert (page_url, 200) in {(r.url, r.status) for r in web.requests}
        after = stored_reports(data)
        key = report_key(changed)
        assert after[key].figures == changed["figures"]
        assert after[key].revision == 2
        unchanged = {k: r for k, r in before_reports(before).items() if k != key}
        assert {k: after[k].content_hash for k in unchanged} == unchanged
        with open_store(data) as store:
            revisions = store.revisions(after[key].id)
        assert [r["revision"] for r in revisions] == [1]
        assert json.loads(json.dumps(revisions[0]["figures"])) != changed["figures"]


def before_reports(snapshot: Snapshot) -> dict[tuple[str, int, str], str]:
    """(county_code, year, agency) → content hash, from a snapshot's reports rows."""
    reports: dict[tuple[str, int, str], str] = {}
    for row in snapshot.tables["reports"]:
        # reports: id, county_code, year, agency, county, scope, template, title, published_at,
        # content_hash, …
        reports[(row[1], row[2], row[3])] = row[9]
    return reports


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_killed_crawl_restarts_without_loss_or_duplicate(tmp_path: Path) -> None:
    data = tmp_path / "data"
    counties = ("yanchi", "jingyuan", "helan", "pengyang")
    with served_copy(tmp_path) as web:
        manifest = of_counties(web.manifest, counties)
        total = len(manifest["reports"])
        process = start_crawl(data, web, counties, DOWNLOAD_DELAY="0.15")
        try:
            deadline = time.monotonic() + 180
            while count_reports(data) < 3 and process.poll() is None:
                assert time.monotonic() < deadline, "no report stored in time"
                time.sleep(0.05)
            stored_at_kill = count_reports(data)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
        finally:
            stop_group(process)
        assert process.returncode == -signal.SIGKILL
        assert 0 < stored_at_kill < total, "the kill must land mid-crawl"

        again = crawlall(data, web.url, only=counties)
        assert again.returncode == EXIT_OK, again.stdout + again.stderr[-3000:]
        assert_matches_manifest(data, manifest)
        with open_store(data) as store:
            sources = [
                url
                for c in ("640323", "640424", "640122", "640425")
                for url in store.source_states(c)
            ]
        assert len(sources) == len(set(sources))
        assert {s["url"] for r in manifest["reports"] for s in r["sources"]} <= set(sources)


def start_crawl(
    data: Path, web: ServedWeb, counties: tuple[str, ...], **settings: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        crawlall_command(web.url, only=counties, **settings),
        cwd=PROJECT_DIR,
        env=crawl_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group: the parser workers die with the test
    )


def stop_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["crawlall", "--only", "yanchi,atlantis"], "unknown counties: atlantis"),
        (["crawlall", "--demo", "--mirror", "tests/fixtures/web"], "drop --mirror"),
        (["crawlall", "--mirror", "/nonexistent/mirror"], "neither a directory nor"),
        (["crawlall", "yanchi"], "crawlall takes no arguments"),
        (["crawl"], "give one spider name"),
    ],
)
def test_usage_errors(tmp_path: Path, arguments: list[str], message: str) -> None:
    done = subprocess.run(
        [*SCRAPY, *arguments],
        cwd=PROJECT_DIR,
        env=crawl_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr + done.stdout
    assert not (tmp_path / "ogi-reports.sqlite3").exists()


def test_scrapy_list_shows_every_county(tmp_path: Path) -> None:
    done = subprocess.run(
        [*SCRAPY, "list"],
        cwd=PROJECT_DIR,
        env=crawl_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == sorted(c.slug for c in COUNTIES if c.site)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_selections_crawl_other_provinces_and_refuse_sites_that_are_not_the_countys(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with served_copy(tmp_path) as web:
        manifest = web.manifest
        done = subprocess.run(
            [
                *crawlall_command(web.url, only=()),
                "--province",
                "上海市",
                "--prefecture",
                "淮安市",
                "--county",
                "东乡族自治县",
                "--county",
                "330903",
            ],
            cwd=PROJECT_DIR,
            env=crawl_env(data),
            capture_output=True,
            text=True,
            timeout=400,
            check=False,
        )
        fetched = set(web.fetched())
    assert done.returncode == EXIT_MISSING, done.stderr[-3000:]
    lines = {
        line.split()[0]: line.split()[1] for line in done.stdout.splitlines() if line[:1].isdigit()
    }
    # Every county of 上海市 and of 淮安市, plus the two named ones.
    assert set(lines) >= {c.code for c in select(province="上海市", prefecture="淮安市")}
    assert {code: lines[code] for code in ("310107", "320813", "330903", "622926")} == {
        "310107": "ok",
        "320813": "ok",
        "330903": "site_mismatch",
        "622926": "site_mismatch",
    }
    assert (
        "! 330903: site mismatch, nothing stored: SiteIDCode 3101070001 names 上海市普陀区 "
        "(310107), not 浙江省舟山市普陀区 (330903)"
    ) in done.stdout
    assert "! 622926: site mismatch, nothing stored: SiteIDCode 6229000001 names" in done.stdout
    # Stored exactly: the counties' own reports and the prefecture's and province's reports
    # they repost, each under its own division and level, never as a department of the host.
    hosts = {"310107", "320813"}
    expected = {report_key(r): r for r in manifest["reports"] if r["county"] in hosts}
    stored = stored_reports(data)
    assert sorted(stored) == sorted(expected)
    for key, record in expected.items():
        assert stored[key].meta.level == record["level"], key
        assert stored[key].meta.scope == record["scope"], key
    assert {key[0] for key in stored} == {"310107", "310000", "320813", "320800", "320000"}
    # The sites that are not the county's: their home page only, nothing stored.
    for never in manifest["never_fetch"]:
        if never["reason"] == "site mismatch":
            assert never["url"] not in fetched, never
    with open_store(data) as store:
        assert store.source_states("330903") == {}
        assert store.source_states("622926") == {}


def test_selections_that_name_nothing_are_usage_errors(tmp_path: Path) -> None:
    for arguments, message in (
        (["--province", "火星省"], "no province '火星省'"),
        (["--county", "朝阳区"], "'朝阳区' names 2 counties"),
    ):
        done = subprocess.run(
            [*SCRAPY, "crawlall", *arguments],
            cwd=PROJECT_DIR,
            env=crawl_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert message in done.stderr + done.stdout
