"""The Referer headers of QuickRefererMiddleware are Scrapy's, memo or not."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.referer import RefererMiddleware
from scrapy.utils.test import get_crawler

from crawler.referer import QuickRefererMiddleware

PAGES = [
    "https://www.a.gov.cn/xxgk/list.html?page=2#top",
    "http://www.a.gov.cn/xxgk/index.html",
    "https://user:pw@www.a.gov.cn:443/x.html",
    "file:///tmp/page.html",
]
TARGETS = [
    "https://www.a.gov.cn/xxgk/t1.html",
    "https://www.a.gov.cn:8443/xxgk/t1.html",
    "http://www.a.gov.cn/xxgk/t2.html",
    "https://xxgk.a.gov.cn/doc.pdf",
    "http://other.example.com/x",
]
POLICIES = [
    "scrapy-default",
    "no-referrer-when-downgrade",
    "same-origin",
    "origin",
    "strict-origin",
    "origin-when-cross-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
    "no-referrer",
]


def referers(middleware: RefererMiddleware, header: str | None, meta: str | None) -> list[object]:
    seen = []
    # Twice over: the second round is answered from the memo.
    for page, target in itertools.chain(*[itertools.product(PAGES, TARGETS)] * 2):
        headers = {"Referrer-Policy": header} if header else {}
        response = HtmlResponse(page, body=b"<html></html>", headers=headers)
        request = Request(target, meta={"referrer_policy": meta} if meta else {})
        processed = middleware.get_processed_request(request, response)
        assert processed is request
        seen.append(request.headers.get("Referer"))
    return seen


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(
    ("header", "meta"), [(None, None), ("no-referrer", None), (None, "origin"), ("bogus", None)]
)
def test_quick_referer_is_scrapys(policy: str, header: str | None, meta: str | None) -> None:
    crawler = get_crawler(settings_dict={"REFERRER_POLICY": policy})
    quick = QuickRefererMiddleware.from_crawler(crawler)
    with pytest.warns(RuntimeWarning) if header == "bogus" else contextlib.nullcontext():
        expected = referers(RefererMiddleware.from_crawler(crawler), header, meta)
    with pytest.warns(RuntimeWarning) if header == "bogus" else contextlib.nullcontext():
        assert referers(quick, header, meta) == expected
    assert any(expected) or policy == "no-referrer" or header == "no-referrer"


def test_a_policy_of_another_module_is_asked_every_time() -> None:
    crawler = get_crawler(settings_dict={"REFERRER_POLICY": f"{__name__}.CountingPolicy"})
    quick = QuickRefererMiddleware.from_crawler(crawler)
    response = HtmlResponse(PAGES[0], body=b"<html></html>")
    for _ in range(3):
        quick.get_processed_request(Request(TARGETS[0]), response)
    assert CountingPolicy.asked == 3


def test_start_requests_get_no_referer() -> None:
    quick = QuickRefererMiddleware.from_crawler(get_crawler())
    request = Request(TARGETS[0])
    assert quick.get_processed_request(request, None) is request
    assert b"Referer" not in request.headers


class CountingPolicy:
    asked = 0

    def referrer(self, response_url: str, request_url: str) -> str | None:
        type(self).asked += 1
        return response_url
