"""The store service's batches: writes queued behind the call in progress go on together, as
one `ReportStore.write_batch` (one commit), in order, each caller getting its own result or
error."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
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
