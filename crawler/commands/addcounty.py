"""`scrapy addcounty SLUG CODE HOST`: scaffold a county, the way City Scrapers' genspider does.

Writes the spider module, its test, the page-fixture directory and the registry row, so that
slug, module, class, test and fixtures stay consistent (see CONTRIBUTING.md, "Add a county").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Final

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.counties import BY_COUNTY_CODE, BY_SLUG
from reportparser.divisions import BY_CODE, prefecture_of

if TYPE_CHECKING:
    import argparse

PROJECT_DIR: Final = Path(__file__).resolve().parents[2]
TEMPLATES: Final = Path(__file__).resolve().parents[1] / "templates"
_SLUG = re.compile(r"[a-z][a-z0-9_]{1,39}")
_CODE = re.compile(r"\d{6}")
_HOST = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}")
_REGISTRY_END = "\n)\n\nBY_SLUG"


@dataclass(frozen=True, slots=True)
class Scaffold:
    written: list[Path]
    division_known: bool  # False: reportparser/divisions.py needs a row for the code


def scaffold(project: Path, slug: str, code: str, host: str, *, verified: bool = True) -> Scaffold:
    """Write a new county's files under `project`; raise ValueError when the data is wrong."""
    host = host.lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not _SLUG.fullmatch(slug):
        raise ValueError(f"slug {slug!r}: ASCII pinyin, lower case (e.g. yanchi)")
    if not _CODE.fullmatch(code):
        raise ValueError(f"code {code!r}: the six-digit GB/T 2260 code")
    if not _HOST.fullmatch(host):
        raise ValueError(f"host {host!r}: the site's host name (e.g. www.yanchi.gov.cn)")
    if slug in BY_SLUG or code in BY_COUNTY_CODE:
        raise ValueError(f"{slug} / {code} is already in crawler/counties.py")
    spider = project / "crawler" / "spiders" / f"{slug}.py"
    test = project / "tests" / "crawler" / "spiders" / f"test_{slug}.py"
    fixtures = project / "tests" / "fixtures" / "pages" / slug
    for path in (spider, test, fixtures):
        if path.exists():
            raise ValueError(f"{path} exists already")
    registry = project / "crawler" / "counties.py"
    source = registry.read_text("utf-8")
    if source.count(_REGISTRY_END) != 1:
        raise ValueError(f"cannot find the end of COUNTIES in {registry}")

    division = BY_CODE.get(code)
    prefecture = prefecture_of(division) if division else None
    values = {
        "slug": slug,
        "code": code,
        "host": host,
        "classname": "".join(part.capitalize() for part in slug.split("_")) + "Spider",
        "name": division.name if division else code,
        "prefecture": prefecture.name if prefecture else "prefecture unknown",
    }
    row = f'    County("{slug}", "{code}", "{host}"{"" if verified else ", site_verified=False"}),'
    registry.write_text(source.replace(_REGISTRY_END, f"\n{row}{_REGISTRY_END}"), "utf-8")
    spider.write_text(_render("spider.py.tmpl", values), "utf-8")
    test.parent.mkdir(parents=True, exist_ok=True)
    test.write_text(_render("test_spider.py.tmpl", values), "utf-8")
    fixtures.mkdir(parents=True)
    (fixtures / ".gitkeep").write_bytes(b"")
    return Scaffold([registry, spider, test, fixtures], division_known=division is not None)


def _render(template: str, values: dict[str, str]) -> str:
    return Template((TEMPLATES / template).read_text("utf-8")).substitute(values)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "<slug> <code> <host> [--unverified]"

    def short_desc(self) -> str:
        return "Add a county: spider, test, fixture directory and registry row"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--unverified", action="store_true", help="the host is a guess (site_verified=False)"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 3:
            raise UsageError("give the slug, the GB/T 2260 code and the host")
        try:
            done = scaffold(PROJECT_DIR, *args, verified=not opts.unverified)
        except ValueError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        for path in done.written:
            print(f"wrote {path.relative_to(PROJECT_DIR)}")
        if not done.division_known:
            print(
                f"\n{args[1]} is not in reportparser/divisions.py: add its Division row (and its "
                "prefecture's), or the spider cannot load. See CONTRIBUTING.md."
            )
        print(
            "\nNext: save a few pages of the site into the fixture directory (byte for byte, "
            "with an .expected.json each), run `.venv/bin/pytest tests/crawler -q`, and try "
            f"`scrapy crawl {args[0]}`. The checklist is in CONTRIBUTING.md."
        )
