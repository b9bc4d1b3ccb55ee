"""The bounded connection pool: idle connections over all hosts held under a bound (fixed, or
what the busy ones leave of the bound on all), the spare ones of a host then the oldest closed
first, a finished county's closed at once; one TLS context for the crawl and one creator per
host (crawler/connections.py)."""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.tls import _ScrapyClientTLSOptions26
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from crawler.connections import (
    BoundedConnectionPool,
    ReusedTLSContextFactory,
    SiteHTTPDownloadHandler,
    _context_factory,
)
from crawler.counties import BY_SLUG


class Transport:
    def __init__(self) -> None:
        self.closed = False

    def abortConnection(self) -> None:  # Twisted's name
        self.closed = True


class Connection:
    """What the pool files: a quiescent HTTP/1.1 client protocol with its transport."""

    state = "QUIESCENT"

    def __init__(self, name: str) -> None:
        self.name = name
        self.transport = Transport()

    def __repr__(self) -> str:
        return self.name


def key(host: str) -> tuple[bytes, bytes, int]:
    return (b"https", host.encode(), 443)


def pool(
    max_idle: int, timeout: float = 60.0, max_open: int = 0
) -> tuple[BoundedConnectionPool, Clock]:
    clock = Clock()
    made = BoundedConnectionPool(clock, max_idle=max_idle, idle_timeout=timeout, max_open=max_open)
    made.maxPersistentPerHost = 4
    return made, clock


def test_idle_connections_over_all_hosts_stay_under_the_bound_oldest_closed_first() -> None:
    connections, clock = pool(max_idle=5)
    made = [Connection(f"c{i}") for i in range(12)]
    for i, connection in enumerate(made):
        connections._putConnection(key(f"www.site{i}.gov.cn"), connection)
        assert connections.idle <= 5
    assert [c.transport.closed for c in made] == [True] * 7 + [False] * 5
    assert connections.closed_for_bound == 7
    # The closed ones are forgotten, timers and empty keys included: no growth with the sites.
    assert len(connections._connections) == 5
    assert len(clock.getDelayedCalls()) == 5


def test_idle_and_busy_connections_together_stay_under_the_open_bound() -> None:
    connections, _clock = pool(max_idle=8, max_open=8)
    connections.busy = 5
    made = [Connection(f"c{i}") for i in range(6)]
    for i, connection in enumerate(made):
        connections._putConnection(key(f"www.site{i}.gov.cn"), connection)
    assert connections.idle == 3  # 8 − 5 busy
    assert [c.transport.closed for c in made] == [True] * 3 + [False] * 3
    # Fewer downloads leave more room for idle connections, never more than max_idle.
    connections.busy = 0
    more = [Connection(f"d{i}") for i in range(8)]
    for i, connection in enumerate(more):
        connections._putConnection(key(f"www.other{i}.gov.cn"), connection)
    assert connections.idle == 8


class Endpoint:
    def __init__(self) -> None:
        self.connects = 0

    def connect(self, factory: Any) -> Deferred[Any]:
        self.connects += 1
        return Deferred()


def test_a_new_connection_makes_room_among_the_idle_ones() -> None:
    connections, _clock = pool(max_idle=4, max_open=4)
    made = [Connection(f"c{i}") for i in range(4)]
    for i, connection in enumerate(made):
        connections._putConnection(key(f"www.site{i}.gov.cn"), connection)
    assert connections.idle == 4
    connections._factory = lambda *_args: None  # never called: the endpoint does not connect
    endpoint = Endpoint()
    connections.busy = 1  # the handler counts the download before it asks for a connection
    connections.getConnection(key("www.new.gov.cn"), endpoint)
    assert endpoint.connects == 1
    assert connections.idle == 3  # idle 3 + busy 1 = 4 open at most
    assert made[0].transport.closed


def test_a_hosts_spare_idle_connections_are_closed_before_another_hosts_only_one() -> None:
    connections, _clock = pool(max_idle=3)
    lone = Connection("lone")
    connections._putConnection(key("www.a.gov.cn"), lone)
    spares = [Connection(f"b{i}") for i in range(3)]
    for connection in spares:
        connections._putConnection(key("www.b.gov.cn"), connection)
    assert not lone.transport.closed  # the oldest, but its host's only connection
    assert [c.transport.closed for c in spares] == [True, False, False]


def test_a_reused_connection_becomes_the_newest() -> None:
    connections, _clock = pool(max_idle=2)
    first, second, third = Connection("a"), Connection("b"), Connection("c")
    connections._putConnection(key("www.a.gov.cn"), first)
    connections._putConnection(key("www.b.gov.cn"), second)
    taken: list[Any] = []
    connections.getConnection(key("www.a.gov.cn"), endpoint=None).addCallback(taken.append)
    assert taken and taken[0]._clientProtocol is first  # Twisted's retrying wrapper
    connections._putConnection(key("www.a.gov.cn"), first)
    connections._putConnection(key("www.c.gov.cn"), third)
    assert (first.transport.closed, second.transport.closed, third.transport.closed) == (
        False,
        True,
        False,
    )


def test_idle_connections_time_out() -> None:
    connections, clock = pool(max_idle=10, timeout=30)
    connection = Connection("a")
    connections._putConnection(key("www.a.gov.cn"), connection)
    clock.advance(29)
    assert not connection.transport.closed
    clock.advance(2)
    assert connection.transport.closed
    assert connections.idle == 0
    assert connections._connections == {}


def test_close_site_closes_a_domain_and_its_subdomains_only() -> None:
    connections, clock = pool(max_idle=10)
    hosts = ["www.yanchi.gov.cn", "xxgk.yanchi.gov.cn", "yanchi.gov.cn", "www.notyanchi.gov.cn"]
    made = {host: Connection(host) for host in hosts}
    for host, connection in made.items():
        connections._putConnection(key(host), connection)
    assert connections.close_site("yanchi.gov.cn") == 3
    assert [made[h].transport.closed for h in hosts] == [True, True, True, False]
    assert connections.idle == 1
    assert len(clock.getDelayedCalls()) == 1


def test_the_handler_closes_a_finished_countys_connections() -> None:
    # Built without Scrapy's constructor, which needs an installed reactor: the crawl test
    # (test_sockets) covers the handler as Scrapy builds it.
    handler = SiteHTTPDownloadHandler.__new__(SiteHTTPDownloadHandler)
    handler._pool, _clock = pool(max_idle=8)
    county = BY_SLUG["yanchi"]
    ours, other = Connection(county.site), Connection(BY_SLUG["helan"].site)
    handler.pool._putConnection(key(county.site), ours)
    handler.pool._putConnection(key(BY_SLUG["helan"].site), other)

    class Navigator:
        name = "yanchi"
        county_code = county.code

    handler.county_closed(navigator=Navigator(), stats={}, reason="finished")
    assert ours.transport.closed
    assert not other.transport.closed
    assert handler.pool.idle == 1


def test_one_tls_context_for_the_crawl_and_one_creator_per_host() -> None:
    factory = _context_factory(get_crawler())
    assert isinstance(factory, ReusedTLSContextFactory)
    first = factory.creatorForNetloc(b"www.yanchi.gov.cn", 443)
    assert factory.creatorForNetloc(b"www.yanchi.gov.cn", 443) is first
    other = factory.creatorForNetloc(b"www.helan.gov.cn", 443)
    assert other is not first
    # Scrapy's creator (certificates not verified, a mismatch only logged), on one context.
    assert isinstance(first, _ScrapyClientTLSOptions26)
    assert first._createConnection.__self__ is other._createConnection.__self__
    assert first._hostnameASCII == "www.yanchi.gov.cn"
    context = first._createConnection.__self__.getContext()
    assert factory._get_context() is context
    assert context.set_options(0) & 0x4  # Scrapy's OP_LEGACY_SERVER_CONNECT kept (0 adds none)


def test_tls_creators_are_kept_for_the_most_recent_hosts_only() -> None:
    factory = _context_factory(get_crawler())
    factory.CREATORS = 3
    first = factory.creatorForNetloc(b"a.gov.cn", 443)
    for host in (b"b.gov.cn", b"c.gov.cn", b"a.gov.cn", b"d.gov.cn"):  # a used again: kept
        factory.creatorForNetloc(host, 443)
    assert factory.creatorForNetloc(b"a.gov.cn", 443) is first
    assert len(factory._creators) == 3
    assert (b"b.gov.cn", 443) not in factory._creators


def test_verified_certificates_keep_twisteds_verifying_creator_per_host() -> None:
    factory = _context_factory(get_crawler(settings_dict={"DOWNLOAD_VERIFY_CERTIFICATES": True}))
    creator = factory.creatorForNetloc(b"www.yanchi.gov.cn", 443)
    assert not isinstance(creator, _ScrapyClientTLSOptions26)  # Twisted's, verifying
    assert factory.creatorForNetloc(b"www.yanchi.gov.cn", 443) is creator
