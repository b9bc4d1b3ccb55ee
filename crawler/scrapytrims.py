"""Two trims of Scrapy's per-page overhead that the crawl engine applies at its open (issue 9):
a callback's output handed to the scraper without a pool of tasks per response, and log records
no handler takes never built. Each is Scrapy's behaviour at a lower cost, nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

from scrapy.http import Request
from scrapy.utils.asyncio import is_asyncio_available
from scrapy.utils.defer import aiter_errback, iter_errback

if TYPE_CHECKING:
    from scrapy.core.scraper import Scraper
    from scrapy.http import Response
    from twisted.python.failure import Failure


def lean_spider_output(scraper: Scraper) -> None:
    """Hand a callback's output to the scraper without a worker pool per response.

    Scrapy 2.19 (`Scraper.handle_spider_output_async`, `_parallel_asyncio`) starts a queue, a
    filling task and CONCURRENT_ITEMS worker tasks for every response, whatever it yields: 17
    tasks for a report page's one item, ≈ 5 % of the reactor thread at 300 sites (issue 9).
    Here requests are scheduled as they come (scheduling one never waits) and each item gets a
    task of its own, at most CONCURRENT_ITEMS at once, as before; the call returns when every
    item is through the pipelines, as before. Without asyncio, Scrapy's own path stays.
    """
    if not is_asyncio_available():
        return
    limit = max(1, scraper.concurrent_items)
    process = scraper._process_spidermw_output_async

    async def handle_spider_output_async(
        result: Iterable[Any] | AsyncIterator[Any],
        request: Request,
        response: Response | Failure,
    ) -> None:
        items: set[asyncio.Future[None]] = set()

        async def hand_over(output: Any) -> None:
            nonlocal items
            if output is None or isinstance(output, Request):
                await process(output, response)
                return
            while len(items) >= limit:
                _done, items = await asyncio.wait(items, return_when=asyncio.FIRST_COMPLETED)
            items.add(asyncio.ensure_future(process(output, response)))

        try:
            if isinstance(result, AsyncIterator):
                async for output in aiter_errback(
                    result, scraper.handle_spider_error, request, response
                ):
                    await hand_over(output)
            else:
                for output in iter_errback(result, scraper.handle_spider_error, request, response):
                    await hand_over(output)
        finally:  # the response is done only when its items are, whatever happened meanwhile
            if items:
                await asyncio.wait(items)

    scraper.handle_spider_output_async = handle_spider_output_async  # type: ignore[method-assign]


def skip_unwanted_records() -> None:
    """Raise the loggers below the lowest level any handler takes to that level.

    Scrapy leaves the root logger at NOTSET and sets its own `scrapy` logger to DEBUG
    (`DEFAULT_LOGGING`), filtering only in its handler: every `logger.debug` of every page
    (Scrapy's "Crawled (200)", "Scraped from" …) builds a LogRecord that no handler keeps
    (≈ 3 % of the reactor thread at LOG_LEVEL INFO, issue 9). Raising the root alone left the
    `scrapy` loggers at DEBUG. A handler that wants more (pytest's caplog, a debugging session)
    keeps every logger where it is.
    """
    root = logging.getLogger()
    loggers = [root]
    loggers += [x for x in root.manager.loggerDict.values() if isinstance(x, logging.Logger)]
    # A library's NullHandler (its logger's "no output unless configured") takes nothing.
    levels = [
        handler.level
        for logger in loggers
        for handler in logger.handlers
        if not isinstance(handler, logging.NullHandler)
    ]
    if not root.handlers or not levels or min(levels) == logging.NOTSET:
        return
    lowest = min(levels)
    for logger in loggers:
        if logger.level < lowest and (logger is root or logger.level != logging.NOTSET):
            logger.setLevel(lowest)
