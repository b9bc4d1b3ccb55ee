"""Scrapy's cookie handling without a request to the public-suffix list's host.

Scrapy's `CookiesMiddleware` asks `tldextract` whether a cookie's domain is a public suffix, and
tldextract's default fetches the list online on first use (a request the operator never asked
for, to a host often blocked in China: two warnings and a dozen tracebacks on an offline first
run) and caches it under ~/.cache. The list changes slowly and the one tldextract ships in its
wheel is enough to tell `gov.cn` from `yanchi.gov.cn`; `OfflineCookiesMiddleware` makes Scrapy's
middleware use that bundled snapshot, with no disk cache.

Scrapy's middleware module imports tldextract, and tldextract imports requests, urllib3 and
filelock: a seventh of a CPU-second before a crawl's first request (issue 9), for sites most of
which never set a cookie. So `OfflineCookiesMiddleware` builds Scrapy's middleware at the first
cookie: a request carrying cookies or a response setting one. Until then Scrapy's would do
nothing but drop a `Cookie` header set by hand (its jar is empty), which is what it does too.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
    from scrapy.http import Request, Response
    from tldextract import TLDExtract


@functools.cache
def offline_extract() -> TLDExtract:
    """tldextract over the public-suffix list bundled in its package, never the network: no
    suffix_list_urls and no cache_dir."""
    from tldextract import TLDExtract  # noqa: PLC0415  (see the top)

    return TLDExtract(
        suffix_list_urls=(),
        cache_dir=None,
        fallback_to_snapshot=True,
        include_psl_private_domains=True,
    )


def use_offline_suffix_list() -> None:
    """Point Scrapy's cookie middleware at the bundled public-suffix list (idempotent)."""
    import scrapy.downloadermiddlewares.cookies as scrapy_cookies  # noqa: PLC0415
    from tldextract import TLDExtract  # noqa: PLC0415

    current = getattr(scrapy_cookies, "_split_domain", None)
    if not isinstance(current, TLDExtract):
        # Scrapy changed how it splits domains: fail loudly rather than go online silently.
        raise RuntimeError(
            "scrapy.downloadermiddlewares.cookies no longer has a TLDExtract `_split_domain`: "
            "update crawler/cookies.py for this Scrapy version"
        )
    scrapy_cookies._split_domain = offline_extract()


class OfflineCookiesMiddleware:
    """Scrapy's CookiesMiddleware (same settings: COOKIES_ENABLED, COOKIES_DEBUG) using the
    public-suffix list bundled with tldextract, never the network; built at the first cookie."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._cookies: CookiesMiddleware | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("COOKIES_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    @property
    def cookies(self) -> CookiesMiddleware:
        """Scrapy's middleware, built on first use."""
        if self._cookies is None:
            from scrapy.downloadermiddlewares.cookies import CookiesMiddleware  # noqa: PLC0415

            use_offline_suffix_list()
            self._cookies = CookiesMiddleware.from_crawler(self.crawler)
        return self._cookies

    def process_request(self, request: Request) -> Any:
        if self._cookies is None and not request.cookies:
            if not request.meta.get("dont_merge_cookies", False):
                request.headers.pop("Cookie", None)  # as Scrapy's, with nothing in its jar
            return None
        return self.cookies.process_request(request)

    def process_response(self, request: Request, response: Response) -> Any:
        if self._cookies is None and b"Set-Cookie" not in response.headers:
            return response  # nothing to keep: Scrapy's would extract nothing
        return self.cookies.process_response(request, response)
