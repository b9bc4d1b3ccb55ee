"""One county site of the fixture web crawled end to end, twice: the check every platform family
must pass (`assert_site_crawls`).

The first crawl (`scrapy crawlall --only <county>` in a subprocess, against a served copy of the
fixture web) must store every report the manifest lists for the county, with its figures,
scope, template and level, and nothing else; it must never request what the manifest says is
off limits. The second crawl must fetch no report page, attachment or other listed document
again (they are known and fresh), and change no stored report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.counties import County
from crawler.extensions import EXIT_OK
from tests.crawler.crawls import Snapshot, crawlall, open_store
from tests.fixtureweb.server import served_copy

ReportKey = tuple[str, int, str]


def report_key(record: dict[str, Any]) -> ReportKey:
    return (record["county_code"], record["year"], record["agency"])


def stored_reports(data_dir: Path) -> dict[ReportKey, Any]:
    with open_store(data_dir) as store:
        return {
            (r.meta.county_code or "", r.meta.year or 0, r.meta.agency or ""): r
            for r in store.reports()
        }


def summary_status(stdout: str, slug: str) -> str | None:
    """The county's status in the summary table `crawlall` prints."""
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == slug:
            return parts[1]
    return None


def documents_of(manifest: dict[str, Any], county: str) -> set[str]:
    """Every report source, attachment page and non-report document listed for `county`."""
    urls = {
        source["url"]
        for record in manifest["reports"]
        if record["county"] == county
        for source in record["sources"]
    }
    urls |= {r["page"] for r in manifest["reports"] if r["county"] == county and r["page"]}
    urls |= {d["url"] for d in manifest["not_reports"] if d["county"] == county}
    return urls


def assert_site_crawls(tmp_path: Path, county: County) -> dict[str, Any]:
    """Crawl `county`'s fixture site twice and check both crawls; returns the manifest."""
    data = tmp_path / "data"
    with served_copy(tmp_path) as web:
        manifest = web.manifest
        assert manifest["counties"][county.slug]["status"] == "ok", county.slug
        expected = {report_key(r): r for r in manifest["reports"] if r["county"] == county.slug}
        assert expected, f"the manifest lists no report for {county.slug}"

        first = crawlall(data, web.url, only=(county.slug,))
        assert first.returncode == EXIT_OK, first.stdout[-2000:] + first.stderr[-3000:]
        assert summary_status(first.stdout, county.slug) == "ok", first.stdout
        stored = stored_reports(data)
        assert sorted(stored) == sorted(expected), first.stdout
        for key, record in expected.items():
            report = stored[key]
            assert report.meta.scope == record["scope"], key
            assert report.meta.template == record["template"], key
            assert report.meta.level == record["level"], key
            assert report.figures == record["figures"], key
        fetched = set(web.fetched())
        for never in manifest["never_fetch"]:
            if never["county"] == county.slug:
                assert never["url"] not in fetched, never
        documents = documents_of(manifest, county.slug)
        assert {
            url
            for record in expected.values()
            for url in (s["url"] for s in record["sources"])
            if url not in fetched
        } == set(), "a report's source was never fetched"

        before = Snapshot.of(data)
        web.clear_log()
        second = crawlall(data, web.url, only=(county.slug,))
        assert second.returncode == EXIT_OK, second.stdout[-2000:] + second.stderr[-3000:]
        again = sorted(url for url in web.fetched() if url in documents)
        assert again == [], f"fetched again: {again}"
        assert stored_reports(data).keys() == stored.keys()
        assert Snapshot.of(data).tables["reports"] == before.tables["reports"]
        return manifest
