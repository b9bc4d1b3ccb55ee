"""Cookies never make tldextract fetch the public-suffix list: no socket is opened."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import scrapy.downloadermiddlewares.cookies as scrapy_cookies
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.cookies import OfflineCookiesMiddleware, offline_extract


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
    # Cookies work as in Scrapy; asking about their domains opened no socket.
    request = Request(
        "https://www.yanchi.gov.cn/xxgk/",
        cookies=[{"name": "session", "value": "1", "domain": ".yanchi.gov.cn", "path": "/"}],
    )
    middleware.process_request(request)

    assert scrapy_cookies._split_domain is offline_extract()
    assert scrapy_cookies._is_public_domain("gov.cn")
    assert not scrapy_cookies._is_public_domain("www.yanchi.gov.cn")
    middleware.process_response(request, Response(request.url, request=request))
    follow = Request("https://www.yanchi.gov.cn/xxgk/list.html")
    middleware.process_request(follow)
    assert follow.headers.get("Cookie") == b"session=1"
    assert no_network == []


def test_the_project_uses_it() -> None:
    settings = Settings()
    settings.setmodule("settings", priority="project")
    middlewares = settings.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    # Scrapy's is not even named (Scrapy would import it, and tldextract with it, to skip it).
    assert "scrapy.downloadermiddlewares.cookies.CookiesMiddleware" not in middlewares
    assert middlewares["crawler.cookies.OfflineCookiesMiddleware"] == 700


def test_scrapy_middleware_is_built_at_the_first_cookie_only() -> None:
    crawler = get_crawler(settings_dict={"COOKIES_ENABLED": True})
    middleware = OfflineCookiesMiddleware.from_crawler(crawler)
    # No cookie yet: a hand-set Cookie header is dropped, as Scrapy's empty jar does.
    plain = Request("https://www.yanchi.gov.cn/", headers={"Cookie": "by=hand"})
    assert middleware.process_request(plain) is None
    assert plain.headers.get("Cookie") is None
    kept = Request(
        "https://www.yanchi.gov.cn/",
        headers={"Cookie": "by=hand"},
        meta={"dont_merge_cookies": True},
    )
    assert middleware.process_request(kept) is None
    assert kept.headers.get("Cookie") == b"by=hand"
    response = Response(plain.url, request=plain)
    assert middleware.process_response(plain, response) is response
    assert middleware._cookies is None

    # The first Set-Cookie builds Scrapy's middleware, and the cookie is sent from then on.
    setting = Response(plain.url, headers={"Set-Cookie": "sid=42; Path=/"}, request=plain)
    middleware.process_response(plain, setting)
    assert middleware._cookies is not None
    follow = Request("https://www.yanchi.gov.cn/xxgk/")
    middleware.process_request(follow)
    assert follow.headers.get("Cookie") == b"sid=42"


def test_cookies_disabled_means_no_middleware() -> None:
    crawler = get_crawler(settings_dict={"COOKIES_ENABLED": False})
    with pytest.raises(NotConfigured):
        OfflineCookiesMiddleware.from_crawler(crawler)
