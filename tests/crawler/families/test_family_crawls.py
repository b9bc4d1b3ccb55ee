"""End to end per family: `scrapy crawlall` of the TRS-variant, generic and WAF-blocked fixture
sites (`tests/fixtureweb/variants.py`), each county crawled from its registry row alone.

Every report the manifest lists for them is stored with its figures and nothing else is; the
script-written and the pdf.js attachments are fetched, the sidebar file never; the WAF-blocked
county is `blocked` with the firewall named; a second crawl fetches no report again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.counties import BY_COUNTY_CODE
from crawler.extensions import EXIT_MISSING
from crawler.families import family_class
from crawler.families.generic import GenericSpider
from crawler.families.trs import TrsSpider
from crawler.platform import NingxiaPlatformSpider
from tests.crawler.commands.test_crawlall import (
    assert_matches_manifest,
    document_urls,
    of_counties,
)
from tests.crawler.crawls import crawlall, open_store
from tests.fixtureweb.server import served_copy
from tests.fixtureweb.variants import HUAXI, LONGAN, ZHONGMU

COUNTIES = (LONGAN.slug, ZHONGMU.slug, HUAXI.slug)


def test_each_county_is_its_registry_row() -> None:
    """No module of its own: the row's family names the spider class."""
    assert family_class(BY_COUNTY_CODE[LONGAN.code].family) is TrsSpider
    assert family_class(BY_COUNTY_CODE[ZHONGMU.code].family) is GenericSpider
    assert family_class(BY_COUNTY_CODE[HUAXI.code].family) is TrsSpider
    from crawler.loader import county_spider

    for county in (LONGAN, ZHONGMU, HUAXI):
        spider = county_spider(county.code)
        assert spider.__module__ == "crawler.loader"
        assert spider.start_urls == [county.start_url]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_family_sites_crawl_to_the_manifest_and_recrawl_fetches_no_report(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_copy(tmp_path) as web:
        manifest = of_counties(web.manifest, COUNTIES)
        assert {r["county"] for r in manifest["reports"]} == {LONGAN.slug, ZHONGMU.slug}

        first = crawlall(data, web.url, only=COUNTIES)
        assert first.returncode == EXIT_MISSING, first.stderr[-3000:]  # 花溪 is blocked
        assert_matches_manifest(data, manifest)
        lines = {
            line.split()[0]: line.split()[1]
            for line in first.stdout.splitlines()
            if line.split()[:1] and line.split()[0] in COUNTIES
        }
        assert lines == {LONGAN.code: "ok", ZHONGMU.code: "ok", HUAXI.code: "blocked"}
        assert f"! {HUAXI.code}: blocked: WAF page (网防G01, HTTP 405) on" in first.stdout
        fetched = set(web.fetched())
        sources = {s["url"] for r in manifest["reports"] for s in r["sources"]}
        assert sources <= fetched  # the script-written and the pdf.js attachments included
        for never in manifest["never_fetch"]:
            assert never["url"] not in fetched, never
        assert not [u for u in fetched if "viewer.html" in u]
        # The WAF stops the county at once: no crawling behind it.
        assert len([u for u in web.fetched() if f"//{HUAXI.site}/" in u]) <= 2
        with open_store(data) as store:
            states = {
                url: state
                for county in (LONGAN.code, ZHONGMU.code)
                for url, state in store.source_states(county).items()
            }
        for document in manifest["not_reports"]:
            if NingxiaPlatformSpider.report_title.search(document["title"]):
                assert states[document["url"]].status == "not_report", document

        web.clear_log()
        second = crawlall(data, web.url, only=COUNTIES)
        assert second.returncode == EXIT_MISSING, second.stderr[-3000:]
        requested = {r.url for r in web.requests}
        assert not document_urls(manifest) & requested
        assert_matches_manifest(data, manifest)
