"""400 · Record every document of the item in the database, in the store's worker thread.

Reads `item.documents` (attachments first, the page last: a page is only remembered as done once
its attachments are, so a crash in between re-fetches the page next time, never loses a file);
sets each document's `outcome`. Parsed documents go to `record_document`, whose outcome is counted
in `reports/new`, `reports/updated`, `reports/unchanged`, `reports/failed` or
`documents/not_report`; a 304 goes to `mark_not_modified` and counts as unchanged; fresh ones were
counted when skipped. A download that failed for good (4xx, too large) is recorded as a failed
document with its reason; any other failure (5xx, timeout, over the size limit) is lost
(`crawler.losses`: the county is degraded, the URL listed and kept in `fetch_failures`) and no
source is recorded, so the next crawl retries it. A storage failure (full disk, broken
database) stops the crawl (`Losses.storage_failed`); any other store error loses that document
(counted in `store/errors`, listed as lost). Finally the item's body is released: items leave
the pipelines light.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any

from crawler.items import Document, DocumentItem
from crawler.losses import STORAGE_STAT, Losses, storage_failure
from crawler.mirror import crawl_origin
from crawler.services import KnownDocuments, StoreService
from models.completeness import completeness
from models.records import FetchFailure, FetchKind, FetchRecord, Outcome
from reportparser.result import ParseResult

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

OUTCOME_STATS: dict[Outcome, str] = {
    "new": "reports/new",
    "updated": "reports/updated",
    "unchanged": "reports/unchanged",
    "failed": "reports/failed",
    "not_report": "documents/not_report",
}
_PERMANENT_FAILURE = re.compile(r"^HTTP 4\d\d$|empty file")


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store = StoreService.for_crawler(crawler)
        self.origin = crawl_origin(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item
        for document in sorted(item.documents, key=lambda d: d.kind == "page"):
            try:
                await self.record(item, document)
            except Exception as exc:
                self.store_failed(item, document, exc)
        item.body = None
        return item

    def store_failed(self, item: DocumentItem, document: Document, exc: Exception) -> None:
        """A storage failure stops the crawl; any other error loses this one document."""
        losses = Losses.of(self.crawler)
        problem = storage_failure(exc)
        if problem is not None:
            losses.storage_failed(problem)
            return
        self.stats.inc_value("store/errors")
        logger.exception("could not store %s", document.url)
        losses.lose(
            FetchFailure(
                url=document.url,
                county_code=item.county_code,
                kind=_kind(document),
                reason=f"not stored: {type(exc).__name__}: {exc}"[:500],
            )
        )

    async def record(self, item: DocumentItem, document: Document) -> None:
        if document.state == "not_modified":
            await self.store.call(
                "mark_not_modified",
                document.url,
                dt.datetime.now(dt.UTC),
                item.listing,
                origin=self.origin,
            )
            known = await self._known_report(item, document)
            self.stats.inc_value("reports/unchanged" if known else "documents/unchanged")
            document.outcome = "unchanged"
            return
        if document.state == "failed":
            if not _PERMANENT_FAILURE.search(document.reason or ""):
                if self.stats.get_value(STORAGE_STAT):
                    return  # the blob could not be written: the storage failure says it
                # Lost for now: no source is recorded, so the next crawl retries it.
                Losses.of(self.crawler).lose(
                    FetchFailure(
                        url=document.url,
                        county_code=item.county_code,
                        kind=_kind(document),
                        reason=document.reason or "download failed",
                        attempts=document.attempts,
                    )
                )
                return
            self.stats.inc_value("documents/unavailable")
            document.sha256 = await self.store.put_blob(b"")
            document.size = 0
            document.result = ParseResult(
                status="error", format="unknown", reason=f"download failed: {document.reason}"
            )
        if document.result is None or document.sha256 is None:
            return
        fetch = _fetch_record(item, document, self.origin)
        result = await self.store.call("record_document", fetch, document.result)
        document.outcome = result.outcome
        if document.state == "failed":
            return  # a broken link is the site's problem, not a parse failure
        self.stats.inc_value(OUTCOME_STATS[result.outcome])
        if result.outcome in ("new", "updated"):
            # Only complete reports count as collected: the summary names the others.
            parsed = document.result
            verdict = completeness(parsed.figures, [f.rule for f in parsed.findings])
            if verdict != "complete":
                self.stats.inc_value(f"reports/{verdict}")
        if result.outcome == "failed":
            logger.warning(
                "%s: %s", document.url, result.detail or document.result.reason or "failed"
            )

    async def _known_report(self, item: DocumentItem, document: Document) -> bool:
        known = KnownDocuments.of(self.crawler)
        await known.load(item.county_code)
        state = known.get(item.county_code, document.url)
        return state is not None and state.report_id is not None


def _kind(document: Document) -> FetchKind:
    return "document" if document.kind == "page" else "attachment"


def _fetch_record(item: DocumentItem, document: Document, origin: str) -> FetchRecord:
    assert document.sha256 is not None
    is_page = document.kind == "page"
    return FetchRecord(
        url=document.url,
        county_code=item.county_code,
        kind=document.kind,
        sha256=document.sha256,
        size=document.size or 0,
        fetched_at=document.fetched_at or dt.datetime.now(dt.UTC),
        final_url=document.final_url,
        http_status=document.http_status or 200,
        content_type=document.content_type,
        etag=document.etag,
        last_modified=document.last_modified,
        parent_url=None if is_page or item.page is None else item.url,
        listing=item.listing,
        hints=document.hints,
        origin=origin,
    )
