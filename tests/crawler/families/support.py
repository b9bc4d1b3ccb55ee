"""Family spider callbacks run on the fixture web's byte-exact pages (as the mirror serves them)."""

from __future__ import annotations

from typing import Any

from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from crawler.items import DocumentItem
from crawler.mirror import resolve
from crawler.platform import NingxiaPlatformSpider
from tests.crawler.pages import spider_for, start_spider
from tests.fixtureweb.build import FIXTURE_WEB


def family_spider(code: str) -> NingxiaPlatformSpider:
    spider = spider_for(code)
    start_spider(spider)  # the home page request is pending, as in a crawl
    return spider


def served(request: Request) -> Response:
    """The fixture web's answer to `request`, as Scrapy would hand it to the callback."""
    answer = resolve(
        FIXTURE_WEB,
        request.method,
        request.url,
        {k.decode().lower(): v[0].decode() for k, v in request.headers.items()},
        request.body,
    )
    headers = Headers(answer.headers)
    cls = responsetypes.from_args(headers=headers, url=request.url, body=answer.body)
    return cls(
        url=request.url,
        status=answer.status,
        headers=headers,
        body=answer.body,
        request=request,
    )


def get(url: str, **meta: Any) -> Response:
    return served(Request(url, meta=meta))


def requests_of(outputs: list[Any]) -> list[Request]:
    return [o for o in outputs if isinstance(o, Request)]


def items_of(outputs: list[Any]) -> list[DocumentItem]:
    return [o for o in outputs if isinstance(o, DocumentItem)]
