"""The registry-driven spider loader: a county's spider is its family class plus its row."""

from __future__ import annotations

import pytest
from scrapy.http import Request
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from crawler.counties import BY_SLUG, COUNTIES, County
from crawler.families import family_class
from crawler.loader import (
    OVERRIDES_FILE,
    OverrideError,
    RegistrySpiderLoader,
    county_spider,
    overrides,
    read_overrides,
)

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


def test_a_deviation_is_data() -> None:
    overrides = read_overrides(
        """
        ["640323"]
        concurrency = 1
        delay = 2.5
        column_link_texts = ["信息公开年报"]
        report_title = "年度报告"
        """
    )
    yanchi = overrides["640323"]
    assert yanchi.slot == {"concurrency": 1, "delay": 2.5}
    assert yanchi.attributes["column_link_texts"] == ("信息公开年报",)
    assert yanchi.attributes["report_title"].search("2023年度报告")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["999999"]\ndelay = 1', "not a registry county code"),
        ('["640323"]\nparse_home = "x"', "has no setting 'parse_home'"),
        ('["640323"]\n_column_found = true', "has no setting '_column_found'"),
        ('["640323"]\nno_such_thing = 1', "has no setting 'no_such_thing'"),
    ],
)
def test_a_bad_override_is_refused(text: str, message: str) -> None:
    with pytest.raises(OverrideError, match=message):
        read_overrides(text)


def test_the_shipped_overrides_are_valid() -> None:
    assert read_overrides(OVERRIDES_FILE.read_text("utf-8")) == overrides()
