"""Open connections bounded at any number of sites: Scrapy's HTTP handler with a bounded pool.

Scrapy's HTTP/1.1 handler keeps idle keep-alive connections in Twisted's `HTTPConnectionPool`,
per (scheme, host, port), up to `CONCURRENT_REQUESTS_PER_DOMAIN` each, for 240 s. One site is
fine; in a crawl of thousands of sites, each finishing after a minute, the idle connections of
the finished ones pile up: hundreds of sockets, then thousands (a default Linux box stops a
process at 1 024 descriptors). `SiteHTTPDownloadHandler` is Scrapy's handler with a
`BoundedConnectionPool`:

* by default, idle and busy connections together under 2 × `CONCURRENT_REQUESTS` (a
  sixteenth of it spare for sockets being closed): the handler counts the downloads in
  progress (each holds one connection at most), and the idle ones are held to what is left.
  A fixed cap of half that (the busy ones' bound) closed the idle connection of a county
  between two of its pages whenever more counties were in progress than
  `CONCURRENT_REQUESTS` (100 against 64): at 300 sites, 1 700 connections (TLS handshakes,
  ≈ 10 % of the reactor thread) for 3 000 requests, against 325 unbounded (issue 9).
  `OGI_IDLE_CONNECTIONS` sets a fixed cap on the idle ones instead;
* the idle connection closed to make room is the longest idle of a host holding more than one
  (the spare connections of a site's parallel downloads), else the longest idle of all;
* a county's idle connections are closed as soon as the county finishes (`county_closed`):
  nothing will be asked of its site again in this crawl;
* an idle connection is closed after `OGI_IDLE_CONNECTION_TIMEOUT` seconds (servers close
  theirs after 5–75 s anyway).

Its TLS context factory (`ReusedTLSContextFactory`) is Scrapy's, making its OpenSSL context once
for the crawl instead of once a connection, and its per-host connection creator once a host.
"""

from __future__ import annotations

import logging
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Final

from twisted.web.client import HTTPConnectionPool

from crawler.counties import BY_COUNTY_CODE
from crawler.engine import county_closed, slot_of
from crawler.scrapytls import HTTP11DownloadHandler  # Scrapy's, imported cheaply

# Imported by crawler.scrapytls already (without its deprecation shims' stack walks).
from scrapy.core.downloader.contextfactory import (  # isort: skip
    _ScrapyClientContextFactory,
    _load_context_factory_from_settings,
)

if TYPE_CHECKING:
    from OpenSSL import SSL
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

_KEY: Final = "_ogi_pool_key"  # the pool key a cached connection is filed under


class BoundedConnectionPool(HTTPConnectionPool):
    """Twisted's pool with a bound on idle connections over all hosts (see the module).

    Built on the pool's own bookkeeping (`_connections` by key, `_timeouts` by connection; its
    two methods that file and remove an idle connection are replaced): `_timeouts` holds one
    entry per idle connection, in the order they became idle (a dict keeps insertion order), so
    its first entry is the one to close first.
    """

    def __init__(
        self, reactor: Any, *, max_idle: int, idle_timeout: float, max_open: int = 0
    ) -> None:
        super().__init__(reactor, persistent=True)  # type: ignore[no-untyped-call]
        self.max_idle = max(0, max_idle)
        # Idle + busy at most this (0: no such bound); `busy` is kept by the download handler.
        self.max_open = max(0, max_open)
        self.busy = 0
        self.cachedConnectionTimeout = idle_timeout  # type: ignore[assignment]  # any number
        self.closed_for_bound = 0  # idle connections closed to keep the bound (for tests)

    @property
    def idle(self) -> int:
        """Idle connections held now."""
        return len(self._timeouts)

    @property
    def idle_bound(self) -> int:
        """How many idle connections may be held now."""
        if not self.max_open:
            return self.max_idle
        return max(0, min(self.max_idle, self.max_open - self.busy))

    def _newConnection(self, key: Any, endpoint: Any) -> Any:  # Twisted's name
        """Twisted's, after closing idle connections the new one's download left no room for
        (the download is counted busy already)."""
        self._trim()
        return super()._newConnection(key, endpoint)

    def _trim(self) -> None:
        bound = self.idle_bound
        while len(self._timeouts) > bound:
            victim = self._victim()
            self._removeConnection(getattr(victim, _KEY), victim)
            self.closed_for_bound += 1

    def _victim(self) -> Any:
        """The idle connection to close first: the longest idle of a host holding more than
        one, else the longest idle of all (`_timeouts` is in the order they became idle)."""
        for connection in self._timeouts:
            if len(self._connections.get(getattr(connection, _KEY), ())) > 1:
                return connection
        return next(iter(self._timeouts))

    def _putConnection(self, key: Any, connection: Any) -> None:  # Twisted's name
        """Twisted's, with the bound over all hosts, closing by abort (`_removeConnection`)."""
        if connection.state != "QUIESCENT":  # Twisted logs this as a bug; so do we
            logger.error("a connection that is not quiescent was returned to the pool")
            return
        connections = self._connections.setdefault(key, [])
        if len(connections) >= self.maxPersistentPerHost:
            self._removeConnection(key, connections[0])
            connections = self._connections.setdefault(key, [])
        setattr(connection, _KEY, key)
        connections.append(connection)
        self._timeouts[connection] = self._reactor.callLater(
            self.cachedConnectionTimeout, self._removeConnection, key, connection
        )
        self._trim()

    def _removeConnection(self, key: Any, connection: Any) -> None:  # Twisted's name
        """Close an idle connection and forget it (its timer fired, or it makes room).

        Aborted, not closed gracefully: Twisted's TLS close sends close_notify and keeps the
        socket open until the server answers with its own, which many servers never do (an
        idle keep-alive connection owes nobody a goodbye). Keys left without a connection go:
        thousands of sites would leave thousands of empty lists.
        """
        timer = self._timeouts.pop(connection, None)
        if timer is not None and timer.active():
            timer.cancel()
        connections = self._connections.get(key, [])
        if connection in connections:
            connections.remove(connection)
        if not connections:
            self._connections.pop(key, None)
        connection.transport.abortConnection()

    def close_site(self, domain: str) -> int:
        """Close the idle connections to `domain` and its subdomains; how many were closed."""
        suffix = "." + domain
        closed = 0
        for key, connections in list(self._connections.items()):
            if not connections:  # left by Twisted's getConnection, its connection in use or lost
                del self._connections[key]
                continue
            host = _host_of(key)
            if host is not None and (host == domain or host.endswith(suffix)):
                for connection in list(connections):
                    self._removeConnection(key, connection)
                    closed += 1
        return closed


def _host_of(key: Any) -> str | None:
    """The host of a pool key (scheme, host, port); None for a proxy's key."""
    if isinstance(key, tuple) and len(key) == 3 and key[0] != "http-proxy":
        host = key[1]
        return host.decode("ascii", "replace").lower() if isinstance(host, bytes) else str(host)
    return None


class ReusedTLSContextFactory(_ScrapyClientContextFactory):
    """Scrapy's TLS context factory (same settings, same certificate behaviour), reusing what it
    rebuilt for every connection.

    Scrapy's `creatorForNetloc` makes new `CertificateOptions` for each connection, so a new
    OpenSSL context (method, options, cipher list, verify mode, session id), and a new creator
    (IDNA-encoding the host name): about a tenth of the reactor thread at 300 sites (issue 9).
    The options do not depend on the host, so one is made for the crawl and its context is
    Twisted's cached one (`getContext`; each connection is still a new `SSL.Connection` on it,
    with its own SNI and ALPN). The creator depends on the host only (and holds no state of a
    connection), so one is kept per (host, port), the most recent `CREATORS` of them.
    With `DOWNLOAD_VERIFY_CERTIFICATES` the creator is Twisted's `optionsForClientTLS`, which
    loads the platform's trust store into a context of its own: kept per host the same way.
    """

    CREATORS: Final = 1024  # hosts; a few per county in progress, well under this

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._options: Any = None
        self._creators: OrderedDict[tuple[bytes, int], Any] = OrderedDict()

    def _get_cert_options(self) -> Any:
        if self._options is None:
            self._options = super()._get_cert_options()
        return self._options

    def _get_context(self) -> SSL.Context:
        return self._get_cert_options().getContext()  # type: ignore[no-any-return]

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:  # Twisted's name
        key = (hostname, port)
        creator = self._creators.get(key)
        if creator is None:
            creator = self._creators[key] = super().creatorForNetloc(hostname, port)
            if len(self._creators) > self.CREATORS:
                self._creators.popitem(last=False)
        else:
            self._creators.move_to_end(key)
        return creator


def _context_factory(crawler: Crawler) -> Any:
    """Scrapy's context factory for the crawl's settings, as a `ReusedTLSContextFactory` unless
    a (deprecated) `DOWNLOADER_CLIENTCONTEXTFACTORY` names another class."""
    if crawler.settings["DOWNLOADER_CLIENTCONTEXTFACTORY"] != "SENTINEL":  # Scrapy's "unset"
        return _load_context_factory_from_settings(crawler)
    return ReusedTLSContextFactory.from_crawler(crawler, method=_tls_method(crawler))


def _tls_method(crawler: Crawler) -> int:
    from scrapy.core.downloader.tls import _openssl_methods  # noqa: PLC0415  # imported already

    return _openssl_methods[crawler.settings["DOWNLOADER_CLIENT_TLS_METHOD"]]


_POOLS: weakref.WeakKeyDictionary[Crawler, BoundedConnectionPool] = weakref.WeakKeyDictionary()
_FACTORIES: weakref.WeakKeyDictionary[Crawler, Any] = weakref.WeakKeyDictionary()


class SiteHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler with a `BoundedConnectionPool` (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # One TLS context factory for the crawl (Scrapy makes one per handler: http and https).
        factory = _FACTORIES.get(crawler)
        if factory is None:
            factory = _FACTORIES[crawler] = _context_factory(crawler)
        self._contextFactory = factory
        from twisted.internet import reactor  # noqa: PLC0415  # as Scrapy's handler does

        # One pool for the crawl: Scrapy makes a handler for http and another for https, and
        # the bound is over all connections.
        pool = _POOLS.get(crawler)
        if pool is None:
            settings = crawler.settings
            fixed = settings.getint("OGI_IDLE_CONNECTIONS")
            in_flight = settings.getint("CONCURRENT_REQUESTS")
            # A little under twice the requests in flight: an idle connection closed to make
            # room keeps its socket until the reactor's next turn, the new one opens at once.
            max_open = 0 if fixed else max(1, 2 * in_flight - max(1, in_flight // 16))
            pool = _POOLS[crawler] = BoundedConnectionPool(
                reactor,
                max_idle=fixed or max_open,
                idle_timeout=settings.getfloat("OGI_IDLE_CONNECTION_TIMEOUT") or 60.0,
                max_open=max_open,
            )
            pool.maxPersistentPerHost = self._pool.maxPersistentPerHost
            pool._factory = self._pool._factory
            # Once per pool, not per handler: each close scans the pool's hosts.
            crawler.signals.connect(self.county_closed, signal=county_closed)
        self._pool = pool

    @property
    def pool(self) -> BoundedConnectionPool:
        assert isinstance(self._pool, BoundedConnectionPool)
        return self._pool

    async def download_request(self, request: Request) -> Response:
        """Scrapy's, counted busy while it runs: it holds one connection at most."""
        pool = self.pool
        pool.busy += 1
        try:
            return await super().download_request(request)
        finally:
            pool.busy -= 1

    def county_closed(self, navigator: Spider, **_kwargs: Any) -> None:
        county = BY_COUNTY_CODE.get(getattr(navigator, "county_code", "") or "")
        if county is not None and county.site:
            closed = self.pool.close_site(slot_of(county))
            if closed:
                logger.debug("%s: closed %d idle connections", navigator.name, closed)
