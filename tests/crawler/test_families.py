"""The platform families beyond TRS, end to end on their fixture sites (tests/fixtureweb/
families/): each county crawls with its registry row alone, stores exactly its manifest's
reports, and fetches no report again on the next crawl."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.counties import BY_COUNTY_CODE
from crawler.families import family_class
from crawler.families.boda import BodaSpider
from crawler.families.gkmlpt import GkmlptSpider
from crawler.families.hanweb import HanwebSpider
from crawler.families.ucap import UcapSpider
from crawler.platform import NingxiaPlatformSpider
from tests.crawler.pages import spider_for
from tests.support.endtoend import assert_site_crawls

FAMILY_SITES = (
    ("hanweb", "330523", HanwebSpider),
    ("gkmlpt", "440222", GkmlptSpider),
    ("ucap", "469001", UcapSpider),
    ("boda", "620523", BodaSpider),
)


@pytest.mark.parametrize(("family", "code", "spidercls"), FAMILY_SITES)
def test_the_registry_row_alone_makes_the_county_spider(
    family: str, code: str, spidercls: type[NingxiaPlatformSpider]
) -> None:
    county = BY_COUNTY_CODE[code]
    assert county.family == family
    assert family_class(family) is spidercls
    spider = spider_for(county.slug)
    assert isinstance(spider, spidercls)
    # No module of its own: the class is made from the row (code, site, family) alone.
    assert type(spider).__module__ != f"crawler.spiders.{county.slug}"
    own = {name for name in vars(type(spider)) if not name.startswith("__")}
    assert own <= {"name", "county_code", "registry", "county", "allowed_domains", "start_urls"}
    assert spider.start_urls == [county.start_url]


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize(("family", "code", "spidercls"), FAMILY_SITES)
def test_family_site_end_to_end(
    tmp_path: Path, family: str, code: str, spidercls: type[NingxiaPlatformSpider]
) -> None:
    manifest = assert_site_crawls(tmp_path, BY_COUNTY_CODE[code])
    reports = [r for r in manifest["reports"] if r["county"] == BY_COUNTY_CODE[code].slug]
    # Each site reposts a higher government's report and publishes one report as an attachment.
    assert {r["level"] for r in reports} >= {"county"} and len({r["level"] for r in reports}) == 2
    assert any(s["format"] == "docx" for r in reports for s in r["sources"])
