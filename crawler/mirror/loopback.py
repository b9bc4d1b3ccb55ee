"""Every site of a mirror as a host of its own on 127.0.0.0/8, with no mirror in the crawl's path.

A crawl through `OGI_MIRROR` sends every request to one endpoint, so Scrapy's connection pool
(keyed by scheme, host and port) never holds what a national crawl holds: connections to
thousands of hosts. Here each host name of a mirror tree resolves to an address of its own,
`loopback_address(host)` (127.a.b.c, from a hash of the name), where
`crawler.mirror.server.VirtualHostServer` listens and answers by the `Host` header; the crawl
runs Scrapy's own HTTP handler, TLS included, as against the real sites.

`LoopbackResolver` is the crawl's side: `TWISTED_DNS_RESOLVER =
"crawler.mirror.loopback.LoopbackResolver"` with `OGI_LOOPBACK_PORT` the server's port (every
address listens on the same one; a URL's own port is replaced by it, so https and http both
reach the server, which tells TLS from plain HTTP by the first byte).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from zope.interface import implementer  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.crawler import Crawler
    from twisted.internet.interfaces import IAddress


def loopback_address(host: str) -> str:
    """The loopback address of a host name (without its port): 127.a.b.c, c in 1…254.

    A hash, so that the crawl and the server agree with nothing shared but the name; two names
    may share an address (about one pair in 3 000 names), which costs nothing: the server
    answers by the `Host` header.
    """
    digest = hashlib.sha256(host.lower().rstrip(".").encode("utf-8")).digest()
    return f"127.{digest[0]}.{digest[1]}.{1 + digest[2] % 254}"


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:  # answered at once: nothing to cancel
        pass


@implementer(IHostnameResolver)
class LoopbackResolver:
    """Resolves every host name to `loopback_address(name)` at `OGI_LOOPBACK_PORT`."""

    def __init__(self, reactor: Any, port: int) -> None:
        self.reactor = reactor
        self.port = port

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> LoopbackResolver:
        port = crawler.settings.getint("OGI_LOOPBACK_PORT")
        if not 0 < port < 65536:
            raise NotConfigured("LoopbackResolver needs OGI_LOOPBACK_PORT, the server's port")
        return cls(reactor, port)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(  # Twisted's interface
        self,
        resolutionReceiver: Any,  # an IResolutionReceiver (zope interfaces elude mypy)
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        if addressTypes is None or IPv4Address in addressTypes:
            resolutionReceiver.addressResolved(
                IPv4Address("TCP", loopback_address(hostName), self.port)
            )
        resolutionReceiver.resolutionComplete()
        return resolution
