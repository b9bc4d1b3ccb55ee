"""The mirror server (crawler/mirror/server.py): serving a tree over HTTP and as an HTTP
proxy, conditional requests, the search route by POST, its request log, a backlog of many
connections at once, and the `scrapy servemirror` command."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from crawler.mirror import MISSING_HOST_HEADER, MirrorServer
from tests.conftest import PROJECT_DIR
from tests.crawler.mirrors import HOST
from tests.support.http import fetch


def test_server_serves_the_tree_and_logs_requests(tree: Path) -> None:
    with MirrorServer(tree) as server:
        assert server.url.startswith("http://127.0.0.1:")
        status, headers, body = fetch(f"{server.url}/{HOST}/xxgk/list.html")
        assert (status, body) == (200, b"<html><body>list</body></html>")
        status, _, body = fetch(
            f"{server.url}/{HOST}/xxgk/list.html", If_None_Match=headers["ETag"]
        )
        assert (status, body) == (304, b"")
        status, headers, _ = fetch(f"{server.url}/{HOST}/gbk.html", X_Forwarded_Proto="http")
        assert headers["Content-Type"] == "text/html; charset=gbk"
        assert fetch(f"{server.url}/{HOST}/nope.html")[0] == 404
        status, headers, _ = fetch(f"{server.url}/www.nxhy.gov.cn/")
        assert (status, headers[MISSING_HOST_HEADER]) == (502, "host-not-in-mirror")
        assert fetch(f"{server.url}/www.blocked.gov.cn/robots.txt")[0] == 412
        log = [(r.method, r.url, r.status, r.conditional) for r in server.requests]
    assert log == [
        ("GET", f"https://{HOST}/xxgk/list.html", 200, False),
        ("GET", f"https://{HOST}/xxgk/list.html", 304, True),
        ("GET", f"http://{HOST}/gbk.html", 200, False),
        ("GET", f"https://{HOST}/nope.html", 404, False),
        ("GET", "https://www.nxhy.gov.cn/", 502, False),
        ("GET", "https://www.blocked.gov.cn/robots.txt", 412, False),
    ]


def test_server_logs_when_each_request_arrived(tree: Path) -> None:
    with MirrorServer(tree) as server:
        before = time.monotonic()
        fetch(f"{server.url}/{HOST}/xxgk/list.html")
        fetch(f"{server.url}/{HOST}/nope.html")
        after = time.monotonic()
        first, second = server.requests
    assert before <= first.at <= second.at <= after


def test_server_queues_many_connections_at_once(tree: Path) -> None:
    server = MirrorServer(tree)  # listening, not yet accepting: connections wait in its queue
    try:
        host, port = server.url.removeprefix("http://").split(":")
        sockets = []
        for _ in range(64):  # crawlall's 22 crawlers open dozens at once
            sockets.append(socket.create_connection((host, int(port)), timeout=2))
        server.start()
        sockets[-1].sendall(f"GET /{HOST}/xxgk/list.html HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sockets[-1].recv(64).startswith(b"HTTP/1.1 200")
    finally:
        for connection in sockets:
            connection.close()
        server.stop()


def test_server_answers_a_search_post_and_clears_its_log(tree: Path) -> None:
    with MirrorServer(tree) as server:
        body = json.dumps({"tenantId": "7", "searchWord": "2020"}).encode()
        request = urllib.request.Request(
            f"{server.url}/{HOST}/irs/front/search",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        assert answer["data"]["middle"]["total"] == 1
        assert [r.method for r in server.requests] == ["POST"]
        server.clear_log()
        assert server.requests == []


def test_server_also_works_as_an_http_proxy(tree: Path) -> None:
    with MirrorServer(tree) as server:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.url}))
        with opener.open(f"http://{HOST}/xxgk/", timeout=10) as response:
            assert response.read() == b"<html><body>platform</body></html>"
        assert [r.url for r in server.requests] == [f"http://{HOST}/xxgk/"]


def test_servemirror_command_serves_a_directory(tree: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "servemirror", str(tree), "--port", "0", "--quiet"],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith(f"Serving {tree.resolve()} at http://127.0.0.1:")
        base = first.split(" at ", 1)[1].split("/<host>", 1)[0]
        assert fetch(f"{base}/{HOST}/xxgk/")[2] == b"<html><body>platform</body></html>"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
