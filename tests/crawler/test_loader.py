"""The registry-driven spider loader: a county's spider is its family class plus its row."""

from __future__ import annotations

import pytest
from scrapy.http import Request
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from crawler.counties import BY_SLUG, COUNTIES, County
from crawler.families import family_class
from crawler.loader import RegistrySpiderLoader, county_spider

NINGXIA = [c for c in COUNTIES if c.code.startswith("64") and c.site and c.has_slug]


def test_the_project_uses_it() -> None:
    assert isinstance(get_spider_loader(get_project_settings()), RegistrySpiderLoader)


@pytest.mark.parametrize("county", NINGXIA, ids=lambda c: c.slug)
def test_a_county_spider_is_its_family_with_its_row(county: County) -> None:
    loader = get_spider_loader(get_project_settings())
    spidercls = loader.load(county.slug)
    assert spidercls is loader.load(county.code)
    assert spidercls is county_spider(county.code)
    assert issubclass(spidercls, family_class(county.family))
    assert spidercls.name == county.slug
    assert spidercls.start_urls == [county.start_url]
    assert spidercls.allowed_domains == [county.registered_domain]


def test_ningxia_has_its_22_counties() -> None:
    assert len(NINGXIA) == 22


def test_unknown_names_and_counties_without_a_site_have_no_spider() -> None:
    loader = get_spider_loader(get_project_settings())
    without_site = next(c for c in COUNTIES if not c.site)
    for name in ("nowhere", "999999", without_site.code):
        with pytest.raises(KeyError, match="Spider not found"):
            loader.load(name)
    assert without_site.slug not in loader.list()


def test_a_request_finds_the_county_of_its_host() -> None:
    loader = get_spider_loader(get_project_settings())
    yanchi = BY_SLUG["yanchi"]
    assert loader.find_by_request(Request(f"https://xxgk.{yanchi.registered_domain}/a")) == [
        "yanchi"
    ]
    assert loader.find_by_request(Request("https://example.org/")) == []
