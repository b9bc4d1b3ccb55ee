"""Scrapy's Referer headers, worked out once per page and target site instead of per request.

Scrapy's `RefererMiddleware` asks the referrer policy for every request a callback yields: a
policy object, the response's `Referrer-Policy` header, then four or five `urlparse` calls and a
`strip_url` of the page's URL, ≈ 40 µs a request, ≈ 1 % of the reactor thread (issue 9), for
an answer that is the same for every link of a page to one site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from scrapy.spidermiddlewares.referer import RefererMiddleware, ReferrerPolicy
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings

# Answers kept at most: a page's links lead to a handful of sites, a crawl has ≈ 100 pages
# being scraped at once.
_MEMO_SIZE: Final = 1024
_SCRAPYS: Final = "scrapy.spidermiddlewares.referer"


class QuickRefererMiddleware(RefererMiddleware):
    """Scrapy's Referer middleware, remembering the default policy's answers.

    Scrapy's own policies (W3C's and "scrapy-default") answer from the page's URL and the
    target's origin alone: scheme, host and port, which the target's scheme and netloc
    determine. So with the default policy (none in the request's meta, no `Referrer-Policy`
    header on the page) the answer is kept by (page URL, target scheme, target netloc). Any other
    case, and a policy class of another module (REFERRER_POLICY may name any), goes to Scrapy's.
    """

    def __init__(self, settings: BaseSettings | None = None) -> None:
        super().__init__(settings)
        self._memo: dict[tuple[str, str, str], str | None] = {}
        self._memoizable = _is_scrapys(self.default_policy)

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if (
            response is None
            or not self._memoizable
            or "referrer_policy" in request.meta
            or b"Referrer-Policy" in dict.keys(response.headers)  # Scrapy's normalised key
        ):
            return super().get_processed_request(request, response)
        target = urlparse_cached(request)
        key = (response.url, target.scheme, target.netloc)
        try:
            referrer = self._memo[key]
        except KeyError:
            referrer = self.default_policy().referrer(response.url, request.url)
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = referrer
        if referrer is not None:
            request.headers.setdefault("Referer", referrer)
        return request


def _is_scrapys(policy: type[ReferrerPolicy] | Any) -> bool:
    return isinstance(policy, type) and policy.__module__ == _SCRAPYS
