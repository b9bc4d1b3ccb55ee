"""Byte-exact page fixtures: a page's bytes, its URL and headers, and what a callback must yield.

Each `tests/fixtures/pages/<slug>/<name>.expected.json` names a body file beside it, the URL and
Content-Type it was served with, the spider callback to run, the request meta, and under
`expect` the requests, items and stats the callback must produce. After a deliberate change to
the platform base, rewrite the expectations with `OGI_UPDATE_PAGE_FIXTURES=1` and review the diff.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.items import DocumentItem
from crawler.platform import LISTING, NingxiaPlatformSpider
from models.records import Listing

PAGES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
SPEC_SUFFIX = ".expected.json"


def spider_for(slug: str, settings: dict[str, Any] | None = None) -> NingxiaPlatformSpider:
    """A county spider bound to a fresh crawler (stats included), as Scrapy would build it."""
    loader = get_spider_loader(get_project_settings())
    spidercls = loader.load(slug)
    crawler = get_crawler(spidercls, settings or {})
    spider = spidercls.from_crawler(crawler)
    crawler.spider = spider
    assert isinstance(spider, NingxiaPlatformSpider)
    return spider


def start_spider(spider: NingxiaPlatformSpider) -> list[Request]:
    """Run the spider's `start()` (the home page request) as the engine would."""

    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def make_response(
    url: str,
    body: bytes,
    *,
    status: int = 200,
    content_type: str = "text/html",
    meta: dict[str, Any] | None = None,
    flags: list[str] | None = None,
) -> Response:
    headers = Headers({"Content-Type": content_type})
    request = Request(url, meta=meta or {})
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(
        url=url, status=status, headers=headers, body=body, request=request, flags=flags or []
    )


@dataclass(frozen=True)
class PageCase:
    spec_path: Path
    spec: dict[str, Any]

    @property
    def slug(self) -> str:
        return self.spec_path.parent.name

    @property
    def id(self) -> str:
        return f"{self.slug}/{self.spec_path.name.removesuffix(SPEC_SUFFIX)}"

    def response(self) -> Response:
        meta = dict(self.spec.get("meta", {}))
        if LISTING in meta:
            meta[LISTING] = Listing(**meta[LISTING])
        body = (self.spec_path.parent / self.spec["body"]).read_bytes()
        return make_response(
            self.spec["url"],
            body,
            status=self.spec.get("status", 200),
            content_type=self.spec["headers"]["Content-Type"],
            meta=meta,
        )

    def run(self) -> dict[str, Any]:
        """Run the callback on the page; what it yielded, as JSON-able data."""
        spider = spider_for(self.slug)
        start_spider(spider)  # the home page request is pending, as in a crawl
        callback = getattr(spider, self.spec["callback"])
        outputs = list(callback(self.response(), **self.spec.get("cb_kwargs", {})))
        stats = {
            k: v
            for k, v in spider.crawler.stats.get_stats().items()
            if not isinstance(v, dt.datetime)
        }
        return {
            "requests": sorted(describe_request(o) for o in outputs if isinstance(o, Request)),
            "items": [describe_item(o) for o in outputs if isinstance(o, DocumentItem)],
            "stats": stats,
        }


def describe_request(request: Request) -> list[Any]:
    meta = {k: v for k, v in request.meta.items() if k.startswith("ogi_") or k == "column_root"}
    if isinstance(meta.get(LISTING), Listing):
        meta[LISTING] = [meta[LISTING].title, meta[LISTING].date]
    callback = getattr(request.callback, "__name__", None)
    return [request.method, request.url, callback, json.dumps(meta, ensure_ascii=False)]


def describe_item(item: DocumentItem) -> dict[str, Any]:
    hints = item.hints
    return {
        "url": item.url,
        "county_code": item.county_code,
        "has_body": item.body is not None,
        "file_urls": item.file_urls,
        "listing": [item.listing.title, item.listing.date] if item.listing else None,
        "hints": {
            "county": hints.county,
            "title": hints.title,
            "published_at": hints.published_at.isoformat() if hints.published_at else None,
            "publisher": hints.publisher,
        },
    }


def page_cases() -> Iterable[PageCase]:
    for path in sorted(PAGES_DIR.glob(f"*/*{SPEC_SUFFIX}")):
        yield PageCase(path, json.loads(path.read_text("utf-8")))
