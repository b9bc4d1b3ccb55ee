"""A spider for every registry county without a module of its own: the platform spider with
the county as data (`scrapy crawl 320813`).

Interim: the engine's registry-driven spider loader replaces this module. Until then, each
county of `crawler.counties` whose slug has no module in this package gets a class here, named
by its slug (its code, for counties without a pinyin slug). Only the shared TRS-style navigation
exists today, so it serves every family; counties without a portal get no spider.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from crawler.counties import COUNTIES
from crawler.families import family_class
from crawler.platform import NingxiaPlatformSpider

_MODULES: Final = frozenset(path.stem for path in Path(__file__).parent.glob("*.py"))


def _spider_class(slug: str, code: str, family: str) -> type[NingxiaPlatformSpider]:
    return type(
        f"County{code}Spider",
        (family_class(family),),
        {"name": slug, "county_code": code, "__module__": __name__},
    )


SPIDERS: Final = tuple(
    _spider_class(county.slug, county.code, county.family)
    for county in COUNTIES
    if county.site and county.slug not in _MODULES
)
globals().update({spider.__name__: spider for spider in SPIDERS})
