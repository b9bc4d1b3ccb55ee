"""The store service's batches: writes queued behind the call in progress go on together, as
one `ReportStore.write_batch` (one commit), in order, each caller getting its own result or
error."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from crawler.services import StoreService
from models.records import FetchRecord
from tests.crawler.components import open_store, report_result, run, store_settings

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
URL = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/{}.html"


def fetch(n: int) -> FetchRecord:
    return FetchRecord(URL.format(n), "640323", "page", f"{n:064x}", 10, NOW)


@pytest.mark.parametrize("store_process", [False, True], ids=["thread", "process"])
def test_writes_queued_behind_a_call_go_as_one_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_process: bool
) -> None:
    open_store(tmp_path).close()
    sent: list[tuple[str, list[str]]] = []
    real_run = StoreService._run

    def recorded_run(self: StoreService, method: str, args: Any, kwargs: Any) -> Any:
        sent.append((method, [call[0] for call in args[0]] if method == "write_batch" else []))
        return real_run(self, method, args, kwargs)

    monkeypatch.setattr(StoreService, "_run", recorded_run)
    settings = {**store_settings(tmp_path), "OGI_STORE_PROCESS": store_process}
    store = StoreService(Settings(settings))
    run(store.call("counts"))  # open (in process mode: start the child)
    sent.clear()
    gate = threading.Event()

    async def crawl() -> list[Any]:
        store._executor.submit(gate.wait, 60)  # the store is busy: the calls below queue up
        calls = [store.call("record_document", fetch(n), report_result(2018 + n)) for n in range(3)]
        calls.append(store.call("mark_not_modified", URL.format(9), "not a datetime"))
        calls.append(store.call("source_states", "640323"))  # a read: after the batch
        calls.append(store.call("record_document", fetch(3), report_result(2021)))
        tasks = [asyncio.ensure_future(call) for call in calls]
        await asyncio.sleep(0.2)
        gate.set()
        return await asyncio.gather(*tasks, return_exceptions=True)

    try:
        *documents, bad, states, last = run(crawl())
    finally:
        store._close()
    assert sent == [
        ("write_batch", ["record_document"] * 3 + ["mark_not_modified"]),
        ("source_states", []),
        ("record_document", []),
    ]
    assert [result.outcome for result in documents] == ["new", "new", "new"]
    assert isinstance(bad, AttributeError)  # its own error, and only to its caller
    assert set(states) == {URL.format(n) for n in range(3)}
    assert last.outcome == "new"
    with open_store(tmp_path) as reader:
        assert reader.counts()["reports"] == 4


def test_one_step_is_submitted_for_all_the_calls_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(tmp_path).close()
    store = StoreService(Settings({**store_settings(tmp_path), "OGI_STORE_PROCESS": False}))
    run(store.call("counts"))
    idle(store)
    submitted: list[str] = []
    real_submit = store._executor.submit

    def counted_submit(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        submitted.append(getattr(fn, "__name__", "?"))
        return real_submit(fn, *args, **kwargs)

    monkeypatch.setattr(store._executor, "submit", counted_submit)
    gate = threading.Event()

    async def crawl() -> list[Any]:
        real_submit(gate.wait, 60)  # the store is busy: the calls below queue up
        calls = [store.call("record_document", fetch(n), report_result(2018 + n)) for n in range(5)]
        calls.append(store.call("source_states", "640323"))
        tasks = [asyncio.ensure_future(call) for call in calls]
        await asyncio.sleep(0.2)
        gate.set()
        results = await asyncio.gather(*tasks)
        assert submitted == ["_step"]
        idle(store)
        # The store idle again: the next call submits a step of its own.
        results.append(await store.call("counts"))
        return results

    try:
        *documents, states, counts = run(crawl())
    finally:
        store._close()
    assert submitted == ["_step", "_step"]
    assert [result.outcome for result in documents] == ["new"] * 5
    assert set(states) == {URL.format(n) for n in range(5)}
    assert counts["reports"] == 5


def test_a_call_after_the_store_shut_down_fails_at_once_every_time(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    store = StoreService(Settings({**store_settings(tmp_path), "OGI_STORE_PROCESS": False}))
    store._executor.shutdown(wait=True)
    for _ in range(2):  # the second one too: no step is left believed submitted
        with pytest.raises(RuntimeError, match="shutdown"):
            run(store.call("counts"))
    assert not store._calls


def idle(store: StoreService) -> None:
    """Wait for the store's step to find no more calls and end."""
    deadline = time.monotonic() + 10
    while store._step_submitted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not store._step_submitted
