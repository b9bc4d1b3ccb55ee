"""Shared crawl services: freshness decisions, the parser's process pool (crashes, timeouts),
the store's worker thread or process."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from crawler.services import (
    KnownDocuments,
    StoreService,
    conditional_headers,
    freshness,
)
from models.records import FetchRecord, Listing, SourceState
from models.store import BlobStore, CorruptBlobError
from tests.crawler.components import (
    county_crawler,
    exit_code,
    open_store,
    remember,
    report_result,
    run,
)

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
MONTH = dt.timedelta(days=30)
LISTING = Listing("盐池县2021年政府信息公开工作年度报告", "2022-01-25")


def state(
    *, checked: dt.datetime | None = None, fetched: dt.datetime | None = None, sha: str = "ab"
) -> SourceState:
    return SourceState(
        url="https://www.yanchi.gov.cn/a.html",
        sha256=sha,
        etag='"e"',
        last_modified="Tue, 25 Jan 2022 00:00:00 GMT",
        fetched_at=fetched,
        checked_at=checked,
        listing_signature=LISTING.signature(),
        status="new",
        report_id=1,
    )


@pytest.mark.parametrize(
    ("known", "listing", "expected"),
    [
        (None, LISTING, "new"),
        (state(checked=NOW - dt.timedelta(days=2)), LISTING, "fresh"),
        (state(checked=NOW - dt.timedelta(days=2)), None, "fresh"),
        (state(checked=(NOW - dt.timedelta(days=2)).replace(tzinfo=None)), LISTING, "fresh"),
        (state(checked=NOW - dt.timedelta(days=31)), LISTING, "stale"),
        (state(fetched=NOW - dt.timedelta(days=40), checked=NOW), LISTING, "fresh"),
        (state(fetched=NOW - dt.timedelta(days=3)), LISTING, "fresh"),
        (state(), LISTING, "stale"),
        (state(checked=NOW), Listing(LISTING.title, "2022-02-24"), "stale"),
        (state(checked=NOW), Listing("盐池县2021年政府信息公开工作年度报告（更正）"), "stale"),
    ],
)
def test_freshness(known: SourceState | None, listing: Listing | None, expected: str) -> None:
    assert freshness(known, listing, NOW, MONTH) == expected


def test_conditional_headers() -> None:
    assert conditional_headers(None) == {}
    assert conditional_headers(state()) == {
        "If-None-Match": '"e"',
        "If-Modified-Since": "Tue, 25 Jan 2022 00:00:00 GMT",
    }


def test_known_documents_load_each_county_once(tmp_path: Path) -> None:
    url = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
    with open_store(tmp_path) as store:
        remember(store, url, b"<html>r</html>", report_result(), listing=LISTING)
    with county_crawler(tmp_path) as crawler:
        known = KnownDocuments.of(crawler)
        assert KnownDocuments.of(crawler) is known

        async def load_twice() -> None:
            first = await known.load("640323")
            assert await known.load("640323") is first

        run(load_twice())
        verdict, found = known.decide("640323", url, LISTING)
        assert verdict == "fresh"
        assert found is not None
        assert found.report_id is not None
        assert known.decide("640323", url + "?x", LISTING) == ("new", None)


def test_one_store_service_per_database(tmp_path: Path) -> None:
    with (
        county_crawler(tmp_path) as first,
        county_crawler(tmp_path, "jingyuan") as second,
        county_crawler(tmp_path / "other") as third,
    ):
        service = StoreService.for_crawler(first)
        assert StoreService.for_crawler(second) is service
        assert StoreService.for_crawler(third) is not service
        digest = run(service.put_blob(b"bytes"))
        assert run(service.get_blob(digest)) == b"bytes"


def test_the_store_runs_in_a_process_that_ends_with_the_crawl(tmp_path: Path) -> None:
    url = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
    body = b"<html>r</html>"
    with county_crawler(tmp_path, OGI_STORE_PROCESS=True) as crawler:
        service = StoreService.for_crawler(crawler)
        sha256 = run(service.put_blob(body))
        fetch = FetchRecord(url, "640323", "page", sha256, len(body), NOW)
        stored = run(service.call("record_document", fetch, report_result()))
        (process,) = [p for p in multiprocessing.active_children() if p.name == "ogi-store"]
        assert process.pid != os.getpid()
    assert stored.outcome == "new"
    assert exit_code(process) == 0
    with open_store(tmp_path) as store:
        assert list(store.source_states("640323")) == [url]


def test_the_crawl_cleans_the_blob_store_once_on_a_file_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "blobs" / "ab" / "cd"
    folder.mkdir(parents=True)
    stale, fresh = folder / ".tmp-stale", folder / ".tmp-fresh"
    stale.write_bytes(b"cut short")
    fresh.write_bytes(b"in progress")
    os.utime(stale, (0, 0))
    walks: list[str] = []
    clean = BlobStore.clean_temporary

    def counted(self: BlobStore, *args: Any, **kwargs: Any) -> list[Path]:
        walks.append(threading.current_thread().name)
        return clean(self, *args, **kwargs)

    monkeypatch.setattr(BlobStore, "clean_temporary", counted)
    with county_crawler(tmp_path) as crawler:
        service = StoreService.for_crawler(crawler)
        run(service.call("known_states", "640323", "live"))  # the store is open by now
        digest = run(service.put_blob(b"bytes"))  # beside the clean: its file is young
        assert run(service.get_blob(digest)) == b"bytes"
        service.blobs_cleaned.result(timeout=30)
    # The crawl's own walk, not the store's opening (nor the command's preflight: test_cli).
    assert len(walks) == 1 and walks[0].startswith("ogi-blobs"), walks
    assert not stale.exists() and fresh.exists()


# Jobs for the pool's workers: module-level, so a spawned worker can import them.
def test_a_document_whose_blob_is_gone_or_corrupt_is_fetched_whole(tmp_path: Path) -> None:
    url = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
    with open_store(tmp_path) as store:
        remember(store, url, b"<html>r 2020</html>", report_result(), listing=LISTING)
        sha = store.source_states("640323")[url].sha256
        assert sha is not None
        blob = store.blob_path(sha)
        blob.write_bytes(b"<html>r 2021</html>")  # a flipped digit
        with pytest.raises(CorruptBlobError):
            store.get_blob(sha)  # found corrupt (a reparse, a 304, `db verify`): moved aside
    with county_crawler(tmp_path) as crawler:
        known = KnownDocuments.of(crawler)
        run(known.load("640323"))
        # Not "fresh" (it would never be repaired), not "stale" (a 304 would bring nothing).
        assert known.decide("640323", url, LISTING) == ("new", None)
