"""300 · Parse every freshly fetched document, off the reactor, in the parser's worker processes.

Reads the `fetched` documents of `item.documents` (their bytes are in the blob store); sets each
one's `result` to the parser's `ParseResult`, and its `hints` to the `Hints` the parser was given
(from the page: county, title, date, publisher; the document's URL), which the store keeps for
re-parsing. Documents that were not fetched (fresh, 304, failed) are not parsed. A parser crash
or a timeout (`OGI_PARSE_TIMEOUT`) or the memory limit (`OGI_PARSE_MEMORY`) gives that document
an `error` result with the reason; the crawl goes on. Pool size: `OGI_PARSE_WORKERS`. Scans
(`needs_ocr`) are read by OCR in the workers when `OGI_OCR` is "crawl" (bounded by
`OGI_OCR_TIMEOUT`, `OGI_OCR_MEMORY`); by default ("defer") they are stored as `needs_ocr` for
`scrapy reparse --ocr`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from crawler.items import Document, DocumentItem
from crawler.parsing import ParseJob, ParsePool, ocr_options
from crawler.services import StoreService

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


class ParsePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store = StoreService.for_crawler(crawler)
        self.pool = ParsePool.for_crawler(crawler)
        # Scans are read during the crawl only when asked (OGI_OCR = "crawl"): by default the
        # crawl stores them as needs_ocr and `scrapy reparse --ocr` reads them afterwards.
        mode = crawler.settings.get("OGI_OCR")
        if mode not in ("defer", "crawl", "queue"):
            raise NotConfigured(
                f"OGI_OCR setting must be 'defer', 'crawl' or 'queue', not {mode!r}"
            )
        self.ocr = ocr_options(crawler.settings) if mode == "crawl" else None
        self.memory = crawler.settings.getint("OGI_PARSE_MEMORY") or None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item
        for document in item.documents:
            if document.state == "fetched" and document.sha256 is not None:
                document.result = await self.parse(item, document)
        return item

    async def parse(self, item: DocumentItem, document: Document) -> Any:
        assert document.sha256 is not None
        path = self.store.blob_location(document.sha256)
        document.hints = dataclasses.replace(item.hints, url=document.url)
        job = ParseJob(
            path,
            document.filename,
            document.content_type,
            document.hints,
            self.ocr,
            sha256=document.sha256,
            memory=self.memory,
            s3_endpoint_url=self.store.s3_endpoint_url,
        )
        result = await self.pool.parse(job)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"parser/status/{result.status}")
        return result
