"""What every county spider test checks: registry data, discovery, and its own page fixtures."""

from __future__ import annotations

from crawler.counties import BY_COUNTY_CODE
from crawler.platform import NingxiaPlatformSpider
from tests.crawler.pages import PAGES_DIR, page_cases, spider_for


def assert_county_spider(spidercls: type[NingxiaPlatformSpider], *, code: str, host: str) -> None:
    county = BY_COUNTY_CODE[code]
    assert spidercls.name == county.slug
    assert spidercls.__module__ == f"crawler.spiders.{county.slug}"
    assert spidercls.__name__ == county.slug.replace("_", " ").title().replace(" ", "") + "Spider"
    spider = spider_for(county.slug)
    assert type(spider) is spidercls  # what `scrapy crawl <slug>` loads
    assert spider.county_code == code
    assert spider.start_urls == [f"https://{host}/"]
    assert spider.allowed_domains == [host.removeprefix("www.")]
    assert (PAGES_DIR / county.slug).is_dir()
    for case in page_cases():
        if case.slug == county.slug:
            assert case.run() == case.spec["expect"], case.id
