"""`scrapy addcounty CODE PORTAL`: add a county to the registry, the way City Scrapers' genspider
scaffolds a spider, except that a county is data: one row of `crawler/data/counties.csv` and a
page-fixture directory, no Python module (see CONTRIBUTING.md, "Add a county").

The code is checked against the divisions table first (a county-level division in force
today), every value is checked before anything is written, and the registry is written whole to a
temporary file and renamed, so a refused or failed run leaves the project as it was.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.counties import (
    DIRECT,
    UNKNOWN_FAMILY,
    read_counties,
    registry_text,
    replace_registry,
)
from reportparser import divisions

if TYPE_CHECKING:
    import argparse

PROJECT_DIR: Final = Path(__file__).resolve().parents[2]
REGISTRY: Final = Path("crawler") / "data" / "counties.csv"
PAGE_FIXTURES: Final = Path("tests") / "fixtures" / "pages"
_SLUG = re.compile(r"[a-z][a-z0-9_]{1,39}")
_CODE = re.compile(r"\d{6}")
_FAMILY = re.compile(r"[a-z][a-z0-9_]{1,29}")
_HOST = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}")


@dataclass(frozen=True, slots=True)
class Added:
    row: dict[str, str]
    written: list[Path]


def check_code(code: str) -> divisions.Division:
    """The county-level division in force today that `code` names; ValueError otherwise."""
    if not _CODE.fullmatch(code):
        raise ValueError(f"code {code!r}: the six-digit GB/T 2260 code")
    rows = divisions.table().rows_of(code)
    if not rows:
        raise ValueError(
            f"code {code} is not in the divisions table (reportparser/data/"
            "divisions-areacodes.csv): check the code, or refresh the table (see its README)"
        )
    current = rows[-1]
    if current.until is not None:
        later = ", ".join(f"{d.code} {d.name}" for d in divisions.table().today(current))
        raise ValueError(
            f"code {code} ({current.name}) is no longer in force since {current.until}"
            + (f"; the place is now {later}" if later else "")
        )
    if current.level != "county":
        raise ValueError(f"code {code} is {current.name}, a {current.level}, not a county")
    return current


def portal_url(portal: str) -> str:
    """`www.x.gov.cn` or `http://www.x.gov.cn/` → the portal's URL (https unless given)."""
    text = portal.strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(host):
        raise ValueError(f"portal {portal!r}: the site's host or URL (e.g. www.yanchi.gov.cn)")
    return f"{parts.scheme}://{host}{parts.path or '/'}"


def add_county(
    project: Path,
    code: str,
    portal: str,
    *,
    slug: str = "",
    family: str = UNKNOWN_FAMILY,
    verified: bool = False,
) -> Added:
    """Add a county's registry row and fixture directory under `project`; raise ValueError
    (having written nothing) when the data is wrong."""
    division = check_code(code)
    url = portal_url(portal)
    if slug and not _SLUG.fullmatch(slug):
        raise ValueError(f"slug {slug!r}: ASCII pinyin, lower case (e.g. yanchi)")
    if not _FAMILY.fullmatch(family):
        raise ValueError(f"family {family!r}: a platform family's name (e.g. trs, unknown)")
    registry = project / REGISTRY
    text = registry.read_text("utf-8")
    existing = read_counties(text)
    if any(c.code == code for c in existing):
        raise ValueError(f"{code} is already in {REGISTRY}: correct its row there")
    if slug and any(c.slug == slug for c in existing):
        raise ValueError(f"slug {slug} is already in {REGISTRY}")
    fixtures = project / PAGE_FIXTURES / (slug or code)
    if fixtures.exists():
        raise ValueError(f"{fixtures} exists already")
    row = {
        "code": code,
        "province": division.province,
        "prefecture": division.prefecture or DIRECT,
        "county": division.name,
        "portal_url": url,
        "slug": slug,
        "family": family,
        "site_verified": "yes" if verified else "no",
    }
    new_text = _with_row(text, row)
    read_counties(new_text)  # what the project will load: it must parse
    fixtures.mkdir(parents=True)
    (fixtures / ".gitkeep").write_bytes(b"")
    try:
        replace_registry(registry, new_text)
    except OSError:
        (fixtures / ".gitkeep").unlink()
        fixtures.rmdir()
        raise
    return Added(row, [registry, fixtures])


def _with_row(text: str, row: dict[str, str]) -> str:
    """The registry text with `row` inserted in code order."""
    rows = list(csv.DictReader(io.StringIO(text)))
    rows.append(row)
    rows.sort(key=lambda r: r["code"])
    return registry_text(rows)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "<code> <portal> [--slug SLUG] [--family FAMILY] [--verified]"

    def short_desc(self) -> str:
        return "Add a county: one registry row (crawler/data/counties.csv) and a fixture directory"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--slug", default="", help="an ASCII pinyin name (default the code)")
        parser.add_argument(
            "--family", default=UNKNOWN_FAMILY, help="the site's platform family (default unknown)"
        )
        parser.add_argument(
            "--verified", action="store_true", help="a person checked the portal is the county's"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 2:
            raise UsageError("give the GB/T 2260 code and the portal (host or URL)")
        try:
            done = add_county(
                PROJECT_DIR,
                args[0],
                args[1],
                slug=opts.slug,
                family=opts.family,
                verified=opts.verified,
            )
        except ValueError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        row = done.row
        print(f"added {row['province']}{row['county']} ({row['code']}): {row['portal_url']}")
        for path in done.written:
            print(f"wrote {path.relative_to(PROJECT_DIR)}")
        print(
            "\nNext: save a few pages of the site into the fixture directory (byte for byte, "
            "with an .expected.json each), run `.venv/bin/pytest tests/crawler -q`, and try "
            f"`scrapy crawl {opts.slug or args[0]}`. The checklist is in CONTRIBUTING.md."
        )
