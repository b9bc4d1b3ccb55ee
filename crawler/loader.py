"""The spider loader (`SPIDER_LOADER_CLASS`): a spider per registry county, made from data.

`scrapy crawl yanchi`, `scrapy crawl 640323`, `scrapy list`, `scrapy shell/parse` find a
county's spider here: the county's family class (`crawler.families.family_class`, from the
registry's `family` column) with the county's `name` (its slug, or its code when it has no
pinyin slug) and `county_code`. The family class fills the rest from the registry. A county
without a portal has no spider. Nothing here knows a county: a new county is a new row of
`crawler/data/counties.csv`; a county whose site deviates from its family (a link text, a
selector, a slower pace) gets an entry in `crawler/data/overrides.toml`, never a module.
"""

from __future__ import annotations

import builtins
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import scrapy

from crawler.counties import BY_COUNTY_CODE, BY_SLUG, COUNTIES, County
from crawler.families import family_class

if TYPE_CHECKING:
    from typing import Self

    from scrapy.http import Request
    from scrapy.settings import BaseSettings


OVERRIDES_FILE: Final = Path(__file__).parent / "data" / "overrides.toml"
# Per-site politeness keys of an overrides entry (the rest are class attributes of the family).
SLOT_KEYS: Final = frozenset({"delay", "concurrency"})


class OverrideError(ValueError):
    """An overrides entry that names no county or an attribute its family does not have."""


@dataclass(frozen=True)
class Override:
    """A county's deviations from its family, as data (crawler/data/overrides.toml)."""

    attributes: dict[str, Any]  # class attributes of the family spider: link texts, selectors
    slot: dict[str, float]  # its site's download slot: "delay" (seconds), "concurrency"


def read_overrides(text: str) -> dict[str, Override]:
    """Parse and check an overrides file: division code → `Override`."""
    overrides: dict[str, Override] = {}
    for code, entry in tomllib.loads(text).items():
        county = BY_COUNTY_CODE.get(code)
        if county is None or not isinstance(entry, dict):
            raise OverrideError(f"overrides: {code!r} is not a registry county code")
        family = family_class(county.family)
        attributes: dict[str, Any] = {}
        for key, value in entry.items():
            if key in SLOT_KEYS:
                continue
            current = getattr(family, key, None)
            if key.startswith("_") or current is None or callable(current):
                raise OverrideError(f"overrides {code}: {family.__name__} has no setting {key!r}")
            if isinstance(current, re.Pattern):
                attributes[key] = re.compile(value)
            elif isinstance(current, tuple):
                attributes[key] = tuple(value)
            else:
                attributes[key] = value
        slot = {key: entry[key] for key in SLOT_KEYS & set(entry)}
        if "concurrency" in slot:
            slot["concurrency"] = int(slot["concurrency"])
        overrides[code] = Override(attributes, slot)
    return overrides


@functools.cache
def overrides() -> dict[str, Override]:
    return read_overrides(OVERRIDES_FILE.read_text("utf-8")) if OVERRIDES_FILE.is_file() else {}


def slot_settings(code: str) -> dict[str, float]:
    """A county's download-slot settings (Scrapy's DOWNLOAD_SLOTS keys), {} for the defaults."""
    override = overrides().get(code)
    return dict(override.slot) if override is not None else {}


@functools.cache
def county_spider(code: str) -> type[scrapy.Spider]:
    """The spider class of the county with division code `code` (made once per process)."""
    county = BY_COUNTY_CODE[code]
    name = county.slug
    class_name = f"County{code}Spider" if name.isdigit() else f"{name.title()}Spider"
    override = overrides().get(code)
    return type(
        class_name,
        (family_class(county.family),),
        {
            **(override.attributes if override is not None else {}),
            "name": name,
            "county_code": code,
            "__module__": __name__,
        },
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
