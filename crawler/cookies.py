"""Scrapy's cookie handling without a request to the public-suffix list's host.

Scrapy's `CookiesMiddleware` asks `tldextract` whether a cookie's domain is a public suffix, and
tldextract's default fetches the list online on first use (a request the operator never asked
for, to a host often blocked in China: two warnings and a dozen tracebacks on an offline first
run) and caches it under ~/.cache. The list changes slowly and the one tldextract ships in its
wheel is enough to tell `gov.cn` from `yanchi.gov.cn`; `OfflineCookiesMiddleware` makes Scrapy's
middleware use that bundled snapshot, with no disk cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import scrapy.downloadermiddlewares.cookies as scrapy_cookies
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from tldextract import TLDExtract

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

# No suffix_list_urls and no cache_dir: the snapshot inside the tldextract package, only.
OFFLINE_EXTRACT: Final = TLDExtract(
    suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True, include_psl_private_domains=True
)


def use_offline_suffix_list() -> None:
    """Point Scrapy's cookie middleware at the bundled public-suffix list (idempotent)."""
    current = getattr(scrapy_cookies, "_split_domain", None)
    if not isinstance(current, TLDExtract):
        # Scrapy changed how it splits domains: fail loudly rather than go online silently.
        raise RuntimeError(
            "scrapy.downloadermiddlewares.cookies no longer has a TLDExtract `_split_domain`: "
            "update crawler/cookies.py for this Scrapy version"
        )
    scrapy_cookies._split_domain = OFFLINE_EXTRACT


class OfflineCookiesMiddleware(CookiesMiddleware):
    """Scrapy's CookiesMiddleware (same settings: COOKIES_ENABLED, COOKIES_DEBUG) using the
    public-suffix list bundled with tldextract, never the network."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        use_offline_suffix_list()
        return super().from_crawler(crawler)
