"""100 · Download a report page's attachments with Scrapy's files pipeline, into the blob store.

Reads `DocumentItem.file_urls`; appends one `Document(kind="attachment")` per URL to
`item.documents`, in the same order, whatever happened to it:

* new → downloaded; the bytes go to the content-addressed blob store (`put_blob`), whose path is
  the file's SHA-256 (hash-named storage). Scrapy's FILES_STORE is not used: the pipeline's own
  store is pointed at OGI_BLOB_DIR and never writes (`media_downloaded` stores the bytes);
* known and fresh (`OGI_REVISIT_DAYS`, unchanged list entry) → not requested at all (`fresh`);
* known and stale → requested with If-None-Match / If-Modified-Since; a 304 is `not_modified`;
* anything else (HTTP error, larger than `OGI_MAX_DOCUMENT_BYTES`, timeout) → `failed`, with the
  reason. Never drops the item: the page itself may still be a report.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar, cast

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import FileInfo, FileInfoOrError
from twisted.python.failure import Failure

from crawler.items import Document, DocumentItem
from crawler.losses import Losses, attempts_of, storage_failure
from crawler.middlewares import ROLE_ATTACHMENT
from crawler.platform import COUNTY_CODE, LISTING, ROLE
from crawler.services import KnownDocuments, StoreService, conditional_headers

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.pipelines.media import MediaPipeline

logger = logging.getLogger(__name__)

_PARENT = "ogi_parent_url"
_HTTP_STATUS = re.compile(r"HTTP (\d{3})")


class _ObjectStoreFiles:
    """The FilesPipeline store for an s3:// OGI_BLOB_DIR: never called (`media_downloaded`
    stores through the blob store), and unlike Scrapy's S3FilesStore it opens no AWS client."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def persist_file(
        self, path: str, buf: Any, info: Any, meta: Any = None, headers: Any = None
    ) -> None:
        raise NotImplementedError("attachments are stored by AttachmentsPipeline.media_downloaded")

    def stat_file(self, path: str, info: Any) -> dict[str, Any]:
        return {}


class AttachmentsPipeline(FilesPipeline):
    """Scrapy's FilesPipeline, storing into the blob store and skipping what is known and fresh.

    Settings: OGI_BLOB_DIR (required: a directory or s3://bucket/prefix), OGI_MAX_DOCUMENT_BYTES
    (per-file size limit), OGI_REVISIT_DAYS, MEDIA_ALLOW_REDIRECTS.
    """

    LOG_FAILED_RESULTS = False  # failures are expected (broken links) and logged in one line
    STORE_SCHEMES: ClassVar[dict[str, Any]] = {
        **FilesPipeline.STORE_SCHEMES,
        "s3": _ObjectStoreFiles,
    }

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        self.reports = StoreService.for_crawler(crawler)
        self.known = KnownDocuments.of(crawler)
        self.max_bytes = crawler.settings.getint("OGI_MAX_DOCUMENT_BYTES")
        self._failures: dict[str, str] = {}
        self._attempts: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        blob_dir = crawler.settings.get("OGI_BLOB_DIR")
        if not blob_dir:
            raise NotConfigured("OGI_BLOB_DIR setting must be set to store attachments")
        return cls(str(blob_dir), crawler=crawler)

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, DocumentItem) and item.file_urls:
            await self.known.load(item.county_code)
            return await super().process_item(item)
        return item

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        assert isinstance(item, DocumentItem)
        requests = []
        for url in item.file_urls:
            verdict, state = self.known.decide(item.county_code, url, item.listing)
            requests.append(
                Request(
                    url,
                    callback=NO_CALLBACK,
                    headers=conditional_headers(state) if verdict == "stale" else None,
                    meta={
                        ROLE: ROLE_ATTACHMENT,
                        COUNTY_CODE: item.county_code,
                        LISTING: item.listing,
                        _PARENT: item.url if item.body is not None else None,
                        "download_maxsize": self.max_bytes,
                    },
                )
            )
        return requests

    def media_to_download(
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> Any:
        county_code = request.meta[COUNTY_CODE]
        verdict, state = self.known.decide(county_code, request.url, request.meta[LISTING])
        if verdict != "fresh" or state is None:
            return None
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("documents/skipped")
        if state.report_id is not None:
            stats.inc_value("reports/skipped")
        return _file_info(request.url, "fresh", state.sha256)

    async def media_downloaded(
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> FileInfo:
        if response.status == 304:
            return _file_info(request.url, "not_modified", None, response)
        if response.status != 200:
            self._attempts[request.url] = attempts_of(request)
            return _failed(request.url, f"HTTP {response.status}", response.status)
        if not response.body:
            return _failed(request.url, "empty file", response.status)
        sha256: str = await self.reports.put_blob(response.body)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("attachments/downloaded")
        return _file_info(request.url, "fetched", sha256, response)

    def media_failed(
        self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo
    ) -> Any:
        # Returning (not raising) keeps Scrapy from logging every broken link with a traceback;
        # the reason reaches item_completed through `_failures`.
        exc = failure.value
        self._failures[request.url] = f"{type(exc).__name__}: {exc}"
        self._attempts[request.url] = attempts_of(request)
        problem = storage_failure(exc)  # the blob could not be written: not the site's fault
        if problem is not None:
            Losses.of(self.crawler).storage_failed(problem)

    def item_completed(
        self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo
    ) -> Any:
        assert isinstance(item, DocumentItem)
        stats = self.crawler.stats
        assert stats is not None
        for url, (ok, value) in zip(item.file_urls, results, strict=True):
            outcome: Any = value  # FileInfo, or None when media_failed kept the reason
            if ok and outcome is not None and outcome["status"] != "failed":
                item.documents.append(_document(url, outcome))
                continue
            if isinstance(outcome, Failure):
                reason = f"{type(outcome.value).__name__}: {outcome.value}"
            elif outcome is not None:
                reason = str(outcome["reason"])
            else:
                reason = self._failures.get(url, "download failed")
            logger.warning("attachment %s of %s failed: %s", url, item.url, reason)
            stats.inc_value("attachments/failed")
            status = _HTTP_STATUS.match(reason)
            item.documents.append(
                Document(
                    url=url,
                    kind="attachment",
                    state="failed",
                    reason=reason,
                    http_status=int(status.group(1)) if status else None,
                    fetched_at=dt.datetime.now(dt.UTC),
                    attempts=self._attempts.get(url, 1),
                )
            )
        return item


def _file_info(
    url: str, status: str, sha256: str | None, response: Response | None = None
) -> FileInfo:
    """FilesPipeline's result dict, with what the store needs about the download."""
    info: dict[str, Any] = {"url": url, "path": "", "checksum": sha256, "status": status}
    if sha256 is not None:
        info["path"] = f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
    if response is not None:
        info |= {
            "final_url": response.url if response.url != url else None,
            "http_status": response.status,
            "content_type": _header(response, b"Content-Type"),
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
            "fetched_at": dt.datetime.now(dt.UTC),
            "size": len(response.body) if status == "fetched" else None,
        }
    return cast("FileInfo", info)


def _failed(url: str, reason: str, http_status: int) -> FileInfo:
    info = {"url": url, "path": "", "checksum": None, "status": "failed", "reason": reason}
    return cast("FileInfo", info | {"http_status": http_status})


def _document(url: str, info: dict[str, Any]) -> Document:
    return Document(
        url=url,
        kind="attachment",
        state=info["status"],
        final_url=info.get("final_url"),
        http_status=info.get("http_status"),
        content_type=info.get("content_type"),
        etag=info.get("etag"),
        last_modified=info.get("last_modified"),
        fetched_at=info.get("fetched_at"),
        sha256=info.get("checksum"),
        size=info.get("size"),
    )


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
