"""ReportStore on a real SQLite file and a real PostgreSQL server (same tests, both engines)."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from models.records import CrawlRun, FetchFailure, Listing
from models.schema import figures_table, reports_table, sources_table
from models.store import CorruptBlobError, MissingBlobError, ReportStore, StoreConfigError
from models.writer import DocumentWriter
from reportparser.api import PARSER_VERSION
from reportparser.result import Finding, Hints, ParseResult
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


# -- sources, pages, crawl runs -------------------------------------------------------------------


def test_source_states_and_not_modified(store: ReportStore) -> None:
    hints = Hints(county_code="640323", title="盐池县2020年政府信息公开工作年度报告")
    fetch = make_fetch(etag='"abc"', last_modified="Thu, 28 Jan 2021 08:00:00 GMT", hints=hints)
    stored = store.record_document(fetch, make_result())
    store.record_document(
        make_fetch("https://a/news", county_code="640323"), ParseResult("not_report", "html")
    )
    store.record_document(make_fetch("https://b/x", county_code="640424"), make_result(year=2019))
    stamp = updated_at_of(store, stored.report_id)

    checked = FETCHED_AT + dt.timedelta(days=40)
    store.mark_not_modified(fetch.url, checked, Listing("新标题", "2021-02-01"))
    store.mark_not_modified("https://unknown/", checked)

    states = store.source_states("640323")
    assert set(states) == {fetch.url, "https://a/news"}
    state = states[fetch.url]
    assert state.sha256 == fetch.sha256
    assert (state.etag, state.last_modified) == ('"abc"', "Thu, 28 Jan 2021 08:00:00 GMT")
    assert state.fetched_at == FETCHED_AT
    assert state.checked_at == checked
    assert state.listing_signature == "新标题|2021-02-01"
    assert (state.status, state.report_id) == ("new", stored.report_id)
    assert states["https://a/news"].status == "not_report"
    assert updated_at_of(store, stored.report_id) == stamp


def updated_at_of(store: ReportStore, report_id: int | None) -> dt.datetime:
    with store.engine.connect() as conn:
        value: dt.datetime = conn.execute(
            select(reports_table.c.updated_at).where(reports_table.c.id == report_id)
        ).scalar_one()
    return value


def test_pages_keep_validators(store: ReportStore) -> None:
    assert store.page_state("https://a/list.html") is None
    sha = store.put_blob(b"<html>list</html>")
    store.save_page("https://a/list.html", sha, '"e1"', None, FETCHED_AT)
    later = FETCHED_AT + dt.timedelta(hours=1)
    store.save_page("https://a/list.html", sha, '"e2"', "Mon, 01 Jan 2024 00:00:00 GMT", later)

    state = store.page_state("https://a/list.html")

    assert state is not None
    assert (state.sha256, state.etag, state.last_modified) == (
        sha,
        '"e2"',
        "Mon, 01 Jan 2024 00:00:00 GMT",
    )
    assert state.fetched_at == later
    assert store.get_blob(state.sha256) == b"<html>list</html>"


def test_pages_of_a_county_load_at_once_with_their_content_type(store: ReportStore) -> None:
    sha = store.put_blob(b"<html>list</html>")
    gbk = "text/html; charset=gbk"
    store.save_page("https://www.yanchi.gov.cn/a/", sha, None, None, FETCHED_AT)
    store.save_page(
        "https://www.yanchi.gov.cn/b/", sha, '"e"', None, FETCHED_AT, county_code="640323"
    )
    store.save_page(
        "https://www.yanchi.gov.cn/a/",
        sha,
        None,
        None,
        FETCHED_AT,
        county_code="640323",
        content_type=gbk,
    )
    store.save_page("https://www.nxjy.gov.cn/", sha, None, None, FETCHED_AT, county_code="640424")

    pages = store.page_states("640323")

    assert sorted(pages) == ["https://www.yanchi.gov.cn/a/", "https://www.yanchi.gov.cn/b/"]
    assert pages["https://www.yanchi.gov.cn/a/"].content_type == gbk
    assert pages["https://www.yanchi.gov.cn/b/"].etag == '"e"'
    assert store.page_state("https://www.yanchi.gov.cn/a/") == pages["https://www.yanchi.gov.cn/a/"]
    assert list(store.page_states("640424")) == ["https://www.nxjy.gov.cn/"]
    assert store.counts()["counties"] == 2  # saving a page registers its county


def test_crawl_history_newest_first(store: ReportStore) -> None:
    for day in (1, 3, 2):
        store.record_crawl_run(
            CrawlRun(
                county_code="640323",
                spider="yanchi",
                started_at=dt.datetime(2026, 11, day, tzinfo=dt.UTC),
                finished_at=dt.datetime(2026, 11, day, 1, tzinfo=dt.UTC),
                status="degraded" if day == 3 else "ok",
                reports_new=day,
                http_errors={"404": day},
                alerts=[f"alert {day}"],
                stats={"start_time": dt.datetime(2026, 11, day, tzinfo=dt.UTC), "n": day},
            )
        )
    store.record_crawl_run(CrawlRun("640424", "jingyuan", dt.datetime(2026, 11, 5, tzinfo=dt.UTC)))

    history = store.crawl_history("640323", limit=2)

    assert [run.started_at.day for run in history] == [3, 2]
    latest = history[0]
    assert latest.status == "degraded"
    assert latest.reports_new == 3
    assert latest.http_errors == {"404": 3}
    assert latest.alerts == ["alert 3"]
    assert latest.stats == {"start_time": "2026-11-03T00:00:00+00:00", "n": 3}
    assert len(store.crawl_history("640323")) == 3


def test_counties_sync_and_resolve(store: ReportStore) -> None:
    from crawler.counties import COUNTIES

    store.sync_counties(COUNTIES)
    store.sync_counties(COUNTIES)

    assert store.counts()["counties"] == len(COUNTIES)
    assert store.resolve_county("yanchi") == "640323"
    assert store.resolve_county("640424") == "640424"
    with pytest.raises(LookupError, match="nowhere"):
        store.resolve_county("nowhere")


# -- blobs -----------------------------------------------------------------------------------------


def test_blobs_are_content_addressed(store: ReportStore) -> None:
    data = "盐池县2020年政府信息公开工作年度报告".encode()

    sha = store.put_blob(data)

    assert store.put_blob(data) == sha
    path = store.blob_dir / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == data
    assert store.get_blob(sha) == data
    assert [p.name for p in path.parent.iterdir()] == [sha]  # no temp file left behind
    with pytest.raises(MissingBlobError):
        store.get_blob("0" * 64)
    with pytest.raises(ValueError, match="SHA-256"):
        store.get_blob("../../etc/passwd")


def flip_a_digit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[data.index(b"2")] = ord("3")
    path.write_bytes(bytes(data))


def test_a_corrupt_blob_is_never_returned_and_is_moved_aside(store: ReportStore) -> None:
    data = "盐池县2020年政府信息公开工作年度报告".encode()
    sha = store.put_blob(data)
    path = store.blob_path(sha)
    flip_a_digit(path)

    with pytest.raises(CorruptBlobError, match=f"blob {sha} is corrupt") as raised:
        store.get_blob(sha)

    assert raised.value.kept == path.with_name(f".corrupt-{sha}")
    assert raised.value.kept.exists()
    assert not store.has_blob(sha)  # reads as missing: the crawl fetches the document whole
    with pytest.raises(MissingBlobError):
        store.get_blob(sha)
    assert store.put_blob(data) == sha
    assert store.get_blob(sha) == data


def test_storing_the_same_bytes_again_repairs_a_corrupt_blob(store: ReportStore) -> None:
    data = b"<html>2020</html>"
    sha = store.put_blob(data)
    flip_a_digit(store.blob_path(sha))

    store.put_blob(data)

    assert store.get_blob(sha) == data


def test_verify_blobs_lists_corrupt_and_missing_blobs(store: ReportStore) -> None:
    bodies = [f"doc {n} 2020".encode() for n in range(3)]
    _good, corrupt, gone = (store.put_blob(body) for body in bodies)
    for n, body in enumerate(bodies):
        store.record_document(
            make_fetch(url=f"https://example.gov.cn/{n}.html", body=body),
            ParseResult("not_report", "html", reason="news"),
        )
    stray = store.put_blob(b"a page body 2021")
    flip_a_digit(store.blob_path(corrupt))
    flip_a_digit(store.blob_path(stray))
    store.blob_path(gone).unlink()

    bad = {b.sha256: b for b in store.verify_blobs()}

    assert {sha: b.problem for sha, b in bad.items()} == {
        corrupt: "corrupt",
        gone: "missing",
        stray: "corrupt",
    }
    assert bad[corrupt].urls == ("https://example.gov.cn/1.html",)
    assert bad[corrupt].line().startswith(f"corrupt {corrupt}: ")
    assert "https://example.gov.cn/1.html" in bad[corrupt].line()
    assert bad[stray].urls == ()
    # Moved aside: a second pass finds them missing (or, unreferenced, gone), never corrupt.
    again = {b.sha256: b.problem for b in store.verify_blobs()}
    assert again == {corrupt: "missing", gone: "missing"}


def test_stale_temporary_blob_files_are_removed(store: ReportStore) -> None:
    sha = store.put_blob(b"a report")
    folder = store.blob_path(sha).parent
    stale, fresh = folder / ".tmp-stale", folder / ".tmp-fresh"
    stale.write_bytes(b"half a rep")
    fresh.write_bytes(b"a write in progress")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))

    assert store.blobs.clean_temporary() == [stale]

    assert sorted(p.name for p in folder.iterdir()) == sorted([".tmp-fresh", sha])


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"OGI_BLOB_DIR": "/tmp/x"}, "OGI_DATABASE_URL"),
        ({"OGI_DATABASE_URL": "", "OGI_BLOB_DIR": "/tmp/x"}, "OGI_DATABASE_URL"),
        ({"OGI_DATABASE_URL": "sqlite:///x.sqlite3"}, "OGI_BLOB_DIR"),
        ({"OGI_DATABASE_URL": "mysql://x/y", "OGI_BLOB_DIR": "/tmp/x"}, "OGI_DATABASE_URL"),
    ],
)
def test_from_settings_fails_loudly(settings: dict[str, str], named: str) -> None:
    with pytest.raises(StoreConfigError, match=named):
        ReportStore.from_settings(settings)


def test_from_settings_names_the_setting_when_the_server_is_unreachable(tmp_path: Path) -> None:
    settings = {
        "OGI_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }
    with pytest.raises(StoreConfigError, match=r"OGI_DATABASE_URL=.*cannot open"):
        ReportStore.from_settings(settings)


def test_from_settings_migrates(tmp_path: Path) -> None:
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'new' / 'db.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }
    with ReportStore.from_settings(settings) as store:
        assert store.record_document(make_fetch(), make_result()).outcome == "new"


def test_fetch_failures_are_replaced_by_each_crawl_and_count_their_crawls(
    store: ReportStore,
) -> None:
    def failure(url: str, kind: str = "document") -> FetchFailure:
        return FetchFailure(
            url=url,
            county_code="640323",
            kind=kind,  # type: ignore[arg-type]
            reason="HTTP 503",
            attempts=4,
        )

    first = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    second = first + dt.timedelta(days=1)
    stored = store.record_fetch_failures(
        "640323", [failure("https://a/1"), failure("https://a/list.html", "page")], at=first
    )
    assert [(f.crawls, f.first_failed_at) for f in stored] == [(1, first), (1, first)]

    # The next crawl fetched the list page; the document still fails.
    stored = store.record_fetch_failures("640323", [failure("https://a/1")], at=second)
    assert [(f.url, f.crawls, f.first_failed_at, f.last_failed_at) for f in stored] == [
        ("https://a/1", 2, first, second)
    ]
    assert store.fetch_failures("640323") == stored
    assert store.fetch_failures("640424") == []

    # A crawl cut short only adds what it lost.
    store.record_fetch_failures("640323", [failure("https://a/2")], at=second, replace=False)
    assert [f.url for f in store.fetch_failures()] == ["https://a/1", "https://a/2"]
    store.record_fetch_failures("640323", [], at=second)
    assert store.fetch_failures() == []
