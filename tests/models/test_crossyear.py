"""Cross-year checks: carried_forward of Y = carried_over of Y+1, and a ×10 jump in requests
against the unit's own history, recorded as `warning.` findings on the later report."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection

from models.crossyear import CARRIED_RULE, JUMP_RULE, cross_year_findings
from models.store import ReportStore
from tests.models.build import figures_for, make_fetch, make_result


def year_figures(new: int, over: int, forward: int) -> dict[str, int | float | None]:
    return figures_for() | {
        "requests.new.total": new,
        "requests.carried_over.total": over,
        "requests.carried_forward.total": forward,
    }


def store_year(store: ReportStore, year: int, new: int, over: int, forward: int) -> None:
    store.record_document(
        make_fetch(f"https://y/{year}"),
        make_result(year=year, figures=year_figures(new, over, forward)),
    )


def rules_by_year(store: ReportStore) -> dict[int, list[str]]:
    return {
        report.meta.year or 0: [
            f.rule for f in report.findings if f.rule in (CARRIED_RULE, JUMP_RULE)
        ]
        for report in store.reports()
    }


def test_pure_checks() -> None:
    history = {
        2019: {"requests.new.total": 20, "requests.carried_forward.total": 2},
        2020: {"requests.new.total": 30, "requests.carried_over.total": 2},
        2021: {"requests.new.total": 25, "requests.carried_over.total": 4},
        2022: {"requests.new.total": 300},
        2023: {"requests.new.total": 90},  # 3.6× only
    }

    assert cross_year_findings(2020, history) == []
    assert cross_year_findings(2019, history) == []
    (jump,) = cross_year_findings(2022, history)
    assert jump.rule == JUMP_RULE and jump.expected == 25 and jump.actual == 300
    assert "12×" in jump.message
    assert cross_year_findings(2023, history) == []
    history[2020]["requests.carried_forward.total"] = 7
    (carried,) = cross_year_findings(2021, history)
    assert carried.rule == CARRIED_RULE
    assert (carried.expected, carried.actual) == (7, 4)


def test_small_numbers_never_jump() -> None:
    history = {2020: {"requests.new.total": 1}, 2021: {"requests.new.total": 40}}
    assert cross_year_findings(2021, history) == []


@pytest.mark.parametrize("order", [(2020, 2021), (2021, 2020)])
def test_the_store_records_them_on_the_later_report(
    sqlite_store: ReportStore, order: tuple[int, int]
) -> None:
    figures = {2020: (30, 0, 5), 2021: (35, 3, 0)}
    for year in order:
        store_year(sqlite_store, year, *figures[year])

    assert rules_by_year(sqlite_store) == {2020: [], 2021: [CARRIED_RULE]}
    report = next(r for r in sqlite_store.reports() if r.meta.year == 2021)
    finding = next(f for f in report.findings if f.rule == CARRIED_RULE)
    assert "carried over from 2020 (3)" in finding.message
    assert "carried forward (5)" in finding.message


def test_a_corrected_report_clears_the_finding(sqlite_store: ReportStore) -> None:
    store_year(sqlite_store, 2020, 30, 0, 5)
    store_year(sqlite_store, 2021, 35, 3, 0)
    store_year(sqlite_store, 2021, 35, 5, 0)  # the site corrected its 2021 report

    assert rules_by_year(sqlite_store) == {2020: [], 2021: []}


def test_a_jump_against_the_units_history(sqlite_store: ReportStore) -> None:
    for year, new in [(2019, 20), (2020, 25), (2021, 30), (2022, 400)]:
        store_year(sqlite_store, year, new, 0, 0)

    assert rules_by_year(sqlite_store) == {2019: [], 2020: [], 2021: [], 2022: [JUMP_RULE]}


@pytest.mark.parametrize("order", [(2021, 2022, 2019, 2020), (2022, 2021, 2020, 2019)])
def test_a_jump_does_not_depend_on_the_order_years_arrive_in(
    sqlite_store: ReportStore, order: tuple[int, ...]
) -> None:
    # A cluster stores a unit's years in any order: an earlier year arriving after its later
    # years, not next to them, still moves their median (seen: 2022 stored before 2020, and its
    # ×22 307 jump never recorded).
    news = {2019: 20, 2020: 25, 2021: 30, 2022: 400}
    for year in order:
        store_year(sqlite_store, year, news[year], 0, 0)

    assert rules_by_year(sqlite_store) == {2019: [], 2020: [], 2021: [], 2022: [JUMP_RULE]}
    report = next(r for r in sqlite_store.reports() if r.meta.year == 2022)
    (jump,) = (f for f in report.findings if f.rule == JUMP_RULE)
    assert jump.expected == 25 and "3 earlier years (25)" in jump.message


def test_a_stored_year_rewrites_only_the_findings_that_change(sqlite_store: ReportStore) -> None:
    for year, new in [(2019, 20), (2020, 25), (2021, 30), (2022, 400)]:
        store_year(sqlite_store, year, new, 0, 0)
    # The store writes through raw DBAPI cursors (models.prepared): the database itself logs
    # which reports' findings of the store's were deleted or inserted.
    with sqlite_store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE store_writes (report_id INTEGER)")
        for event, row in (("DELETE", "OLD"), ("INSERT", "NEW")):
            conn.exec_driver_sql(
                f"CREATE TRIGGER log_{event} AFTER {event} ON findings WHEN {row}.origin = 'store' "
                f"BEGIN INSERT INTO store_writes VALUES ({row}.report_id); END"
            )
    ids = {r.meta.year: r.id for r in sqlite_store.reports()}

    def written() -> set[int | None]:
        with sqlite_store.engine.begin() as conn:
            logged = conn.exec_driver_sql("DELETE FROM store_writes RETURNING report_id")
            reports = set(logged.scalars())
        return {year for year, report_id in ids.items() if report_id in reports}

    # Its later years are all recomputed, and none of their findings moves (2022's median of
    # its earlier years stays 25): nothing of theirs is deleted or written again.
    store_year(sqlite_store, 2019, 21, 0, 0)
    assert written() == set()

    store_year(sqlite_store, 2020, 27, 0, 0)  # now 2022's median moves
    assert written() == {2022}
    report = next(r for r in sqlite_store.reports() if r.meta.year == 2022)
    (jump,) = (f for f in report.findings if f.rule == JUMP_RULE)
    assert "3 earlier years (27)" in jump.message


@pytest.mark.postgres
def test_two_writers_of_one_unit_at_once_still_compare_its_years(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    """Two processes storing a unit's 2020 and 2021 reports at once (two cluster nodes, a crawl
    and a parse worker): under READ COMMITTED neither transaction sees the other's report, so
    without a lock on the unit the 2021 report would never be compared with 2020's. Both
    stores know the county already (as they do after its first report): no upsert of its row
    serialises them by chance."""
    figures = {2020: year_figures(30, 0, 5), 2021: year_figures(35, 3, 0)}
    with (
        ReportStore(postgres_schema_url, tmp_path / "blobs") as one,
        ReportStore(postgres_schema_url, tmp_path / "blobs") as other,
    ):
        one.upgrade()
        store_year(one, 2019, 20, 0, 0)  # the county's row exists; one knows it
        store_year(other, 2019, 20, 0, 0)  # the same document: other knows the county too
        errors: list[BaseException] = []

        def record(store: ReportStore, conn: Connection, year: int) -> None:
            try:
                with conn.begin():
                    result = make_result(year=year, figures=figures[year])
                    store.record_document_in(conn, make_fetch(f"https://y/{year}"), result)
            except BaseException as exc:  # the thread hands it to the test
                errors.append(exc)

        with one.engine.connect() as first, other.engine.connect() as second:
            transaction = first.begin()
            one.record_document_in(
                first, make_fetch("https://y/2020"), make_result(year=2020, figures=figures[2020])
            )
            later = threading.Thread(target=record, args=(other, second, 2021))
            later.start()
            later.join(timeout=1.0)  # it waits for the unit, or it is done already
            transaction.commit()
            later.join(timeout=30)

        assert not later.is_alive() and errors == []
        assert rules_by_year(one) == {2019: [], 2020: [], 2021: [CARRIED_RULE]}
