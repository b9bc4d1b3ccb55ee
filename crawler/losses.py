"""What a crawl could not fetch or store: lost pages and documents, and storage failures.

Nothing is lost silently. A list page, report page or attachment that fails for good (5xx after
the retries, a tarpit's timeouts, a redirect loop, a gzip bomb, a body over the size limit, a
connection that never answers) is a `FetchFailure`: its URL, the reason, the attempts made.
`Losses` collects them per county during the crawl (stats `lost/pages`, `lost/documents`); the
summary (`crawler.extensions`) makes the county `degraded` with the count, prints every one, and
stores them (`ReportStore.record_fetch_failures`, table `fetch_failures`), which the next crawl
replaces with its own: a URL fetched again leaves the table, one still failing counts one more
crawl.

A storage failure (a full disk, a read-only or broken database) is not the site's fault and not
a lost document: `storage_failure()` recognises one, `Losses.storage_failed` records its one-line
reason (stat `store/failure`) and stops the crawl: every further document would be lost the same
way. The county's status is then `storage_failed` and the command exits 1.

Every rule here is a small function on the request, the failure or the exception, so another
crawl engine can call them from its own callbacks.
"""

from __future__ import annotations

import errno
import logging
import weakref
from typing import TYPE_CHECKING, Any, Final

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro

from models.records import FetchFailure, FetchKind
from models.store import StoreError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

LOST_PAGES_STAT: Final = "lost/pages"
LOST_DOCUMENTS_STAT: Final = "lost/documents"
ROBOTS_STAT: Final = "pages/robots_forbidden"  # list pages robots.txt forbids (not a loss)
STORAGE_STAT: Final = "store/failure"  # the first storage failure, one line
STORAGE_CLOSE_REASON: Final = "storage_failure"

# Scrapy's messages for the IgnoreRequest it raises when it gives up on a response.
_REDIRECT_LOOP: Final = "max redirections reached"
_DECOMPRESSION_LIMIT: Final = "during decompression"
_ROBOTS: Final = "Forbidden by robots.txt"
# Errors of the file system that say "the machine cannot store", whatever file was written.
_STORAGE_ERRNOS: Final = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}
)
# SQLite's and PostgreSQL's words for the same (sqlite3.OperationalError, psycopg errors).
_STORAGE_MESSAGES: Final = (
    "database or disk is full",
    "disk i/o error",
    "readonly database",
    "unable to open database",
    "file is not a database",
    "database disk image is malformed",
    "no space left on device",
    "could not extend file",
    "read-only transaction",
    "could not connect to server",
    "connection to server",
)


def attempts_of(request: Request | None) -> int:
    """How many times the request was sent (the retry middleware counts the retries)."""
    if request is None:
        return 1
    return int(request.meta.get("retry_times", 0)) + 1


def loss_reason(failure: Failure) -> str | None:
    """Why a request failed for good, or None when its failure loses nothing (a freshness skip,
    robots.txt, a JS challenge, a probe past the end of a list: each reported on its own)."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if _REDIRECT_LOOP in message:
            return "redirect loop (max redirections reached)"
        if message.startswith("redirect loop"):
            return message
        if _DECOMPRESSION_LIMIT in message:
            return "body over the size limit once decompressed (DOWNLOAD_MAXSIZE): a gzip bomb?"
        return None
    if storage_failure(exc) is not None:
        return None  # the machine's fault, reported as a storage failure
    return f"{type(exc).__name__}: {exc}".strip()


def is_robots_refusal(failure: Failure) -> bool:
    exc = failure.value
    return isinstance(exc, IgnoreRequest) and _ROBOTS in str(exc)


def storage_failure(exc: BaseException | None) -> str | None:
    """One line naming a storage failure (full disk, read-only or broken database), or None for
    any other error (a bug, a bad document: those lose one document, not the crawl)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _STORAGE_ERRNOS:
            return _one_line(current)
        if isinstance(current, StoreError) and not isinstance(current, LookupError):
            return _one_line(current)  # the store cannot open, or its process died
        text = str(current).lower()
        if _is_database_error(current) and any(m in text for m in _STORAGE_MESSAGES):
            return _one_line(current)
        current = current.__cause__ or current.__context__
    return None


def _is_database_error(exc: BaseException) -> bool:
    module = type(exc).__module__
    return module.startswith(("sqlalchemy", "sqlite3", "psycopg"))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    # SQLAlchemy appends the statement and a link to its docs: the first sentence names it.
    text = text.split(" [SQL:", 1)[0].split(" (Background on this error", 1)[0]
    return f"{type(exc).__name__}: {text}"[:300]


class Losses:
    """Per crawler: the failures of each county's crawl, and the storage failure if any."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.failures: dict[str, dict[str, FetchFailure]] = {}
        self.robots_forbidden: dict[str, list[str]] = {}

    @classmethod
    def of(cls, crawler: Crawler) -> Losses:
        from crawler.services import whole_crawler  # noqa: PLC0415  (services imports this)

        crawler = whole_crawler(crawler)
        losses = _LOSSES.get(crawler)
        if losses is None:
            losses = _LOSSES[crawler] = cls(crawler)
        return losses

    def lose(self, failure: FetchFailure) -> None:
        """Record one URL that could not be fetched (once per URL and crawl)."""
        county = self.failures.setdefault(failure.county_code, {})
        if failure.url in county:
            return
        county[failure.url] = failure
        stats = self.crawler.stats
        assert stats is not None
        with _county_context(failure.county_code):  # the crawl engine: into the county's stats
            stats.inc_value(LOST_PAGES_STAT if failure.kind == "page" else LOST_DOCUMENTS_STAT)
        logger.warning(
            "lost %s %s: %s (%d attempt%s)",
            failure.kind,
            failure.url,
            failure.reason,
            failure.attempts,
            "" if failure.attempts == 1 else "s",
        )

    def lose_request(
        self, request: Request | None, failure: Failure, *, kind: FetchKind, county_code: str
    ) -> bool:
        """Record a request's failure if it lost something; whether it did."""
        if request is None:
            return False
        problem = storage_failure(failure.value)
        if problem is not None:
            self.storage_failed(problem)
            return True
        if is_robots_refusal(failure) and kind == "page":
            self.robots_forbidden.setdefault(county_code, []).append(request.url)
            stats = self.crawler.stats
            assert stats is not None
            with _county_context(county_code):
                stats.inc_value(ROBOTS_STAT)
            return False
        reason = loss_reason(failure)
        if reason is None:
            return False
        self.lose(
            FetchFailure(
                url=request.meta.get("redirect_urls", [request.url])[0],
                county_code=county_code,
                kind=kind,
                reason=reason,
                attempts=attempts_of(request),
            )
        )
        return True

    def of_county(self, county_code: str) -> list[FetchFailure]:
        return list(self.failures.get(county_code, {}).values())

    def storage_failed(self, problem: str) -> None:
        """Record the crawl's (first) storage failure and stop the crawl: one error line."""
        stats = self.crawler.stats
        assert stats is not None
        # The crawl's own stats, not one county's: a storage failure stops every county.
        with _county_context(None):
            if stats.get_value(STORAGE_STAT):
                return
            stats.set_value(STORAGE_STAT, problem)
        logger.error("storage failure, the crawl stops: %s", problem)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=STORAGE_CLOSE_REASON))


_LOSSES: weakref.WeakKeyDictionary[Crawler, Losses] = weakref.WeakKeyDictionary()


def _county_context(code: str | None) -> Any:
    """`crawler.engine.county_context` (imported late: the engine imports the middlewares that
    import this module)."""
    from crawler.engine import county_context  # noqa: PLC0415

    return county_context(code)
