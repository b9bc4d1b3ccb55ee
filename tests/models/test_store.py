"""ReportStore on a real SQLite file and a real PostgreSQL server (same tests, both engines):
sources, pages, crawl runs, blobs and configuration. What storing a document does is
`test_writer.py`."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import models.writer
from models.records import CrawlRun, FetchFailure, Listing, StoreResult
from models.schema import reports_table
from models.store import CorruptBlobError, MissingBlobError, ReportStore, StoreConfigError
from reportparser.result import Hints, ParseResult
from tests.models.build import (
    FETCHED_AT,
    make_fetch,
    make_result,
)

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


def test_a_batch_of_writes_runs_in_order_each_with_its_result(store: ReportStore) -> None:
    sha = store.put_blob(b"<html>list</html>")
    checked = FETCHED_AT + dt.timedelta(days=3)
    other = make_fetch("https://b/x", county_code="640424")
    results = store.write_batch(
        [
            ("record_document", (make_fetch(), make_result()), {}),
            ("save_page", ("https://a/list.html", sha, '"e"', None, FETCHED_AT), {}),
            ("record_document", (other, make_result(county_code="640424")), {}),
            ("mark_not_modified", (make_fetch().url, checked), {}),
            # Sees what the calls before it wrote, in the same transaction.
            ("record_document", (make_fetch(), make_result()), {}),
            (
                "record_fetch_failures",
                ("640323", [FetchFailure("https://a/lost", "640323", "page", "HTTP 503")]),
                {"at": checked},
            ),
            ("record_crawl_run", (CrawlRun("640323", "yanchi", checked, status="ok"),), {}),
        ]
    )
    outcomes = [r.outcome if isinstance(r, StoreResult) else r for r in results[:5]]
    assert outcomes == ["new", None, "new", None, "unchanged"]
    assert [failure.crawls for failure in results[5]] == [1]
    assert isinstance(results[6], int)
    assert [run.status for run in store.crawl_history("640323")] == ["ok"]
    assert [f.url for f in store.fetch_failures("640323")] == ["https://a/lost"]
    sources, pages = store.known_states("640323")
    assert sources == store.source_states("640323")
    assert pages == store.page_states("640323")
    assert store.source_states("640323")[make_fetch().url].checked_at == checked
    assert store.source_states("640424")[other.url].report_id == results[2].report_id
    page = store.page_state("https://a/list.html")
    assert page is not None
    assert (page.sha256, page.etag) == (sha, '"e"')
    assert store.counts()["reports"] == 2


def test_a_write_that_fails_in_a_batch_fails_alone_and_leaves_nothing(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = models.writer.apply_cross_year

    def fail_for_2019(conn: Any, report_id: int, unit: Any = None, **kwargs: Any) -> None:
        if unit is not None and unit[2] == 2019:  # after its source, report and figures rows
            raise RuntimeError("cross-year check failed")
        real(conn, report_id, unit, **kwargs)

    monkeypatch.setattr(models.writer, "apply_cross_year", fail_for_2019)
    urls = [f"https://www.yanchi.gov.cn/nb/{year}.html" for year in (2020, 2019, 2021)]
    results = store.write_batch(
        [
            ("record_document", (make_fetch(url), make_result(year=year)), {})
            for url, year in zip(urls, (2020, 2019, 2021), strict=True)
        ]
    )
    assert isinstance(results[1], RuntimeError)
    assert [r.outcome for r in (results[0], results[2])] == ["new", "new"]
    assert set(store.source_states("640323")) == {urls[0], urls[2]}
    assert store.report("640323", 2019, "盐池县人民政府") is None
    assert store.counts()["reports"] == 2


def test_a_batch_takes_only_writes(store: ReportStore) -> None:
    with pytest.raises(ValueError, match="source_states is not a write"):
        store.write_batch([("source_states", ("640323",), {})])


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
    assert store.blob_location(sha) == str(path)
    for not_a_digest in (sha.upper(), sha[:-1], sha + "\n", "g" * 64, sha[:32] + "/" + sha[33:]):
        with pytest.raises(ValueError, match="SHA-256"):
            store.blob_location(not_a_digest)


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


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://ogi:s3cret@127.0.0.1:9/none?connect_timeout=2",  # unreachable
        "mysql://ogi:s3cret@db/none",  # no driver
        "not a url ogi:s3cret@db",  # SQLAlchemy cannot parse it
    ],
)
def test_a_store_error_never_shows_the_databases_password(tmp_path: Path, url: str) -> None:
    settings = {"OGI_DATABASE_URL": url, "OGI_BLOB_DIR": str(tmp_path / "blobs")}
    with pytest.raises(StoreConfigError, match="OGI_DATABASE_URL") as raised:
        ReportStore.from_settings(settings)
    assert "s3cret" not in str(raised.value)


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
