"""A small mirror tree for the mirror tests: one wget-named file (or sidecar) per case the
fixture web has, and the helpers that write files and sidecars into a tree (a request to a
running mirror server: `tests.support.http.fetch`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

HOST = "www.a.gov.cn"


def write(root: Path, relative: str, data: bytes | str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def sidecar(root: Path, relative: str, data: dict[str, Any]) -> None:
    write(root, relative + ".http", json.dumps(data, ensure_ascii=False))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small mirror: the cases the fixture web has, one file each."""
    root = tmp_path / "mirror"
    write(root, f"{HOST}/index.html", '<html><body><a href="/xxgk/">公开</a></body></html>')
    write(root, f"{HOST}/robots.txt", "User-agent: *\nDisallow: /private/\n")
    write(root, f"{HOST}/xxgk/index.html", "<html><body>platform</body></html>")
    write(root, f"{HOST}/xxgk/list.html", "<html><body>list</body></html>")
    write(root, f"{HOST}/private/secret.html", "<html><body>secret</body></html>")
    write(root, f"{HOST}/docs/P020230113.pdf", b"%PDF-1.4 fake")
    write(root, f"{HOST}/docs/report.wps", b"\xd0\xcf\x11\xe0wps")
    write(root, f"{HOST}/jsp/content.jsp?id=3&x=y", "<html>jsp page</html>")
    write(root, f"{HOST}/jsp/news.jsp?id=4.html", "<html>adjusted</html>")
    write(root, f"{HOST}/win/view.asp@id=5", "<html>windows name</html>")
    write(root, f"{HOST}/plain/about.html", "<html>about -E</html>")
    write(root, f"{HOST}/中文/页面.html", "<html>unicode path</html>")
    # wget's default naming: UTF-8 bytes 0x80-0x9f escaped (报 = e6 8a a5), raw GBK bytes kept.
    write(root, os.fsdecode(f"{HOST}/".encode() + b"\xe6%8A\xa5.html"), "<html>wget unix</html>")
    write(root, os.fsdecode(f"{HOST}/".encode() + b"\xd6\xd0.html"), "<html>gbk name</html>")
    write(root, f"{HOST}/q.jsp?path=a%2Fb", "<html>slash in query</html>")
    gbk = '<html><head><meta charset="gbk"></head><body>盐池县</body></html>'.encode("gbk")
    write(root, f"{HOST}/gbk.html", gbk)
    sidecar(root, f"{HOST}/gbk.html", {"headers": {"Content-Type": "text/html; charset=gbk"}})
    sidecar(root, f"{HOST}/old/index.html", {"status": 302, "headers": {"Location": "/xxgk/"}})
    write(root, f"{HOST}/fixed.html", "<html>fixed validators</html>")
    sidecar(
        root,
        f"{HOST}/fixed.html",
        {"headers": {"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"}},
    )
    write(root, f"{HOST}/novalidators.html", "<html>no validators</html>")
    sidecar(root, f"{HOST}/novalidators.html", {"headers": {"ETag": None, "Last-Modified": None}})
    write(root, f"{HOST}/slow.html", "<html>slow</html>")
    sidecar(root, f"{HOST}/slow.html", {"delay": 0.3})
    write(root, f"{HOST}/cookies.html", "<html>cookies</html>")
    sidecar(root, f"{HOST}/cookies.html", {"headers": {"Set-Cookie": ["a=1", "b=2"]}})
    write(
        root,
        f"{HOST}/search-index.json",
        json.dumps(
            {
                "tenantId": "7",
                "results": [
                    {
                        "title": f"某县{y}年政府信息公开工作年度报告",
                        "url": f"https://{HOST}/{y}.html",
                    }
                    for y in range(2019, 2024)
                ]
                + [{"title": "关于召开会议的通知", "url": f"https://{HOST}/n.html"}],
            },
            ensure_ascii=False,
        ),
    )
    sidecar(
        root,
        f"{HOST}/irs/front/search",
        {"route": "trs-search", "index": "../../search-index.json"},
    )
    write(root, "www.blocked.gov.cn/index.html", "<html>behind the challenge</html>")
    write(
        root,
        "www.blocked.gov.cn.http",
        json.dumps({"status": 412, "body": "<script>document.cookie='x=1'</script>"}),
    )
    write(root, "www.slowsite.gov.cn/index.html", "<html>slow site</html>")
    write(root, "www.slowsite.gov.cn.http", json.dumps({"delay": 0.2, "headers": {"X-Site": "s"}}))
    write(root, "www.port.gov.cn:8080/index.html", "<html>port 8080</html>")
    return root
