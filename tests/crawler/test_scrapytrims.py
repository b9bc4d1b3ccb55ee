"""Scrapy's per-page overhead trimmed (`crawler.scrapytrims`): a callback's output handed over
with Scrapy's limits and waits, log records built only for a handler that takes them."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy.http import Request

from crawler.scrapytrims import lean_spider_output, skip_unwanted_records


def test_a_callbacks_items_go_through_concurrent_items_at_a_time_all_awaited() -> None:
    """The engine's output hand-over (`lean_spider_output`): requests scheduled as they come,
    items at most CONCURRENT_ITEMS at once, the call done when every item is."""
    running, peak = 0, 0
    done: list[Any] = []
    scheduled: list[Request] = []

    class Scraper:
        concurrent_items = 2

        def handle_spider_error(self, *_args: Any) -> None:
            raise AssertionError("no error expected")

        async def _process_spidermw_output_async(self, output: Any, _response: Any) -> None:
            nonlocal running, peak
            if isinstance(output, Request):
                scheduled.append(output)
                return
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1
            done.append(output)

    async def outputs() -> AsyncIterator[Any]:
        for i in range(5):
            yield {"i": i}
            yield Request(f"https://www.yanchi.gov.cn/{i}.html")

    async def main() -> None:
        scraper = Scraper()
        lean_spider_output(scraper)  # type: ignore[arg-type]
        handle = scraper.handle_spider_output_async  # type: ignore[attr-defined]
        await handle(outputs(), Request("https://www.yanchi.gov.cn/"), None)

    asyncio.run(main())
    assert len(done) == 5
    assert peak == 2
    assert len(scheduled) == 5


def _handler(level: int) -> logging.Handler:
    handler = logging.StreamHandler(io.StringIO())
    handler.setLevel(level)
    return handler


def test_log_records_no_handler_takes_are_not_built() -> None:
    root = logging.getLogger()
    scrapy_logger = logging.getLogger("scrapy")  # Scrapy's DEFAULT_LOGGING sets it to DEBUG
    saved_level, saved_handlers = root.level, root.handlers[:]
    saved_scrapy_level = scrapy_logger.level
    # Handlers earlier tests left on other loggers would count (one at NOTSET keeps every
    # logger where it is): this test sees only the root's.
    others = [x for x in root.manager.loggerDict.values() if isinstance(x, logging.Logger)]
    saved_other_handlers = [(x, x.handlers[:]) for x in others if x.handlers]
    for other, _ in saved_other_handlers:
        other.handlers = []
    try:
        root.handlers = [_handler(logging.INFO), _handler(logging.WARNING)]
        root.setLevel(logging.NOTSET)
        scrapy_logger.setLevel(logging.DEBUG)
        skip_unwanted_records()
        assert root.level == logging.INFO
        assert not logging.getLogger("scrapy.core.engine").isEnabledFor(logging.DEBUG)
        root.handlers.append(_handler(logging.NOTSET))  # one that takes everything
        root.setLevel(logging.NOTSET)
        scrapy_logger.setLevel(logging.DEBUG)
        skip_unwanted_records()
        assert root.level == logging.NOTSET
        assert logging.getLogger("scrapy.core.engine").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        scrapy_logger.setLevel(saved_scrapy_level)
        for other, handlers in saved_other_handlers:
            other.handlers = handlers
