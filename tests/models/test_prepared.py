"""Prepared statements (models.prepared): what goes in and comes back is what Core gives, on
both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, select, update

from models.prepared import Prepared, insert_rows
from models.schema import crawl_runs_table, figures_table
from models.store import ReportStore
from tests.models.build import make_fetch, make_result

_c = crawl_runs_table.c
_f = figures_table.c
RUN_INSERT = Prepared.of(
    crawl_runs_table.insert().returning(_c.id),
    column_keys=[c.name for c in crawl_runs_table.columns if c.name != "id"],
)
RUNS = Prepared.of(
    select(crawl_runs_table)
    .where(_c.county_code == bindparam("county_code"), _c.status == "ok")
    .order_by(_c.id)
)
RENAME = Prepared.of(
    update(crawl_runs_table)
    .where(_c.county_code == bindparam("b_county_code"))
    .values(spider=bindparam("b_spider"))
)
FIGURES = Prepared.of(
    select(_f.key, _f.value).where(_f.report_id == bindparam("report_id")).order_by(_f.key)
)


def run_values(n: int, status: str = "ok") -> dict[str, object]:
    return {
        "county_code": "640323",
        "spider": "yanchi",
        # Naive: taken to be UTC by the column type, on both engines.
        "started_at": dt.datetime(2026, 11, n, 8) + dt.timedelta(minutes=n),
        "finished_at": None,
        "status": status,
        "reports_new": n,
        "reports_updated": 0,
        "reports_unchanged": 0,
        "reports_failed": 0,
        "documents_not_report": 0,
        "documents_skipped": 0,
        "pages_fetched": 0,
        "pages_not_modified": 0,
        "http_errors": {"404": n},
        "alerts": [f"告警 {n}"],
        "stats": {"n": n},
        "origin": "live",
    }


def test_values_go_in_and_come_back_as_through_core(store: ReportStore) -> None:
    store.record_document(make_fetch(), make_result())  # the county row the runs refer to
    with store.engine.begin() as conn:
        ids = [
            RUN_INSERT.scalar(conn, run_values(n, status)) for n, status in ((1, "ok"), (2, "x"))
        ]
        RUN_INSERT.run_many(conn, [run_values(3)])
        assert RENAME.run(conn, {"b_county_code": "640323", "b_spider": "盐池"}) == 3
    with store.reader() as conn:
        rows = RUNS.all(conn, {"county_code": "640323"})  # status "ok": a constant of its own
        core = conn.execute(RUNS.statement(conn.dialect), {"county_code": "640323"}).all()
    assert all(isinstance(i, int) for i in ids)
    assert [tuple(row) for row in rows] == [tuple(row) for row in core]
    first = rows[0]
    assert first.started_at == dt.datetime(2026, 11, 1, 8, 1, tzinfo=dt.UTC)
    assert (first.spider, first.http_errors, first.alerts) == ("盐池", {"404": 1}, ["告警 1"])
    assert [row.reports_new for row in rows] == [1, 3]


def test_rows_inserted_straight_come_back_as_numbers(store: ReportStore) -> None:
    report_id = store.record_document(make_fetch(), make_result(figures={})).report_id
    with store.engine.begin() as conn:
        insert_rows(conn, "figures", [(report_id, "a", 7), (report_id, "b", 16280.5867)])
    with store.reader() as conn:
        figures = FIGURES.all(conn, {"report_id": report_id})
    assert [(row.key, row.value) for row in figures] == [("a", 7), ("b", 16280.5867)]


def test_an_expanding_in_list_is_refused(sqlite_store: ReportStore) -> None:
    expanding = Prepared.of(select(_f.key).where(_f.key.in_(["a", "b"])))
    with sqlite_store.reader() as conn, pytest.raises(ValueError, match="expanding"):
        expanding.all(conn)
