"""The store service's grouped blob syncs: a committed source never points at a lost blob.

Blobs are put without fsync; before a call that may commit a reference to one, one
`BlobStore.sync` pass covers every blob put so far. These tests record the order of syncs and
commits, make the sync fail, and kill the writer between the blob write and its sync.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

import models.store
from crawler.services import StoreService
from models.records import FetchRecord
from models.store import BlobStore, ReportStore
from tests.crawler.components import open_store, report_result, run, store_settings

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
URL = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/{}.html"


def service(tmp_path: Path) -> StoreService:
    return StoreService(Settings({**store_settings(tmp_path), "OGI_STORE_PROCESS": False}))


def fetch(n: int, sha256: str, size: int) -> FetchRecord:
    return FetchRecord(URL.format(n), "640323", "page", sha256, size, NOW)


def record(store: StoreService, n: int, sha256: str) -> str:
    outcome = run(store.call("record_document", fetch(n, sha256, 10), report_result(2000 + n)))
    return str(outcome.outcome)


def test_one_sync_covers_the_batch_and_comes_before_the_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(tmp_path).close()
    events: list[tuple[str, Any]] = []
    real_sync = BlobStore.sync
    real_record = ReportStore.record_document

    def sync(self: BlobStore, digests: Any) -> None:
        digests = set(digests)
        events.append(("sync", digests))
        real_sync(self, digests)

    def record_document(self: ReportStore, fetch: FetchRecord, *args: Any, **kw: Any) -> Any:
        assert self.blobs.get(fetch.sha256)  # the bytes are there before the row is
        events.append(("commit", fetch.sha256))
        return real_record(self, fetch, *args, **kw)

    monkeypatch.setattr(BlobStore, "sync", sync)
    monkeypatch.setattr(ReportStore, "record_document", record_document)
    store = service(tmp_path)
    try:
        digests = [run(store.put_blob(f"<html>{n}</html>".encode())) for n in range(3)]
        assert [record(store, n, digest) for n, digest in enumerate(digests)] == ["new"] * 3
        later = run(store.put_blob(b"<html>later</html>"))
        assert record(store, 3, later) == "new"
        run(store.call("source_states", "640323"))  # reads: no sync
    finally:
        store._close()
    assert events == [
        ("sync", set(digests)),
        *[("commit", digest) for digest in digests],
        ("sync", {later}),
        ("commit", later),
    ]
    assert store.blob_syncs == 2


def test_a_failed_sync_commits_nothing_and_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(tmp_path).close()
    real_sync = BlobStore.sync
    attempts: list[set[str]] = []

    def failing_sync(self: BlobStore, digests: Any) -> None:
        attempts.append(set(digests))
        if len(attempts) == 1:
            raise OSError(5, "Input/output error")
        real_sync(self, digests)

    monkeypatch.setattr(BlobStore, "sync", failing_sync)
    store = service(tmp_path)
    try:
        digest = run(store.put_blob(b"<html>r</html>"))
        with pytest.raises(OSError, match="Input/output"):
            record(store, 1, digest)
        with open_store(tmp_path) as reader:
            assert reader.source_states("640323") == {}
        assert record(store, 1, digest) == "new"
    finally:
        store._close()
    assert attempts == [{digest}, {digest}]


def _killed_before_sync(tmp: str) -> None:
    """A writer that dies (SIGKILL) after writing its blob, before the blob is synced."""

    def die(self: BlobStore, digests: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    BlobStore.sync = die  # type: ignore[method-assign]
    store = service(Path(tmp))
    digest = run(store.put_blob(b"<html>killed</html>"))
    record(store, 1, digest)


def test_a_writer_killed_between_blob_and_sync_leaves_no_row(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    child = multiprocessing.get_context("spawn").Process(
        target=_killed_before_sync, args=(str(tmp_path),)
    )
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL
    with open_store(tmp_path) as store:
        assert store.source_states("640323") == {}
        assert store.counts()["reports"] == 0
    # The next run stores the same page whole.
    store = service(tmp_path)
    try:
        digest = run(store.put_blob(b"<html>killed</html>"))
        assert record(store, 1, digest) == "new"
        assert run(store.get_blob(digest)) == b"<html>killed</html>"
    finally:
        store._close()


def test_a_short_blob_left_by_a_crash_is_written_again(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    data = b"<html>whole page</html>"
    digest = blobs.put(data, durable=False)
    path = blobs.path(digest)
    path.write_bytes(b"")  # what a power loss can leave of a renamed, unsynced file
    assert blobs.put(data, durable=False) == digest
    assert blobs.get(digest) == data
    blobs.sync([digest])


def test_sync_without_syncfs_fsyncs_each_blob(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(models.store, "_syncfs", lambda directory: False)
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    blobs = BlobStore(tmp_path / "blobs")
    digests = [blobs.put(bytes([n]) * 10, durable=False) for n in range(3)]
    assert synced == []
    blobs.sync(digests)
    assert len(synced) == 6  # three blobs, three directories
