"""What storing one fetched document does (`models.writer`, through `ReportStore.store`), on a
real SQLite file and a real PostgreSQL server: dedup by report key, one revision per change,
disagreeing sources, what is not a report, and all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import event, func, select

from models.schema import figures_table, reports_table, sources_table
from models.store import ReportStore
from models.writer import DocumentWriter
from reportparser.api import PARSER_VERSION
from reportparser.result import Finding, ParseResult
from tests.models.build import (
    DECIMAL_KEY,
    EMPTY_KEY,
    FETCHED_AT,
    figures_for,
    make_fetch,
    make_result,
    snapshot,
)

KEY = ("640323", 2020, "盐池县人民政府")


def updated_at(store: ReportStore) -> dt.datetime:
    with store.engine.connect() as conn:
        value: dt.datetime = conn.execute(select(reports_table.c.updated_at)).scalar_one()
    return value


# -- dedup -------------------------------------------------------------------------------------


def test_first_store_creates_report_figures_and_findings(store: ReportStore) -> None:
    finding = Finding("requests.balance", "column total: 5 + 0 ≠ 4 + 0", expected=5, actual=4)
    result = make_result(findings=(finding,))

    stored = store.record_document(make_fetch(), result)

    assert stored.outcome == "new"
    report = store.report(*KEY)
    assert report is not None
    assert report.id == stored.report_id
    assert report.meta == result.meta
    assert report.figures == result.figures
    assert report.findings == (finding,)
    assert report.parser_version == PARSER_VERSION
    assert report.revision == 1
    assert report.source_url == make_fetch().url


def test_figures_come_back_exactly(store: ReportStore) -> None:
    figures = figures_for() | {"requests.new.total": 2**40, "active.fees.change": -4}
    store.record_document(make_fetch(), make_result(figures=figures))

    report = store.report(*KEY)

    assert report is not None
    assert report.figures == figures
    assert report.figures[DECIMAL_KEY] == 16280.5867
    assert type(report.figures["requests.new.total"]) is int
    assert report.figures["active.fees.change"] == -4
    assert report.figures[EMPTY_KEY] is None  # printed empty: a row holding NULL
    assert "requests.new.commercial" in report.figures
    with store.engine.connect() as conn:
        keys = set(conn.execute(select(figures_table.c.key)).scalars())
    assert keys == set(figures)  # absent keys have no row


def test_a_figure_no_column_can_hold_is_null_with_a_finding(store: ReportStore) -> None:
    # An ID number read as a count: SQLite raised OverflowError and the whole report was lost.
    huge = 64032319800101123400
    figures = figures_for() | {"requests.new.total": huge}
    overflowing = Finding("requests.row_total", "total ≠ sum", expected=3, actual=huge)
    result = make_result(figures=figures, findings=(overflowing,))

    stored = store.record_document(make_fetch(), result)

    assert stored.outcome == "new"
    report = store.report(*KEY)
    assert report is not None
    assert report.figures["requests.new.total"] is None
    assert {k: v for k, v in report.figures.items() if k != "requests.new.total"} == {
        k: v for k, v in figures.items() if k != "requests.new.total"
    }
    assert report.findings[0] == Finding("requests.row_total", "total ≠ sum", 3, None)
    unstorable = [f for f in report.findings if f.rule == "warning.unstorable_value"]
    assert len(unstorable) == 1
    assert str(huge) in unstorable[0].message
    # The same parse again is recognised as the same document, not a new revision.
    assert store.record_document(make_fetch(), result).outcome == "unchanged"


def test_integral_float_is_stored_as_int(store: ReportStore) -> None:
    figures = figures_for() | {DECIMAL_KEY: 12.0}
    store.record_document(make_fetch(), make_result(figures=figures))

    report = store.report(*KEY)

    assert report is not None
    assert report.figures[DECIMAL_KEY] == 12
    assert type(report.figures[DECIMAL_KEY]) is int


def test_identical_restore_writes_nothing(store: ReportStore) -> None:
    first = store.record_document(make_fetch(), make_result())
    before = snapshot(store)

    again = store.record_document(make_fetch(), make_result())

    assert again.outcome == "unchanged"
    assert again.report_id == first.report_id
    assert snapshot(store) == before


def test_refetch_with_same_content_touches_only_the_source(store: ReportStore) -> None:
    store.record_document(make_fetch(), make_result())
    stamp = updated_at(store)
    later = FETCHED_AT + dt.timedelta(days=3)

    again = store.record_document(make_fetch(fetched_at=later), make_result())

    assert again.outcome == "unchanged"
    assert updated_at(store) == stamp
    state = store.source_states("640323")[make_fetch().url]
    assert state.fetched_at == later
    assert state.checked_at == later
    assert store.counts()["revisions"] == 0


def test_three_urls_make_one_report_with_three_sources(store: ReportStore) -> None:
    urls = [
        "https://www.yanchi.gov.cn/xxgk/nb/202101/t20210128_1.html",
        "https://www.yanchi.gov.cn/xxgk/nb/202101/P020210128.pdf",
        "https://www.yanchi.gov.cn/zwgk/tzgg/202101/t20210129_2.html",
    ]

    outcomes = [store.record_document(make_fetch(url), make_result()) for url in urls]

    assert [o.outcome for o in outcomes] == ["new", "unchanged", "unchanged"]
    assert len({o.report_id for o in outcomes}) == 1
    counts = store.counts()
    assert counts["reports"] == 1
    assert counts["sources"] == 3
    with store.engine.connect() as conn:
        linked = conn.execute(
            select(func.count()).where(sources_table.c.report_id == outcomes[0].report_id)
        ).scalar_one()
    assert linked == 3
    report = store.report(*KEY)
    assert report is not None
    assert report.findings == ()  # identical sources do not disagree


def test_report_key_is_county_year_agency(store: ReportStore) -> None:
    store.record_document(make_fetch("https://a/1"), make_result())
    store.record_document(make_fetch("https://a/2"), make_result(year=2021))
    store.record_document(make_fetch("https://a/3"), make_result(agency="盐池县扶贫开发办公室"))
    store.record_document(make_fetch("https://a/4"), make_result(county_code="640324"))

    assert store.counts()["reports"] == 4


def test_county_code_falls_back_to_the_fetch(store: ReportStore) -> None:
    stored = store.record_document(make_fetch(county_code="640424"), make_result(county_code=None))

    assert stored.outcome == "new"
    assert store.report("640424", 2020, "盐池县人民政府") is not None


# -- changes and revisions -----------------------------------------------------------------------


def test_changed_report_makes_one_update_and_one_revision(store: ReportStore) -> None:
    old = make_result(findings=(Finding("appeals.total", "row review: 1 ≠ 2", 1, 2),))
    first = store.record_document(make_fetch(body=b"v1"), old)
    stamp = updated_at(store)
    figures = figures_for() | {"requests.new.total": 77, DECIMAL_KEY: 1.25}
    del figures["appeals.review.pending"]
    new = make_result(figures=figures)

    changed = store.record_document(make_fetch(body=b"v2"), new)

    assert changed.outcome == "updated"
    assert changed.report_id == first.report_id
    assert changed.revision == 1
    assert changed.detail == "document_changed"
    assert changed.figures_changed == 3
    assert (changed.findings_added, changed.findings_removed) == (0, 1)
    counts = store.counts()
    assert (counts["reports"], counts["revisions"]) == (1, 1)
    report = store.report(*KEY)
    assert report is not None
    assert report.figures == figures
    assert report.findings == ()
    assert report.revision == 2
    assert report.updated_at > stamp
    [revision] = store.revisions(report.id)
    assert revision["revision"] == 1
    assert revision["reason"] == "document_changed"
    assert revision["figures"] == old.figures
    assert revision["meta"] == old.meta.to_json()  # type: ignore[union-attr]
    assert revision["findings"] == [f.to_json() for f in old.findings]
    assert revision["parser_version"] == PARSER_VERSION
    assert revision["created_at"] == stamp


def test_reparse_by_a_new_parser_version_is_an_update(store: ReportStore) -> None:
    store.record_document(make_fetch(), make_result(), parser_version="0.0.1")
    figures = figures_for() | {"requests.new.total": 9}

    changed = store.record_document(make_fetch(), make_result(figures=figures))

    assert (changed.outcome, changed.detail) == ("updated", "reparsed")
    report = store.report(*KEY)
    assert report is not None
    assert report.parser_version == PARSER_VERSION
    assert store.revisions(report.id)[0]["parser_version"] == "0.0.1"


def test_same_parse_by_a_new_parser_version_only_records_the_version(
    store: ReportStore,
) -> None:
    store.record_document(make_fetch(), make_result(), parser_version="0.0.1")
    stamp = updated_at(store)

    again = store.record_document(make_fetch(), make_result())

    assert again.outcome == "unchanged"
    report = store.report(*KEY)
    assert report is not None
    assert report.parser_version == PARSER_VERSION
    assert report.updated_at == stamp
    assert store.counts()["revisions"] == 0


# -- disagreeing sources ---------------------------------------------------------------------------


def test_more_complete_source_replaces_and_disagreement_is_recorded(store: ReportStore) -> None:
    page_url, pdf_url = "https://a/page.html", "https://a/report.pdf"
    sparse = figures_for() | {"requests.new.total": None, "requests.new.commercial": None}
    store.record_document(make_fetch(page_url), make_result(figures=sparse))

    better = store.record_document(make_fetch(pdf_url, kind="attachment"), make_result())

    assert better.outcome == "updated"
    report = store.report(*KEY)
    assert report is not None
    assert report.source_url == pdf_url
    assert report.figures == figures_for()
    [finding] = report.findings
    assert finding.rule == "warning.sources_disagree"
    assert page_url in finding.message
    assert pdf_url in finding.message
    assert "requests.new.commercial, requests.new.total" in finding.message
    assert store.revisions(report.id)[0]["reason"] == "more_complete_source"


def test_less_complete_source_is_kept_aside_with_a_finding(store: ReportStore) -> None:
    store.record_document(make_fetch("https://a/report.pdf"), make_result())
    before = store.report(*KEY)
    sparse = figures_for() | {"requests.new.total": None}

    worse = store.record_document(make_fetch("https://a/page.html"), make_result(figures=sparse))

    assert worse.outcome == "unchanged"
    report = store.report(*KEY)
    assert report is not None and before is not None
    assert report.figures == before.figures
    assert report.source_url == "https://a/report.pdf"
    [finding] = report.findings
    assert finding.rule == "warning.sources_disagree"
    assert "requests.new.total" in finding.message
    assert store.counts()["revisions"] == 0
    # Storing the same disagreeing document again adds nothing.
    snap = snapshot(store)
    store.record_document(make_fetch("https://a/page.html"), make_result(figures=sparse))
    assert snapshot(store) == snap


def test_fewer_hard_findings_win_when_equally_complete(store: ReportStore) -> None:
    broken = make_result(findings=(Finding("requests.balance", "column total", 5, 4),))
    store.record_document(make_fetch("https://a/1"), broken)

    clean = store.record_document(make_fetch("https://a/2"), make_result())

    assert clean.outcome == "updated"
    report = store.report(*KEY)
    assert report is not None
    assert [f.rule for f in report.findings] == ["warning.sources_disagree"]


def test_disagreement_finding_goes_when_the_source_agrees_again(store: ReportStore) -> None:
    store.record_document(make_fetch("https://a/1"), make_result())
    sparse = figures_for() | {"requests.new.total": None}
    store.record_document(make_fetch("https://a/2", body=b"old"), make_result(figures=sparse))

    store.record_document(make_fetch("https://a/2", body=b"fixed"), make_result())

    report = store.report(*KEY)
    assert report is not None
    assert report.findings == ()


# -- what is not a report ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "outcome", "reason"),
    [
        (ParseResult("not_report", "html", reason="a news page"), "not_report", "a news page"),
        (ParseResult("error", "pdf", reason="truncated PDF"), "failed", "truncated PDF"),
        (ParseResult("needs_ocr", "pdf", reason="no text layer"), "failed", "no text layer"),
        (make_result(year=None), "failed", "report without a year"),
        (make_result(agency=None), "failed", "report without an agency"),
        (make_result(figures={"requests.new.total": float("nan")}), "failed", "finite"),
    ],
)
def test_non_reports_are_recorded_on_their_source_only(
    store: ReportStore, result: ParseResult, outcome: str, reason: str
) -> None:
    stored = store.record_document(make_fetch(), result)

    assert stored.outcome == outcome
    assert stored.report_id is None
    assert reason in (stored.detail or "")
    counts = store.counts()
    assert (counts["reports"], counts["sources"]) == (0, 1)
    state = store.source_states("640323")[make_fetch().url]
    assert state.status == outcome
    with store.engine.connect() as conn:
        stored_reason = conn.execute(select(sources_table.c.reason)).scalar_one()
    assert reason in stored_reason


def test_a_source_that_fails_later_keeps_its_report(store: ReportStore) -> None:
    first = store.record_document(make_fetch(), make_result())

    failed = store.record_document(
        make_fetch(body=b"broken"), ParseResult("error", "html", reason="empty body")
    )

    assert failed.outcome == "failed"
    assert store.report(*KEY) is not None
    state = store.source_states("640323")[make_fetch().url]
    assert (state.status, state.report_id) == ("failed", first.report_id)


# -- atomicity -------------------------------------------------------------------------------------


def test_failure_after_the_figures_insert_leaves_nothing(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.record_document(make_fetch("https://a/other"), make_result(year=2019))
    before = snapshot(store)

    written: list[int] = []
    insert_figures = DocumentWriter._insert_figures

    def fail_after_figures(
        writer: DocumentWriter, report_id: int, figures: Mapping[str, Any]
    ) -> None:
        insert_figures(writer, report_id, figures)
        # Counted inside the transaction (INSERT on SQLite, COPY on PostgreSQL), then a crash.
        query = select(func.count()).where(figures_table.c.report_id == report_id)
        written.append(writer.conn.execute(query).scalar_one())
        raise RuntimeError("injected crash after the figures insert")

    monkeypatch.setattr(DocumentWriter, "_insert_figures", fail_after_figures)
    with pytest.raises(RuntimeError, match="injected crash"):
        store.record_document(make_fetch(), make_result())
    monkeypatch.undo()

    assert written == [len(make_result().figures)]  # the crash came after the figures

    assert snapshot(store) == before
    assert store.report(*KEY) is None
    assert store.record_document(make_fetch(), make_result()).outcome == "new"


def test_failure_during_an_update_keeps_the_previous_version(store: ReportStore) -> None:
    store.record_document(make_fetch(body=b"v1"), make_result())
    before = snapshot(store)

    def fail_on_figures(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE figures"):
            raise RuntimeError("injected crash")

    event.listen(store.engine, "after_cursor_execute", fail_on_figures)
    try:
        with pytest.raises(RuntimeError, match="injected crash"):
            changed = figures_for() | {"requests.new.total": 1}
            store.record_document(make_fetch(body=b"v2"), make_result(figures=changed))
    finally:
        event.remove(store.engine, "after_cursor_execute", fail_on_figures)

    assert snapshot(store) == before
