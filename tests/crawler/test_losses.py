"""Which failures lose a page or document, which are storage failures, and how they are kept."""

from __future__ import annotations

import errno
import sqlite3
from typing import Any

import pytest
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from sqlalchemy.exc import IntegrityError, OperationalError
from twisted.python.failure import Failure

from crawler.losses import attempts_of, is_robots_refusal, loss_reason, storage_failure
from models.store import MissingBlobError, StoreConfigError

URL = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/list.html"


def failure_of(exc: BaseException) -> Failure:
    try:
        raise exc
    except BaseException:
        return Failure()


def http_error(status: int) -> HttpError:
    return HttpError(Response(URL, status=status, request=Request(URL)), "Ignoring non-200")


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (http_error(503), "HTTP 503"),
        (http_error(500), "HTTP 500"),
        (DownloadTimeoutError("Getting took longer than 60.0 seconds."), "DownloadTimeoutError"),
        (IgnoreRequest("max redirections reached"), "redirect loop"),
        (
            IgnoreRequest(
                "Ignored response <200 x> because its body (1024 B compressed, 65536 B "
                "decompressed so far) exceeded DOWNLOAD_MAXSIZE (4096 B) during decompression."
            ),
            "gzip bomb",
        ),
        (
            DownloadCancelledError("Received 70000000 bytes which is larger than download max"),
            "larger than download max",
        ),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "Connection refused"),
    ],
)
def test_failures_that_lose_a_page_name_their_reason(exc: BaseException, reason: str) -> None:
    found = loss_reason(failure_of(exc))
    assert found is not None and reason in found


@pytest.mark.parametrize(
    "exc",
    [
        IgnoreRequest("known and fresh: https://x/"),
        IgnoreRequest("Forbidden by robots.txt"),
        IgnoreRequest("JS-cookie challenge at https://x/"),
        OSError(errno.ENOSPC, "No space left on device"),  # the machine's, not the site's
    ],
)
def test_requests_dropped_on_purpose_lose_nothing(exc: BaseException) -> None:
    assert loss_reason(failure_of(exc)) is None


def test_robots_refusals_are_told_apart() -> None:
    assert is_robots_refusal(failure_of(IgnoreRequest("Forbidden by robots.txt")))
    assert not is_robots_refusal(failure_of(IgnoreRequest("max redirections reached")))


def test_attempts_count_the_retries() -> None:
    assert attempts_of(None) == 1
    assert attempts_of(Request(URL)) == 1
    assert attempts_of(Request(URL, meta={"retry_times": 3})) == 4


def database_error(message: str) -> OperationalError:
    return OperationalError("INSERT INTO sources …", {}, sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "Disk quota exceeded"),
        (OSError(errno.EROFS, "Read-only file system"), "Read-only file system"),
        (database_error("database or disk is full"), "database or disk is full"),
        (database_error("attempt to write a readonly database"), "readonly database"),
        (StoreConfigError("OGI_BLOB_DIR setting must be set"), "OGI_BLOB_DIR"),
    ],
)
def test_storage_failures_are_one_line(exc: BaseException, expected: str) -> None:
    line = storage_failure(exc)
    assert line is not None and expected in line
    assert "\n" not in line and "[SQL:" not in line


def test_a_storage_failure_is_found_behind_the_exception_that_reports_it() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("could not store the page") from exc
    except RuntimeError as outer:
        wrapped: Any = outer
    line = storage_failure(wrapped)
    assert line is not None and "No space left on device" in line


@pytest.mark.parametrize(
    "exc",
    [
        OverflowError("Python int too large to convert to SQLite INTEGER"),
        IntegrityError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        MissingBlobError("no blob ab12…"),
        OSError(errno.ECONNREFUSED, "Connection refused"),
        ValueError("database or disk is full"),  # the words, but not from a database
    ],
)
def test_other_errors_are_not_storage_failures(exc: BaseException) -> None:
    assert storage_failure(exc) is None
