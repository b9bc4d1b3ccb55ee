"""Platform families: the registry's `family` column names one of these navigation classes.

A family is one module of this package (one CMS: its URL shapes, lists, pagination,
attachments, search) holding one spider class on the shared navigation core. A county is a data
row naming its family; nothing here knows a county. Families are imported lazily by dotted path
so that loading the registry does not import every family's module.
"""

from __future__ import annotations

import importlib
from typing import Final

import scrapy

# family name (as in crawler/data/counties.csv) -> "module:Class". "unknown" (not yet detected)
# gets the TRS navigation, the most common family, until `detectplatform` fills the row.
FAMILIES: Final[dict[str, str]] = {
    "trs": "crawler.families.trs:TrsSpider",
    "unknown": "crawler.families.trs:TrsSpider",
    "generic": "crawler.families.generic:GenericSpider",
    "hanweb": "crawler.families.hanweb:HanwebSpider",
    "gkmlpt": "crawler.families.gkmlpt:GkmlptSpider",
    "ucap": "crawler.families.ucap:UcapSpider",
    "boda": "crawler.families.boda:BodaSpider",
}


def family_class(family: str) -> type[scrapy.Spider]:
    """The navigation class of `family`; a KeyError names the families that exist."""
    try:
        target = FAMILIES[family]
    except KeyError:
        raise KeyError(f"unknown platform family {family!r}; known: {sorted(FAMILIES)}") from None
    module_name, _, class_name = target.partition(":")
    cls: type[scrapy.Spider] = getattr(importlib.import_module(module_name), class_name)
    return cls
