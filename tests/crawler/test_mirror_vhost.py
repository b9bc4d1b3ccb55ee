"""Every host of a mirror tree on a loopback address of its own: the server answering by the
`Host` header over TLS or plain HTTP, and the resolver a crawl installs to reach it."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from pathlib import Path
from typing import Any

import pytest
from twisted.internet.address import IPv4Address

from crawler.mirror import LoopbackResolver, VirtualHostServer, loopback_address

HOSTS = ("www.a.gov.cn", "www.b.gov.cn")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for host in HOSTS:
        (tmp_path / host / "xxgk").mkdir(parents=True)
        (tmp_path / host / "xxgk" / "index.html").write_text(f"<html>{host}</html>")
    return tmp_path


def get(
    server: VirtualHostServer, host: str, path: str, *, tls: bool, address: str | None = None
) -> tuple[int, bytes, bytes | None]:
    """Status, body and (over TLS) the server's certificate, asking `host`'s address."""
    address = address or loopback_address(host)
    connection = http.client.HTTPConnection(address, server.port)
    if tls:  # by hand: http.client sends no server name (SNI) to an IP address
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection((address, server.port), timeout=10)
        connection.sock = context.wrap_socket(raw, server_hostname=host)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        body = response.read()
        peer = connection.sock if isinstance(connection.sock, ssl.SSLSocket) else None
        certificate = peer.getpeercert(binary_form=True) if peer is not None else None
        return response.status, body, certificate
    finally:
        connection.close()


def test_loopback_addresses_are_stable_and_usable() -> None:
    addresses = {loopback_address(f"www.site{i}.gov.cn") for i in range(2000)}
    assert loopback_address("WWW.A.gov.cn.") == loopback_address("www.a.gov.cn")
    for address in addresses:
        parsed = ipaddress.IPv4Address(address)
        assert parsed.is_loopback
        assert 1 <= int(address.rsplit(".", 1)[1]) <= 254
    assert len(addresses) > 1990  # a shared address costs nothing, but they are rare


def test_each_host_answers_on_its_own_address_over_tls_and_http(tree: Path) -> None:
    with VirtualHostServer(tree) as server:
        assert server.addresses == sorted({loopback_address(h) for h in HOSTS})
        secure = get(server, HOSTS[0], "/xxgk/", tls=True)
        plain = get(server, HOSTS[1], "/xxgk/", tls=False)
        missing = get(server, HOSTS[0], "/nothing.html", tls=True)
        log = server.requests
    assert (secure[0], secure[1]) == (200, b"<html>www.a.gov.cn</html>")
    assert (plain[0], plain[1]) == (200, b"<html>www.b.gov.cn</html>")
    assert missing[0] == 404
    assert [(r.url, r.status) for r in log] == [
        ("https://www.a.gov.cn/xxgk/", 200),
        ("http://www.b.gov.cn/xxgk/", 200),
        ("https://www.a.gov.cn/nothing.html", 404),
    ]


def test_a_host_not_in_the_tree_is_unreachable(tree: Path) -> None:
    with VirtualHostServer(tree) as server:
        with pytest.raises(ConnectionRefusedError):  # nothing listens on its address
            get(server, "www.elsewhere.gov.cn", "/", tls=False)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
        # A known host's address asked for another name: the mirror's "host not in mirror".
        elsewhere = get(
            server, "www.elsewhere.gov.cn", "/", tls=True, address=loopback_address(HOSTS[0])
        )
    assert elsewhere[0] == 502


def test_the_certificate_names_the_host_asked_for(tree: Path) -> None:
    from cryptography import x509

    with VirtualHostServer(tree) as server:
        _status, _body, der = get(server, HOSTS[1], "/xxgk/", tls=True)
    assert der is not None
    names = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert names.value.get_values_for_type(x509.DNSName) == [HOSTS[1]]


def test_only_loopback_addresses_listen(tree: Path) -> None:
    with VirtualHostServer(tree) as server:
        bound = [listener.getsockname()[0] for listener in server._httpd.listeners]
    assert bound and all(ipaddress.IPv4Address(a).is_loopback for a in bound)


class Receiver:
    def __init__(self) -> None:
        self.addresses: list[Any] = []
        self.began = self.completed = False

    def resolutionBegan(self, resolution: Any) -> None:  # Twisted's name
        self.began = True

    def addressResolved(self, address: Any) -> None:  # Twisted's name
        self.addresses.append(address)

    def resolutionComplete(self) -> None:  # Twisted's name
        self.completed = True


def test_the_resolver_gives_each_name_its_loopback_address_at_the_servers_port() -> None:
    resolver = LoopbackResolver(reactor=None, port=8443)
    receiver = Receiver()
    resolver.resolveHostName(receiver, "www.a.gov.cn", 443)
    assert receiver.began and receiver.completed
    assert receiver.addresses == [IPv4Address("TCP", loopback_address("www.a.gov.cn"), 8443)]
