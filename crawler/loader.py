"""The spider loader (`SPIDER_LOADER_CLASS`): a spider per registry county, made from data.

`scrapy crawl yanchi`, `scrapy crawl 640323`, `scrapy list`, `scrapy shell/parse` find a
county's spider here: the county's family class (`crawler.families.family_class`, from the
registry's `family` column) with the county's `name` (its slug, or its code when it has no
pinyin slug) and `county_code`. The family class fills the rest from the registry. A county
without a portal has no spider. Nothing here knows a county: a new county is a new row of
`crawler/data/counties.csv`.
"""

from __future__ import annotations

import builtins
import functools
from typing import TYPE_CHECKING

import scrapy

from crawler.counties import BY_COUNTY_CODE, BY_SLUG, COUNTIES, County
from crawler.families import family_class

if TYPE_CHECKING:
    from typing import Self

    from scrapy.http import Request
    from scrapy.settings import BaseSettings


@functools.cache
def county_spider(code: str) -> type[scrapy.Spider]:
    """The spider class of the county with division code `code` (made once per process)."""
    county = BY_COUNTY_CODE[code]
    name = county.slug
    class_name = f"County{code}Spider" if name.isdigit() else f"{name.title()}Spider"
    return type(
        class_name,
        (family_class(county.family),),
        {"name": name, "county_code": code, "__module__": __name__},
    )


def find_county(name: str) -> County | None:
    """The crawlable county a spider name means: its slug or its division code."""
    county = BY_SLUG.get(name) or BY_COUNTY_CODE.get(name)
    return county if county is not None and county.site else None


class RegistrySpiderLoader:
    """Scrapy's `SpiderLoaderProtocol` over the county registry."""

    def __init__(self, settings: BaseSettings) -> None:
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    def load(self, spider_name: str) -> type[scrapy.Spider]:
        county = find_county(spider_name)
        if county is None:
            raise KeyError(f"Spider not found: {spider_name}")
        return county_spider(county.code)

    def list(self) -> list[str]:
        return [county.slug for county in COUNTIES if county.site]

    def find_by_request(self, request: Request) -> builtins.list[str]:
        from crawler.engine import county_of_host, request_host  # noqa: PLC0415

        county = county_of_host(request_host(request))
        return [county.slug] if county is not None and county.site else []
