"""Open connections bounded at any number of sites: Scrapy's HTTP handler with a bounded pool.

Scrapy's HTTP/1.1 handler keeps idle keep-alive connections in Twisted's `HTTPConnectionPool`,
per (scheme, host, port), up to `CONCURRENT_REQUESTS_PER_DOMAIN` each, for 240 s. One site is
fine; in a crawl of thousands of sites, each finishing after a minute, the idle connections of
the finished ones pile up: hundreds of sockets, then thousands (a default Linux box stops a
process at 1 024 descriptors). `SiteHTTPDownloadHandler` is Scrapy's handler with a
`BoundedConnectionPool`:

* at most `OGI_IDLE_CONNECTIONS` idle connections over all hosts (default
  `CONCURRENT_REQUESTS`), the longest idle closed first; with at most `CONCURRENT_REQUESTS`
  connections busy, the process never holds more than twice that;
* a county's idle connections are closed as soon as the county finishes (`county_closed`):
  nothing will be asked of its site again in this crawl;
* an idle connection is closed after `OGI_IDLE_CONNECTION_TIMEOUT` seconds (servers close
  theirs after 5–75 s anyway).
"""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING, Any, Final

from twisted.web.client import HTTPConnectionPool

from crawler.counties import BY_COUNTY_CODE
from crawler.engine import county_closed, slot_of
from crawler.scrapytls import HTTP11DownloadHandler  # Scrapy's, imported cheaply

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_KEY: Final = "_ogi_pool_key"  # the pool key a cached connection is filed under


class BoundedConnectionPool(HTTPConnectionPool):
    """Twisted's pool with a bound on idle connections over all hosts (see the module).

    Built on the pool's own bookkeeping (`_connections` by key, `_timeouts` by connection; its
    two methods that file and remove an idle connection are replaced): `_timeouts` holds one
    entry per idle connection, in the order they became idle (a dict keeps insertion order), so
    its first entry is the one to close first.
    """

    def __init__(self, reactor: Any, *, max_idle: int, idle_timeout: float) -> None:
        super().__init__(reactor, persistent=True)  # type: ignore[no-untyped-call]
        self.max_idle = max(0, max_idle)
        self.cachedConnectionTimeout = idle_timeout  # type: ignore[assignment]  # any number
        self.closed_for_bound = 0  # idle connections closed to keep the bound (for tests)

    @property
    def idle(self) -> int:
        """Idle connections held now."""
        return len(self._timeouts)

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
        while len(self._timeouts) > self.max_idle:
            oldest = next(iter(self._timeouts))
            self._removeConnection(getattr(oldest, _KEY), oldest)
            self.closed_for_bound += 1

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


_POOLS: weakref.WeakKeyDictionary[Crawler, BoundedConnectionPool] = weakref.WeakKeyDictionary()


class SiteHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler with a `BoundedConnectionPool` (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        from twisted.internet import reactor  # noqa: PLC0415  # as Scrapy's handler does

        # One pool for the crawl: Scrapy makes a handler for http and another for https, and
        # the bound is over all connections.
        pool = _POOLS.get(crawler)
        if pool is None:
            settings = crawler.settings
            max_idle = settings.getint("OGI_IDLE_CONNECTIONS") or settings.getint(
                "CONCURRENT_REQUESTS"
            )
            pool = _POOLS[crawler] = BoundedConnectionPool(
                reactor,
                max_idle=max_idle,
                idle_timeout=settings.getfloat("OGI_IDLE_CONNECTION_TIMEOUT") or 60.0,
            )
            pool.maxPersistentPerHost = self._pool.maxPersistentPerHost
            pool._factory = self._pool._factory
        self._pool = pool
        crawler.signals.connect(self.county_closed, signal=county_closed)

    @property
    def pool(self) -> BoundedConnectionPool:
        assert isinstance(self._pool, BoundedConnectionPool)
        return self._pool

    def county_closed(self, navigator: Spider, **_kwargs: Any) -> None:
        county = BY_COUNTY_CODE.get(getattr(navigator, "county_code", "") or "")
        if county is not None and county.site:
            closed = self.pool.close_site(slot_of(county))
            if closed:
                logger.debug("%s: closed %d idle connections", navigator.name, closed)
