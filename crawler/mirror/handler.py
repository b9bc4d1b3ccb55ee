"""`OGI_MIRROR`: choosing a mirror (`--mirror`), and the download handler that answers from it.

Without a mirror the handler hands every request to Scrapy's own handler for the scheme, so a
real crawl pays nothing for it (and gets the bounded connection pool of
`crawler.mirror.pool`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    NotConfigured,
    UsageError,
)
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import run_in_thread, sleep
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.mirror.tree import (
    MISSING_HOST_HEADER,
    MISSING_HOST_VALUE,
    HostNotInMirror,
    host_key,
    mirror_url,
    resolve,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

PROJECT_DIR: Final = Path(__file__).resolve().parents[2]
DEMO_MIRROR_DIR: Final = PROJECT_DIR / "tests" / "fixtures" / "web"
"""The bundled fixture web: what `--demo` crawls."""


# -- Choosing a mirror -----------------------------------------------------------------------


def parse_mirror(value: str) -> Path | str:
    """A mirror setting as a directory `Path` or a server base URL; `ValueError` if neither."""
    if value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        if not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"mirror URL {value!r} must be http(s)://host[:port][/path]")
        return value.rstrip("/")
    directory = Path(value).expanduser()
    if not directory.is_dir():
        raise ValueError(f"mirror {value!r} is neither a directory nor an http(s) URL")
    return directory.resolve()


def add_mirror_argument(parser: argparse.ArgumentParser) -> None:
    """Give a command the `--mirror DIR_OR_URL` option (apply it with `apply_mirror_argument`)."""
    parser.add_argument(
        "--mirror",
        metavar="DIR_OR_URL",
        help="answer every request from a saved mirror, a directory in `wget --mirror` layout "
        "(<host>/<path>) or the URL of a server serving one (see `scrapy servemirror`); "
        "sets OGI_MIRROR",
    )


def apply_mirror_argument(settings: BaseSettings, value: str | None) -> None:
    """Set `OGI_MIRROR` from a `--mirror` value at command-line priority, checking it first."""
    if not value:
        return
    try:
        mirror = parse_mirror(value)
    except ValueError as exc:
        raise UsageError(str(exc), print_help=False) from exc
    settings.set("OGI_MIRROR", str(mirror), priority="cmdline")


def crawl_origin(settings: BaseSettings) -> str:
    """Where this crawl's bytes come from, as stored with every source, page and crawl run:
    `live` for the sites themselves, `mirror:<dir or URL>` with `OGI_MIRROR` set."""
    mirror = settings.get("OGI_MIRROR")
    return f"mirror:{mirror}" if mirror else "live"


# -- The download handler -------------------------------------------------------------------


class MirrorDownloadHandler(BaseDownloadHandler):
    """Download handler for http(s) that answers from `OGI_MIRROR` when it is set.

    Without a mirror it hands every request to the handler for the scheme
    (`OGI_HTTP_DOWNLOAD_HANDLER` for http(s), Scrapy's own handler with a bounded connection
    pool; else `DOWNLOAD_HANDLERS_BASE`), so registering it costs the real crawl nothing. With a
    directory it answers from files (`resolve()`, in a thread); with a server URL it forwards
    the request to `mirror_url()` through Scrapy's HTTP handler. The response always carries
    the request's real URL, and a sidecar's `delay` or a body above `DOWNLOAD_MAXSIZE` behave
    as a slow site or an oversized download would.
    """

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._directory: Path | None = None
        self._server: str | None = None
        value = crawler.settings.get("OGI_MIRROR")
        if value:
            try:
                mirror = parse_mirror(str(value))
            except ValueError as exc:
                raise NotConfigured(f"OGI_MIRROR: {exc}") from exc
            if isinstance(mirror, Path):
                self._directory = mirror
            else:
                self._server = mirror
            logger.info("Answering every http(s) request from the mirror %s", mirror)
        self._upstream: dict[str, BaseDownloadHandler] = {}
        self._maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self._timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")

    async def download_request(self, request: Request) -> Response:
        if self._directory is not None:
            return await self._from_directory(request, self._directory)
        if self._server is not None:
            return await self._through_server(request, self._server)
        return await self._handler_for(request.url.split(":", 1)[0]).download_request(request)

    async def close(self) -> None:
        for handler in self._upstream.values():
            await handler.close()

    def _handler_for(self, scheme: str) -> BaseDownloadHandler:
        if scheme not in self._upstream:
            path = self.crawler.settings.getdict("DOWNLOAD_HANDLERS_BASE")[scheme]
            if scheme in {"http", "https"}:
                path = self.crawler.settings.get("OGI_HTTP_DOWNLOAD_HANDLER") or path
            handler: BaseDownloadHandler = build_from_crawler(load_object(path), self.crawler)
            self._upstream[scheme] = handler
        return self._upstream[scheme]

    async def _from_directory(self, request: Request, directory: Path) -> Response:
        headers = {
            key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
            for key, values in request.headers.items()
        }
        answer = await run_in_thread(
            resolve, directory, request.method, request.url, headers, request.body
        )
        if answer.delay:
            timeout = float(request.meta.get("download_timeout") or self._timeout)
            if answer.delay >= timeout:
                await sleep(timeout)
                raise DownloadTimeoutError(
                    f"Getting {request.url} took longer than {timeout} seconds."
                )
            await sleep(answer.delay)
        maxsize = int(request.meta.get("download_maxsize", self._maxsize))
        if maxsize and len(answer.body) > maxsize:
            raise DownloadCancelledError(
                f"Received {len(answer.body)} bytes which is larger than download max size "
                f"({maxsize}) in request {request}."
            )
        response_headers = Headers()
        for name, value in answer.headers:
            response_headers.appendlist(name, value)
        if not response_headers.get("Content-Length") and answer.status != 304:
            response_headers["Content-Length"] = str(len(answer.body))
        response_cls = responsetypes.from_args(
            headers=response_headers, url=request.url, body=answer.body
        )
        return response_cls(
            url=request.url,
            status=answer.status,
            headers=response_headers,
            body=answer.body,
            protocol="HTTP/1.1",
        )

    async def _through_server(self, request: Request, server: str) -> Response:
        meta = {
            k: v
            for k, v in request.meta.items()
            if k not in {"proxy", "_auth_proxy", "download_slot"}
        }
        headers = request.headers.copy()
        headers.pop(b"Proxy-Authorization", None)
        headers[b"X-Forwarded-Proto"] = request.url.split(":", 1)[0]
        forwarded = Request(
            mirror_url(server, request.url),
            method=request.method,
            headers=headers,
            body=request.body,
            meta=meta,
            dont_filter=True,
        )
        response = await self._handler_for(forwarded.url.split(":", 1)[0]).download_request(
            forwarded
        )
        if "download_latency" in forwarded.meta:
            request.meta["download_latency"] = forwarded.meta["download_latency"]
        if response.status == 502 and response.headers.get(MISSING_HOST_HEADER) == (
            MISSING_HOST_VALUE.encode()
        ):
            raise HostNotInMirror(host_key(request.url), server)
        return response.replace(url=request.url)
