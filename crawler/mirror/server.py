"""Serving a mirror tree over HTTP: `MirrorServer` (one endpoint, `/<host>/<path>`, what
`OGI_MIRROR=<URL>` forwards to) and `VirtualHostServer` (every host of the tree on its own
loopback address, answered by the `Host` header, over TLS or plain HTTP: see
`crawler.mirror.loopback`). Both answer through `crawler.mirror.tree.resolve()` and log what
they answered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import logging
import selectors
import socket
import ssl
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final, Self

from crawler.mirror.loopback import loopback_address
from crawler.mirror.tree import (
    DEFAULT_PORTS,
    MISSING_HOST_HEADER,
    MISSING_HOST_VALUE,
    HostNotInMirror,
    MirrorError,
    resolve,
    simple_answer,
    small_page,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request a `MirrorServer` answered."""

    method: str
    url: str  # the real URL the request stood for (https unless X-Forwarded-Proto said http)
    status: int
    conditional: bool  # it carried If-None-Match or If-Modified-Since
    at: float  # time.monotonic() when it arrived (its headers read): for politeness checks
    headers: dict[str, str] = field(default_factory=dict)


class _MirrorRequestHandler(BaseHTTPRequestHandler):
    server: _MirrorHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "ogi-mirror/1"

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _real_url(self) -> str:
        """The real URL a request target stands for."""
        if self.path.startswith(("http://", "https://")):  # proxy-style absolute form
            return self.path
        key, _, rest = self.path.lstrip("/").partition("/")
        scheme = self.headers.get("X-Forwarded-Proto", "https")
        if scheme not in DEFAULT_PORTS:
            scheme = "https"
        return f"{scheme}://{key}/{rest}"

    def _serve(self) -> None:
        arrived = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = self._real_url()
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            answer = resolve(self.server.root, self.command, url, headers, body)
        except HostNotInMirror as exc:
            answer = simple_answer(502, small_page(502, str(exc)))
            answer.headers.append((MISSING_HOST_HEADER, MISSING_HOST_VALUE))
        except MirrorError as exc:
            logger.error("%s", exc)
            answer = simple_answer(500, small_page(500, str(exc)))
        if answer.delay:
            time.sleep(answer.delay)
        self.server.record(
            LoggedRequest(
                method=self.command,
                url=url,
                status=answer.status,
                conditional="if-none-match" in headers or "if-modified-since" in headers,
                at=arrived,
                headers=headers,
            )
        )
        self.send_response(answer.status)
        for name, value in answer.headers:
            if name.lower() not in {"content-length", "server", "date", "connection"}:
                self.send_header(name, value)
        if answer.status != 304:
            self.send_header(
                "Content-Length", answer.header("Content-Length") or str(len(answer.body))
            )
        self.end_headers()
        if self.command != "HEAD" and answer.status != 304:
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _MirrorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: with 22 crawlers opening connections at once,
    # connections would be refused or their SYNs dropped and retried for seconds.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], root: Path, *, verbose: bool) -> None:
        super().__init__(address, _MirrorRequestHandler)
        self.root = root
        self.verbose = verbose
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A crawler that gave up on a slow answer (a tarpit's timeout) closes the connection:
        # the client's business, not a traceback on the server's stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class MirrorServer:
    """Serve a mirror tree over HTTP as `/<host>/<path>?<query>`, with a request log.

    It also answers absolute-form targets (`GET http://host/path`), so a browser told to use it
    as its HTTP proxy browses the mirror under the real (http) URLs.

    `start()` binds (port 0 picks a free one) and serves in a daemon thread, returning the base
    URL to give as `OGI_MIRROR`; `stop()` shuts it down; `serve_forever()` serves in the caller's
    thread (the `servemirror` command). Also a context manager.
    """

    def __init__(
        self, root: Path, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False
    ) -> None:
        if not root.is_dir():
            raise ValueError(f"mirror {root} is not a directory")
        self.root = root.resolve()
        self._httpd = _MirrorHTTPServer((host, port), self.root, verbose=verbose)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of the requests answered so far, in order."""
        with self._httpd._lock:
            return list(self._httpd.log)

    def clear_log(self) -> None:
        with self._httpd._lock:
            self._httpd.log.clear()

    def start(self) -> str:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="mirror-server", daemon=True
        )
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# -- Every host on its own loopback address -----------------------------------------------------

_TLS_HANDSHAKE: Final = 0x16  # the first byte of a TLS ClientHello record


class _Certificates:
    """Throwaway self-signed certificates, one per host name asked for (SNI), made on first use:
    Scrapy does not verify the issuer (`DOWNLOADER_CLIENTCONTEXTFACTORY`'s default) but warns
    when the name differs, once per connection."""

    def __init__(self, directory: Path) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415  # only here

        self.directory = directory
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.default = self.context_for("ogi-mirror.invalid")
        self.default.sni_callback = self._choose

    def _choose(self, connection: ssl.SSLObject, name: str | None, _default: Any) -> None:
        if name:
            connection.context = self.context_for(name)

    def context_for(self, host: str) -> ssl.SSLContext:
        with self._lock:
            context = self._contexts.get(host)
            if context is None:
                context = self._contexts[host] = self._make(host)
            return context

    def _make(self, host: str) -> ssl.SSLContext:
        from cryptography import x509  # noqa: PLC0415
        from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
        from cryptography.x509.oid import NameOID  # noqa: PLC0415

        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        stem = hashlib.sha256(host.encode()).hexdigest()[:24]
        cert_file, key_file = self.directory / f"{stem}.pem", self.directory / f"{stem}.key"
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            self._key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context


class _VirtualHostRequestHandler(_MirrorRequestHandler):
    server: _VirtualHostHTTPServer

    def _real_url(self) -> str:
        scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
        return f"{scheme}://{self.headers.get('Host', '')}{self.path}"


class _VirtualHostHTTPServer(_MirrorHTTPServer):
    """One listening socket per loopback address, one thread per connection (socketserver's
    loop serves one socket: `serve_forever` here selects over all of them)."""

    def __init__(
        self, addresses: list[str], root: Path, tls: ssl.SSLContext, *, verbose: bool
    ) -> None:
        ThreadingHTTPServer.__init__(
            self, (addresses[0], 0), _VirtualHostRequestHandler, bind_and_activate=False
        )
        self.root = root
        self.verbose = verbose
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self.tls = tls
        self.listeners = self._listen(addresses)
        self.server_address = self.listeners[0].getsockname()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    def _listen(self, addresses: list[str]) -> list[socket.socket]:
        """Bind every address on one port (the first address's free port; another is tried
        when one of the others has it taken)."""
        for _attempt in range(20):
            listeners: list[socket.socket] = []
            port = 0
            try:
                for address in addresses:
                    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    listeners.append(listener)
                    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    listener.bind((address, port))
                    listener.listen(self.request_queue_size)
                    listener.setblocking(False)
                    port = listener.getsockname()[1]
            except OSError as exc:
                for listener in listeners:
                    listener.close()
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue
            return listeners
        raise OSError(errno.EADDRINUSE, "no port free on every loopback address")

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                for listener in self.listeners:
                    selector.register(listener, selectors.EVENT_READ)
                while not self._stopping.is_set():
                    for key, _events in selector.select(poll_interval):
                        listening = key.fileobj
                        assert isinstance(listening, socket.socket)
                        try:
                            connection, client = listening.accept()
                        except (BlockingIOError, InterruptedError):
                            continue
                        connection.setblocking(True)
                        self.process_request(connection, client)
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self._stopping.set()
        self._stopped.wait()

    def server_close(self) -> None:
        for listener in self.listeners:
            listener.close()
        super().server_close()

    def finish_request(self, request: Any, client_address: Any) -> None:
        """TLS or plain HTTP, told by the first byte the client sends."""
        with contextlib.suppress(OSError):
            first = request.recv(1, socket.MSG_PEEK)
            if first and first[0] == _TLS_HANDSHAKE:
                # The wrapped socket takes the descriptor over: socketserver would close the
                # plain one, now empty, so the wrapped one is closed here.
                with self.tls.wrap_socket(request, server_side=True) as secure:
                    _VirtualHostRequestHandler(secure, client_address, self)
            elif first:
                _VirtualHostRequestHandler(request, client_address, self)


class VirtualHostServer(MirrorServer):
    """Serve each host of a mirror tree at `loopback_address(host)`, all on one port, over TLS
    (a throwaway certificate) or plain HTTP: a crawl resolving names with
    `crawler.mirror.loopback.LoopbackResolver` (`OGI_LOOPBACK_PORT` = `port`) reaches every site
    as a host of its own, through Scrapy's own HTTP handler. Only loopback addresses listen.

    The request log (`requests`) and `start()` / `stop()` are `MirrorServer`'s; `start()`
    returns the port.
    """

    def __init__(self, root: Path, *, verbose: bool = False) -> None:
        if not root.is_dir():
            raise ValueError(f"mirror {root} is not a directory")
        self.root = root.resolve()
        hosts = [
            entry.name.split(":", 1)[0]
            for entry in sorted(self.root.iterdir())
            if entry.is_dir() and not entry.name.startswith(".")
        ]
        if not hosts:
            raise ValueError(f"mirror {root} holds no host directory")
        self.addresses = sorted({loopback_address(host) for host in hosts})
        self._certificates = tempfile.TemporaryDirectory(prefix="ogi-mirror-tls-")
        tls = _Certificates(Path(self._certificates.name)).default
        self._httpd = _VirtualHostHTTPServer(self.addresses, self.root, tls, verbose=verbose)
        self._thread = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"loopback port {self.port} ({len(self.addresses)} addresses)"

    def start(self) -> str:
        super().start()
        return str(self.port)

    def stop(self) -> None:
        super().stop()
        self._certificates.cleanup()
