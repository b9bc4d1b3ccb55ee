"""300 · Parse every freshly fetched document, off the reactor, in the parser's worker processes.

Reads the `fetched` documents of `item.documents` (their bytes are in the blob store); sets each
one's `result` to the parser's `ParseResult`, and its `hints` to the `Hints` the parser was given
(from the page: county, title, date, publisher; the document's URL), which the store keeps for
re-parsing. Documents that were not fetched (fresh, 304, failed) are not parsed. A parser crash
or a timeout (`OGI_PARSE_TIMEOUT`) gives that document an `error` result with the reason; the
crawl goes on. Pool size: `OGI_PARSE_WORKERS`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from crawler.items import Document, DocumentItem
from crawler.services import ParseJob, ParsePool, StoreService

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


class ParsePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store = StoreService.for_crawler(crawler)
        self.pool = ParsePool.for_crawler(crawler)

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
        path = self.store.blob_path(document.sha256)
        document.hints = dataclasses.replace(item.hints, url=document.url)
        job = ParseJob(str(path), document.filename, document.content_type, document.hints)
        result = await self.pool.parse(job)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"parser/status/{result.status}")
        return result
