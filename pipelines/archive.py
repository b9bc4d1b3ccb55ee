"""200 · Keep the report page's bytes in the blob store.

Reads `DocumentItem.body`; adds the page's `Document(kind="page")` to `item.documents`: `fetched`
with the SHA-256 of the stored body, or `not_modified` when the page answered 304 (its body is the
stored copy already), or `failed` when the spider could not fetch it (`item.error`). Items without
a body (a list entry linking straight to a file) pass through. A body that cannot be written (a
full disk) is a storage failure: the crawl stops (`crawler.losses`) and the item is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from crawler.items import Document, DocumentItem
from crawler.losses import Losses, storage_failure
from crawler.services import StoreService

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store = StoreService.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, DocumentItem) and item.error is not None:
            failed = Document(
                url=item.url,
                kind="page",
                state="failed",
                http_status=item.http_status,
                fetched_at=item.fetched_at,
                reason=item.error,
            )
            item.documents.insert(0, failed)
            return item
        if not isinstance(item, DocumentItem) or item.body is None:
            return item
        page = Document(
            url=item.url,
            kind="page",
            state="not_modified" if item.not_modified else "fetched",
            final_url=item.final_url,
            http_status=item.http_status,
            content_type=item.content_type,
            etag=item.etag,
            last_modified=item.last_modified,
            fetched_at=item.fetched_at,
            size=len(item.body),
        )
        if not item.not_modified:
            try:
                page.sha256 = await self.store.put_blob(item.body)
            except OSError as exc:
                problem = storage_failure(exc)
                if problem is None:
                    raise
                Losses.of(self.crawler).storage_failed(problem)
                # The storage failure is reported once; every item after it would say it again.
                raise DropItem(f"storage failure: {problem}", log_level="DEBUG") from None
        item.documents.insert(0, page)
        return item
