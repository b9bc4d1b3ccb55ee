"""Cookies never make tldextract fetch the public-suffix list: no socket is opened."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import scrapy.downloadermiddlewares.cookies as scrapy_cookies
from scrapy.http import Request, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.cookies import OFFLINE_EXTRACT, OfflineCookiesMiddleware


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError(f"test guard: no network ({address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: refuse(None, a))  # type: ignore[misc]
    return attempts


def test_public_suffixes_come_from_the_bundled_snapshot(no_network: list[Any]) -> None:
    crawler = get_crawler(settings_dict={"COOKIES_ENABLED": True})
    middleware = OfflineCookiesMiddleware.from_crawler(crawler)

    assert scrapy_cookies._split_domain is OFFLINE_EXTRACT
    assert scrapy_cookies._is_public_domain("gov.cn")
    assert not scrapy_cookies._is_public_domain("www.yanchi.gov.cn")
    # Cookies work as in Scrapy; asking about their domains opened no socket.
    request = Request(
        "https://www.yanchi.gov.cn/xxgk/",
        cookies=[{"name": "session", "value": "1", "domain": ".yanchi.gov.cn", "path": "/"}],
    )
    middleware.process_request(request)
    middleware.process_response(request, Response(request.url, request=request))
    follow = Request("https://www.yanchi.gov.cn/xxgk/list.html")
    middleware.process_request(follow)
    assert follow.headers.get("Cookie") == b"session=1"
    assert no_network == []


def test_the_project_uses_it() -> None:
    settings = Settings()
    settings.setmodule("settings", priority="project")
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.cookies.CookiesMiddleware"] is None
    assert middlewares["crawler.cookies.OfflineCookiesMiddleware"] == 700
