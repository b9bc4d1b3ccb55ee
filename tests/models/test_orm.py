"""The ORM classes of `models.orm` read what the store wrote; the project itself never imports
them (the schema is Core tables)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from models.orm import Figure, Report, Source
from models.schema import figures_table, reports_table
from models.store import ReportStore
from tests.models.build import make_fetch, make_result


def attributes(instance: object) -> dict[str, Any]:
    return {attribute.key: attribute.value for attribute in inspect(instance).attrs}


def test_a_session_reads_a_stored_report(sqlite_store: ReportStore) -> None:
    sqlite_store.record_document(make_fetch(), make_result())

    with Session(sqlite_store.engine) as session:
        report = attributes(
            session.scalars(select(Report).where(reports_table.c.county_code == "640323")).one()
        )
        figures = [
            attributes(figure)
            for figure in session.scalars(
                select(Figure).where(figures_table.c.report_id == report["id"])
            )
        ]
        source = attributes(session.get_one(Source, report["source_id"]))

    (stored,) = sqlite_store.reports()
    assert (report["year"], report["agency"]) == (2020, "盐池县人民政府")
    assert {figure["key"]: figure["value"] for figure in figures} == stored.figures
    assert source["url"] == make_fetch().url


def test_the_crawl_and_the_store_never_import_the_orm() -> None:
    code = (
        "import sys, crawler.commands.crawlall, crawler.engine, crawler.services, pipelines.store, "
        "models.store, models.migrate, models.remote; "
        "print('sqlalchemy.orm' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
