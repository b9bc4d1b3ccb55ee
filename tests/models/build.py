"""ParseResults and FetchRecords for storage tests (built directly, no parser); store snapshots."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from models.records import FetchRecord, Listing
from models.schema import metadata
from models.store import ReportStore
from reportparser.result import Finding, ParseResult, ReportMeta
from reportparser.vocabulary import figure_keys

FETCHED_AT = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
DECIMAL_KEY = "active.procurement.amount"
EMPTY_KEY = "requests.new.other"


def figures_for(template: str = "2019", seed: int = 0) -> dict[str, int | float | None]:
    """Every key of the template with a distinct value; one exact decimal, one empty cell."""
    figures: dict[str, int | float | None] = {
        key: (seed * 1000 + position) for position, key in enumerate(figure_keys(template))
    }
    if DECIMAL_KEY in figures:
        figures[DECIMAL_KEY] = 16280.5867 + seed
    figures[EMPTY_KEY] = None
    return figures


def make_result(
    *,
    county_code: str | None = "640323",
    year: int | None = 2020,
    agency: str | None = "盐池县人民政府",
    scope: str = "county",
    template: str = "2019",
    figures: Mapping[str, int | float | None] | None = None,
    findings: tuple[Finding, ...] = (),
    title: str | None = None,
    published_at: dt.date | None = dt.date(2021, 1, 28),
) -> ParseResult:
    meta = ReportMeta(
        county="盐池县",
        county_code=county_code,
        year=year,
        agency=agency,
        scope=scope,  # type: ignore[arg-type]
        template=template,  # type: ignore[arg-type]
        title=title or f"盐池县{year}年政府信息公开工作年度报告",
        published_at=published_at,
    )
    return ParseResult(
        status="report",
        format="html",
        meta=meta,
        figures=dict(figures if figures is not None else figures_for(template)),
        findings=findings,
    )


def make_fetch(
    url: str = "https://www.yanchi.gov.cn/xxgk/nb/202101/t20210128_1.html",
    *,
    county_code: str = "640323",
    body: bytes | None = None,
    fetched_at: dt.datetime = FETCHED_AT,
    **extra: Any,
) -> FetchRecord:
    data = body if body is not None else url.encode()
    return FetchRecord(
        url=url,
        county_code=county_code,
        kind=extra.pop("kind", "page"),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        fetched_at=fetched_at,
        content_type=extra.pop("content_type", "text/html; charset=utf-8"),
        listing=extra.pop("listing", Listing("盐池县2020年政府信息公开工作年度报告", "2021-01-28")),
        **extra,
    )


def snapshot(store: ReportStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: equal snapshots mean nothing was written."""
    with store.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def run_command(name: str, argv: list[str], **settings: Any) -> int:
    """Run `scrapy <name> <argv>` in this process, as scrapy.cmdline does; its exit code.

    `settings` override the project's (OGI_DATABASE_URL, OGI_BLOB_DIR …); output goes to the
    real stdout/stderr, for capsys.
    """
    import argparse
    import importlib

    from scrapy.settings import Settings

    command = importlib.import_module(f"crawler.commands.{name}").Command()
    command.settings = Settings()
    command.settings.setmodule("settings", priority="project")
    command.settings.setdict(settings, priority="cmdline")
    parser = argparse.ArgumentParser(conflict_handler="resolve")
    command.add_options(parser)
    opts, args = parser.parse_known_args(argv)
    command.process_options(args, opts)
    command.run(args, opts)
    exitcode: int = command.exitcode
    return exitcode
