"""`scrapy detectplatform <county|URL> [--dry-run]`: find a site's platform family from its home
page and write it into the county's registry row (`crawler/data/counties.csv`, column `family`).

The home page is fetched the way a crawl fetches (robots.txt, the project's user agent, delay
and retries, `--mirror`), through a one-request spider; the family comes from the pure
`crawler.fingerprint.detect_family`. A family with no spider yet (`crawler.families.FAMILIES`)
is printed but not written. Exit status: 0 detected (and written unless `--dry-run`), 1 the
page could not be fetched (blocked, unreachable) or the row could not be written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response, TextResponse
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.counties import (
    COUNTIES,
    County,
    RegistryError,
    lookup,
    read_counties,
    registry_text,
    replace_registry,
)
from crawler.families import FAMILIES
from crawler.fingerprint import Detection, detect_family
from crawler.mirror import add_mirror_argument, apply_mirror_argument
from crawler.platform import STATUS_REASON_STAT, STATUS_STAT

if TYPE_CHECKING:
    import argparse

PROJECT_DIR: Final = Path(__file__).resolve().parents[2]
REGISTRY: Final = Path("crawler") / "data" / "counties.csv"
# A home-page fetch stores nothing: no pipelines, no conditional requests, no crawl summary.
FETCH_SETTINGS: Final = {"ITEM_PIPELINES": {}, "STATS_DUMP": False, "LOG_LEVEL": "WARNING"}
OFF: Final = {
    "DOWNLOADER_MIDDLEWARES": "crawler.middlewares.ConditionalRequestMiddleware",
    "EXTENSIONS": "crawler.extensions.CrawlSummary",
}


class HomePageSpider(scrapy.Spider):
    """Fetches one home page and records what `detect_family` makes of it in `outcome`."""

    name = "detectplatform"

    def __init__(self, url: str, outcome: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.outcome = outcome

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.url, callback=self.parse, errback=self.failed)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.outcome["error"] = f"not an HTML page ({response.url})"
            return
        self.outcome["detection"] = detect_family(response.text)
        self.outcome["url"] = response.url
        yield from ()

    def failed(self, failure: Failure) -> None:
        if isinstance(failure.value, HttpError):
            response = failure.value.response
            self.outcome["error"] = f"HTTP {response.status} on {response.url}"
        else:
            self.outcome["error"] = f"{type(failure.value).__name__}: {failure.value}"

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats
        if stats is not None and stats.get_value(STATUS_STAT):  # a WAF or JS challenge
            self.outcome["error"] = (
                f"{stats.get_value(STATUS_STAT)}: {stats.get_value(STATUS_REASON_STAT)}"
            )
        self.outcome.setdefault("error", f"no answer ({reason})")


def county_for(key: str) -> tuple[County | None, str]:
    """(the registry county, the URL to fetch) for a county key or a URL."""
    if key.startswith(("http://", "https://")):
        host = (urlsplit(key).hostname or "").lower()
        owners = [c for c in COUNTIES if c.site and c.site == host]
        return (owners[0] if len(owners) == 1 else None), key
    county = lookup(key)
    if not county.start_url:
        raise RegistryError(f"{county.label} has no portal in the registry")
    return county, county.start_url


def with_family(text: str, code: str, family: str) -> str:
    """The registry text with the family of county `code` set (every other byte kept)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    found = [row for row in rows if row["code"] == code]
    if len(found) != 1:
        raise ValueError(f"county {code} is not one row of the registry")
    found[0]["family"] = family
    return registry_text(rows)


def write_family(path: Path, code: str, family: str) -> Path:
    """Set the family in the registry file `path` (written whole, then renamed)."""
    replace_registry(path, with_family(path.read_text("utf-8"), code, family))
    return path


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "<county|URL> [--dry-run] [--mirror DIR_OR_URL]"

    def short_desc(self) -> str:
        return "Detect a site's platform family from its home page and write it to the registry"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help="print the family, do not write the registry"
        )
        parser.add_argument(
            "--registry",
            type=Path,
            default=PROJECT_DIR / REGISTRY,
            help="the registry file to write (the project's own by default)",
        )
        add_mirror_argument(parser)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        for name, value in FETCH_SETTINGS.items():
            if (self.settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
                self.settings.set(name, value, priority="cmdline")
        for name, component in OFF.items():
            self.settings.set(
                name, {**self.settings.getdict(name), component: None}, priority="cmdline"
            )
        apply_mirror_argument(self.settings, opts.mirror)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one county (code, slug or name) or a home page URL")
        try:
            county, url = county_for(args[0])
        except RegistryError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        outcome: dict[str, Any] = {}
        assert self.crawler_process is not None
        self.crawler_process.crawl(HomePageSpider, url=url, outcome=outcome)
        self.crawler_process.start()
        detection: Detection | None = outcome.get("detection")
        if detection is None:
            print(f"{url}: not detected: {outcome.get('error')}")
            self.exitcode = 1
            return
        who = county.label if county else url
        print(f"{who}: {detection.describe()}")
        if county is None:
            print("no registry row has this host: nothing written")
            return
        rows = {c.code: c for c in read_counties(opts.registry.read_text("utf-8"))}
        current = rows[county.code].family if county.code in rows else county.family
        if detection.family not in FAMILIES:
            print(f"no spider for {detection.family!r} yet: the row keeps {current!r}")
            return
        if opts.dry_run:
            print(f"--dry-run: {opts.registry.name} not written (family now {current!r})")
            return
        if detection.family == current:
            print(f"{opts.registry.name}: {county.code} already says {current!r}")
            return
        try:
            write_family(opts.registry, county.code, detection.family)
        except (OSError, ValueError) as exc:
            print(f"could not write {opts.registry}: {exc}")
            self.exitcode = 1
            return
        print(f"{opts.registry}: {county.code} family {current!r} -> {detection.family!r}")
