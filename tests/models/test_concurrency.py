"""Two OS processes storing into one database at once lose nothing and never see it locked."""

from __future__ import annotations

import multiprocessing
import traceback
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from models import crossyear
from models.schema import reports_table, sources_table
from models.store import ReportStore
from tests.models.build import figures_for, make_fetch, make_result

REPORTS_PER_PROCESS = 200
OVERLAP = 100  # keys both processes store (from different URLs)


def _report_key(number: int) -> tuple[str, int, str]:
    county = ("640323", "640424", "640122", "640425")[number % 4]
    return county, 2000 + number // 16, f"部门{number % 16}"


def _store_many(database_url: str, blob_dir: str, process: int, start: Any, results: Any) -> None:
    """Child process: store REPORTS_PER_PROCESS reports, the shared keys first (to collide)."""
    try:
        outcomes: dict[str, int] = {}
        with ReportStore(database_url, Path(blob_dir)) as store:
            start.wait(timeout=60)
            shared = range(REPORTS_PER_PROCESS - OVERLAP, REPORTS_PER_PROCESS)
            first = process * (REPORTS_PER_PROCESS - OVERLAP)
            own = [n for n in range(first, first + REPORTS_PER_PROCESS) if n not in shared]
            for number in [*shared, *own]:
                county, year, agency = _report_key(number)
                result = make_result(
                    county_code=county,
                    year=year,
                    agency=agency,
                    scope="department",
                    # The shared reports differ between the processes: the store must keep
                    # one version and record the disagreement, under contention.
                    figures=figures_for(seed=number + (1000 * process if number in shared else 0)),
                )
                fetch = make_fetch(f"https://p{process}.example/{number}", county_code=county)
                outcome = store.record_document(fetch, result).outcome
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        results.put((process, outcomes, None))
    except BaseException:
        results.put((process, {}, traceback.format_exc()))


@pytest.mark.slow
def test_two_processes_store_at_once(store: ReportStore, tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    url = store.engine.url.render_as_string(hide_password=False)
    children = [
        context.Process(target=_store_many, args=(url, str(tmp_path / "blobs"), i, start, results))
        for i in range(2)
    ]
    for child in children:
        child.start()
    start.set()
    reported = [results.get(timeout=240) for _ in children]
    for child in children:
        child.join(timeout=60)

    errors = [error for _, _, error in reported if error]
    assert errors == []
    assert [child.exitcode for child in children] == [0, 0]
    totals: dict[str, int] = {}
    for _, outcomes, _ in reported:
        for outcome, count in outcomes.items():
            totals[outcome] = totals.get(outcome, 0) + count
    distinct = 2 * REPORTS_PER_PROCESS - OVERLAP
    assert totals == {"new": distinct, "unchanged": OVERLAP}
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reports_table)).scalar() == distinct
        assert conn.execute(select(func.count()).select_from(sources_table)).scalar() == (
            2 * REPORTS_PER_PROCESS
        )
        unlinked = conn.execute(
            select(func.count()).where(sources_table.c.report_id.is_(None))
        ).scalar()
    assert unlinked == 0
    for number in (0, REPORTS_PER_PROCESS, distinct - 1):
        report = store.report(*_report_key(number))
        assert report is not None
        assert report.figures == figures_for(seed=number)
        # Synthetic figures of consecutive years: cross-year warnings are expected, no other.
        assert [f for f in report.findings if f.rule not in crossyear.RULES] == []
    for number in range(REPORTS_PER_PROCESS - OVERLAP, REPORTS_PER_PROCESS):
        report = store.report(*_report_key(number))
        assert report is not None
        assert report.figures in (figures_for(seed=number), figures_for(seed=number + 1000))
        rules = [f.rule for f in report.findings if f.rule not in crossyear.RULES]
        assert rules == ["warning.sources_disagree"]
