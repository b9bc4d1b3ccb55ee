"""The county registry: every county-level government the project can crawl, as data.

One row per county in `crawler/data/counties.csv` (provenance in `crawler/data/README.md`):
its GB/T 2260 code (the identifier everything else uses), its names, its portal, the platform
family of its site (`trs`, … or `unknown` until detected), whether the portal is verified, and
an ASCII slug where the county had a spider module before the registry became data (`yanchi`).
Adding or correcting a county is one row (`scrapy addcounty`, see CONTRIBUTING.md).

Pure data, no Scrapy, read once at import (every command imports it, so it stays cheap: names are
in the row, the divisions table is not needed to load it). The database seeds its `counties`
table from it, the spiders take their domain and start URL from it.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

from reportparser.divisions import short_names

DATA_PACKAGE: Final = "crawler.data"
DATA_FILE: Final = "counties.csv"
COLUMNS: Final = (
    "code",
    "province",
    "prefecture",
    "county",
    "portal_url",
    "slug",
    "family",
    "site_verified",
)
DIRECT: Final = "直辖"  # the prefecture column of a county under its province directly
UNKNOWN_FAMILY: Final = "unknown"


@dataclass(frozen=True, slots=True)
class County:
    """One registry row."""

    slug: str  # ASCII: the pinyin slug where one exists (`yanchi`), else the code
    code: str  # GB/T 2260 six-digit code, in force today
    site: str  # the portal's host ("" when no portal is known)
    site_verified: bool = False  # True where a person checked the portal is the county's
    name: str = ""
    prefecture: str = ""  # "" for a county under its province directly (直辖)
    province: str = ""
    start_url: str = ""  # the portal as the data gives it (scheme included)
    family: str = UNKNOWN_FAMILY  # the platform family of its site (platforms.md)

    @property
    def registered_domain(self) -> str:
        """The domain whose hosts belong to the county (www.nxjy.gov.cn → nxjy.gov.cn)."""
        return self.site.removeprefix("www.")

    @property
    def has_slug(self) -> bool:
        """Whether the county has a pinyin slug (the counties that had a spider module)."""
        return self.slug != self.code

    @property
    def label(self) -> str:
        """`江苏省淮安市洪泽区 (320813)`: unambiguous, for messages."""
        return f"{self.province}{self.prefecture}{self.name} ({self.code})"


class RegistryError(LookupError):
    """A county key that names no county, or several."""


def registry_text(rows: Iterable[dict[str, str]]) -> str:
    """Registry rows (dicts by column) as the CSV text of `crawler/data/counties.csv`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def replace_registry(path: Path, text: str) -> None:
    """Write the registry file whole beside `path`, then rename: a reader (another command, a
    crawl starting) sees the old registry or the new one, never half of it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".counties-", suffix=".csv")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_counties(text: str) -> list[County]:
    """Parse the registry CSV (the columns `COLUMNS`)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    if tuple(next(reader, ())) != COLUMNS:
        raise ValueError(f"{DATA_FILE}: expected the columns {', '.join(COLUMNS)}")
    counties: list[County] = []
    for row in reader:
        if not row:
            continue
        code, province, prefecture, name, portal, slug, family, verified = row
        counties.append(
            County(
                slug=slug or code,
                code=code,
                site=_host(portal),
                site_verified=verified == "yes",
                name=name,
                prefecture="" if prefecture == DIRECT else prefecture,
                province=province,
                start_url=portal,
                family=family or UNKNOWN_FAMILY,
            )
        )
    return counties


def _host(url: str) -> str:
    """The host of a portal URL (`https://www.x.gov.cn/` → www.x.gov.cn). Not urlsplit: it
    costs a tenth of the registry's load time over 2 800 rows."""
    if not url:
        return ""
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0].lower()


def _load() -> tuple[County, ...]:
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return tuple(sorted(read_counties(text), key=lambda c: c.code))


COUNTIES: Final[tuple[County, ...]] = _load()
BY_SLUG: Final[dict[str, County]] = {c.slug: c for c in COUNTIES}
BY_COUNTY_CODE: Final[dict[str, County]] = {c.code: c for c in COUNTIES}


def _by_name(counties: Iterable[County]) -> dict[str, list[County]]:
    names: dict[str, list[County]] = defaultdict(list)
    for county in counties:
        for form in dict.fromkeys((county.name, *short_names(county.name))):
            names[form].append(county)
    return dict(names)


@functools.cache
def _names() -> dict[str, list[County]]:
    """Counties by name and short form, built on first lookup by name."""
    return _by_name(COUNTIES)


def _shared_hosts(counties: Iterable[County]) -> dict[str, tuple[County, ...]]:
    hosts: dict[str, list[County]] = defaultdict(list)
    for county in counties:
        if county.site:
            hosts[county.site].append(county)
    return {host: tuple(found) for host, found in hosts.items() if len(found) > 1}


SHARED_HOSTS: Final[dict[str, tuple[County, ...]]] = _shared_hosts(COUNTIES)
"""Hosts the site list gives for two or more counties (at most one of them is right: the one
the site's SiteIDCode names, see `crawler.siteid`)."""


def lookup(key: str) -> County:
    """The county a key names: its code, its slug, or its Chinese name, full or short
    (`640323`, `yanchi`, `盐池县`, `盐池`), optionally after its province and prefecture
    (`北京市朝阳区`). Raises `RegistryError` with the candidates when the key names several
    counties, or none."""
    key = key.strip()
    if key in BY_COUNTY_CODE:
        return BY_COUNTY_CODE[key]
    if key in BY_SLUG:
        return BY_SLUG[key]
    found = _named(key)
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(c.label for c in found)
        raise RegistryError(f"{key!r} names {len(found)} counties: {listed}; give the code")
    raise RegistryError(f"no county {key!r} in the registry (give a code, a slug or a name)")


def _named(key: str) -> list[County]:
    found = _names().get(key)
    if found:
        return list(found)
    # 北京市朝阳区, 淮安洪泽区: the name after its province and/or prefecture.
    matches = [
        county
        for form, counties in _names().items()
        if key.endswith(form) and len(key) > len(form)
        for county in counties
        if _qualifies(key[: -len(form)], county)
    ]
    return list(dict.fromkeys(matches))


def _qualifies(prefix: str, county: County) -> bool:
    """Whether `prefix` is the county's province and/or prefecture, full or short."""
    provinces = [county.province, *short_names(county.province)]
    prefectures = [county.prefecture, *short_names(county.prefecture)] if county.prefecture else []
    for province in ["", *provinces]:
        rest = prefix.removeprefix(province) if province else prefix
        if province and rest == prefix:
            continue
        if rest == "" or rest in prefectures:
            return True
    return False


def select(
    *,
    province: str | Sequence[str] | None = None,
    prefecture: str | Sequence[str] | None = None,
    counties: Sequence[str] = (),
) -> list[County]:
    """The counties of the given provinces, prefectures and counties (each a name, full or
    short; counties as `lookup` takes them), all of them together, in code order. Raises
    `RegistryError` for a name that matches nothing (or a county key that is ambiguous)."""
    chosen: dict[str, County] = {}
    for value in _values(province):
        found = [c for c in COUNTIES if value in (c.province, *short_names(c.province))]
        if not found:
            raise RegistryError(f"no province {value!r} in the registry")
        chosen.update((c.code, c) for c in found)
    for value in _values(prefecture):
        found = [
            c
            for c in COUNTIES
            if c.prefecture and value in (c.prefecture, *short_names(c.prefecture))
        ]
        if not found:
            raise RegistryError(f"no prefecture {value!r} in the registry")
        chosen.update((c.code, c) for c in found)
    for key in counties:
        county = lookup(key)
        chosen[county.code] = county
    return sorted(chosen.values(), key=lambda c: c.code)


def _values(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()]
    return [v.strip() for v in value]
