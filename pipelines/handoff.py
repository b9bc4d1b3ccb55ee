"""500 · Hand the crawl's scans to the parse workers (OGI_OCR = "queue").

Reads the documents of `item.documents` that the store recorded (`outcome` set) as `needs_ocr`
and queues them as OCR jobs in `parse_jobs` (models.jobs.ParseQueue), counted in
`parse_jobs/queued`: `scrapy parseworker` processes on any machine read them, so a crawl node
spends no minutes of OCR per scan. A scan already waiting is not queued twice. Passes items
through untouched unless OGI_OCR is "queue" (not NotConfigured: Scrapy would warn in every
crawl's log that a pipeline nobody asked for is disabled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.items import DocumentItem
from crawler.services import StoreService

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


class HandoffPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.get("OGI_OCR") == "queue"
        self.store = StoreService.for_crawler(crawler) if self.enabled else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem) or self.store is None:
            return item
        scans = [
            d.url
            for d in item.documents
            if d.outcome is not None and d.result is not None and d.result.status == "needs_ocr"
        ]
        if scans:
            queued = await self.store.call("queue_parse", scans, "ocr")
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("parse_jobs/queued", queued)
        return item
