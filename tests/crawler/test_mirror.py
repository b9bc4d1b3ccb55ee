"""Mirror replay: the wget-tree mapping, sidecars, conditional requests, the server, and the
download handler inside real Scrapy crawls (directory mode and server mode)."""

from __future__ import annotations

import argparse
import json
import os
import pickle
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from crawler.mirror import (
    MISSING_HOST_HEADER,
    HostNotInMirror,
    MirrorError,
    MirrorServer,
    add_mirror_argument,
    apply_mirror_argument,
    candidate_files,
    host_key,
    make_etag,
    mirror_url,
    parse_mirror,
    resolve,
)
from tests.conftest import PROJECT_DIR

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


def get(root: Path, url: str, method: str = "GET", **headers: str) -> Any:
    return resolve(root, method, url, {k.lower().replace("_", "-"): v for k, v in headers.items()})


# -- The mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [
        ("/", "", ["index.html"]),
        ("", "", ["index.html"]),
        ("/xxgk/", "", ["xxgk/index.html"]),
        ("/a/list.html", "", ["a/list.html"]),
        ("/a/page", "", ["a/page", "a/page.html"]),
        (
            "/c.jsp",
            "id=3",
            [
                "c.jsp?id=3",
                "c.jsp?id=3.html",
                "c.jsp@id=3",
                "c.jsp@id=3.html",
                "c.jsp",
                "c.jsp.html",
            ],
        ),
        (
            "/%E4%B8%AD.html",
            "",
            ["中.html", "%E4%B8%AD.html"],
        ),
    ],
)
def test_candidate_files_follow_wget_naming(path: str, query: str, expected: list[str]) -> None:
    assert list(candidate_files(path, query)) == expected


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.A.gov.cn/x", "www.a.gov.cn"),
        ("http://www.a.gov.cn:80/x", "www.a.gov.cn"),
        ("https://www.a.gov.cn:443/x", "www.a.gov.cn"),
        ("http://www.a.gov.cn:8080/x", "www.a.gov.cn:8080"),
        ("https://www.a.gov.cn:80/x", "www.a.gov.cn:80"),
    ],
)
def test_host_key_keeps_only_non_default_ports(url: str, key: str) -> None:
    assert host_key(url) == key


def test_mirror_url_keeps_path_encoding_and_query() -> None:
    assert (
        mirror_url("http://127.0.0.1:9/", "https://www.a.gov.cn/%E4%B8%AD/x.jsp?id=1&b=2#frag")
        == "http://127.0.0.1:9/www.a.gov.cn/%E4%B8%AD/x.jsp?id=1&b=2"
    )
    assert mirror_url("http://m/base", "https://www.a.gov.cn") == "http://m/base/www.a.gov.cn/"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (f"https://{HOST}/", b'<html><body><a href="/xxgk/">'),
        (f"http://{HOST}/xxgk/", b"<html><body>platform"),
        (f"https://{HOST}/xxgk/list.html", b"<html><body>list"),
        (f"https://{HOST}/jsp/content.jsp?id=3&x=y", b"<html>jsp page"),
        (f"https://{HOST}/jsp/news.jsp?id=4", b"<html>adjusted"),
        (f"https://{HOST}/win/view.asp?id=5", b"<html>windows name"),
        (f"https://{HOST}/plain/about", b"<html>about -E"),
        (f"https://{HOST}/xxgk/list.html?t=123", b"<html><body>list"),  # query ignored
        (f"https://{HOST}/%E4%B8%AD%E6%96%87/%E9%A1%B5%E9%9D%A2.html", b"<html>unicode path"),
        ("https://www.port.gov.cn:8080/", b"<html>port 8080"),
        (f"https://{HOST}/%E6%8A%A5.html", b"<html>wget unix"),
        (f"https://{HOST}/%D6%D0.html", b"<html>gbk name"),
        (f"https://{HOST}/q.jsp?path=a/b", b"<html>slash in query"),
        (f"https://{HOST}/q.jsp?path=a%2Fb", b"<html>slash in query"),
    ],
)
def test_urls_resolve_to_wget_files(tree: Path, url: str, body: bytes) -> None:
    answer = get(tree, url)
    assert answer.status == 200
    assert answer.body.startswith(body)


def test_a_folder_without_slash_redirects_like_a_web_server(tree: Path) -> None:
    answer = get(tree, f"https://{HOST}/xxgk")
    assert (answer.status, answer.header("Location")) == (301, "/xxgk/")
    answer = get(tree, f"https://{HOST}/xxgk?a=1")
    assert answer.header("Location") == "/xxgk/?a=1"


@pytest.mark.parametrize(
    "url",
    [
        f"https://{HOST}/nope.html",
        f"https://{HOST}/xxgk/list_9.html",
        f"https://{HOST}/xxgk/../../etc/passwd",
        f"https://{HOST}/%2e%2e/%2e%2e/etc/passwd",
    ],
)
def test_missing_files_and_escapes_are_not_found(tree: Path, url: str) -> None:
    assert get(tree, url).status in {400, 404}


def test_symbolic_links_out_of_the_mirror_are_never_followed(tree: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "outside", "secret.txt", "the user's own file")
    write(tmp_path / "outside", "site/index.html", "<html>outside</html>")
    (tree / HOST / "leak.html").symlink_to(secret)
    (tree / HOST / "dir").symlink_to(secret.parent)
    (tree / HOST / "ok.html").symlink_to(tree / HOST / "xxgk" / "index.html")  # inside: served
    (tree / HOST / "side.html.http").symlink_to(secret)
    (tree / "www.out.gov.cn").symlink_to(secret.parent / "site")
    (tree / "www.out.gov.cn.http").symlink_to(secret)
    sidecar(tree, f"{HOST}/search", {"route": "trs-search", "index": "../../outside/secret.txt"})

    for url in (f"https://{HOST}/leak.html", f"https://{HOST}/dir/secret.txt"):
        answer = get(tree, url)
        assert answer.status == 404 and b"the user's own file" not in answer.body, url
    assert get(tree, f"https://{HOST}/dir").status == 404  # no redirect into it either
    assert get(tree, f"https://{HOST}/side.html").status == 404
    assert get(tree, f"https://{HOST}/ok.html").body == b"<html><body>platform</body></html>"
    with pytest.raises(HostNotInMirror):
        get(tree, "https://www.out.gov.cn/")
    with pytest.raises(MirrorError, match="outside the mirror"):
        get(tree, f"https://{HOST}/search", method="POST")
    with MirrorServer(tree) as server:
        status, _, body = fetch(f"{server.url}/{HOST}/dir/secret.txt")
        assert status == 404 and b"the user's own file" not in body


def test_a_host_the_mirror_lacks_is_unreachable(tree: Path) -> None:
    with pytest.raises(HostNotInMirror, match=r"www\.nxhy\.gov\.cn is not in the mirror") as info:
        get(tree, "https://www.nxhy.gov.cn/")
    assert info.value.host == "www.nxhy.gov.cn"
    assert pickle.loads(pickle.dumps(info.value)).host == "www.nxhy.gov.cn"
    with pytest.raises(HostNotInMirror):
        get(tree, "https://www.a.gov.cn:8443/")


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("index.html", "text/html"),
        ("robots.txt", "text/plain"),
        ("docs/P020230113.pdf", "application/pdf"),
        ("docs/report.wps", "application/octet-stream"),
        ("jsp/content.jsp?id=3&x=y", "text/html"),
        ("gbk.html", "text/html; charset=gbk"),
    ],
)
def test_content_type_comes_from_the_extension_or_the_sidecar(
    tree: Path, name: str, content_type: str
) -> None:
    path, _, query = name.partition("?")
    url = f"https://{HOST}/{path}" + (f"?{query}" if query else "")
    assert get(tree, url).header("Content-Type") == content_type


# -- Sidecars ---------------------------------------------------------------------------------


def test_sidecar_alone_declares_a_redirect(tree: Path) -> None:
    answer = get(tree, f"https://{HOST}/old/")
    assert answer.status == 302
    assert answer.header("Location") == "/xxgk/"


def test_sidecar_headers_repeat_and_remove(tree: Path) -> None:
    cookies = get(tree, f"https://{HOST}/cookies.html")
    assert [v for k, v in cookies.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    bare = get(tree, f"https://{HOST}/novalidators.html")
    assert bare.header("ETag") is None
    assert bare.header("Last-Modified") is None
    assert bare.status == 200


def test_sidecar_delay_is_reported(tree: Path) -> None:
    assert get(tree, f"https://{HOST}/slow.html").delay == 0.3


def test_host_sidecar_with_a_status_answers_every_request(tree: Path) -> None:
    for path in ("/", "/robots.txt", "/anything/at/all.html"):
        answer = get(tree, f"https://www.blocked.gov.cn{path}")
        assert answer.status == 412
        assert answer.body == b"<script>document.cookie='x=1'</script>"


def test_host_sidecar_without_status_decorates_every_response(tree: Path) -> None:
    answer = get(tree, "https://www.slowsite.gov.cn/")
    assert (answer.status, answer.delay, answer.header("X-Site")) == (200, 0.2, "s")
    missing = get(tree, "https://www.slowsite.gov.cn/missing.html")
    assert (missing.status, missing.delay) == (404, 0.2)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[1, 2]",
        '{"status": 99}',
        '{"statuss": 200}',
        '{"headers": {"X": 1}}',
        '{"delay": -1}',
        '{"route": "nope", "index": "x"}',
        '{"route": "trs-search"}',
    ],
)
def test_a_malformed_sidecar_is_a_clear_error(tree: Path, content: str) -> None:
    write(tree, f"{HOST}/bad.html", "<html></html>")
    write(tree, f"{HOST}/bad.html.http", content)
    with pytest.raises(MirrorError, match=r"bad\.html\.http"):
        get(tree, f"https://{HOST}/bad.html")


# -- Validators and conditional requests ---------------------------------------------------


def test_validators_derive_from_the_file(tree: Path) -> None:
    path = tree / HOST / "xxgk" / "list.html"
    os.utime(path, (1_700_000_000, 1_700_000_000))
    answer = get(tree, f"https://{HOST}/xxgk/list.html")
    assert answer.header("ETag") == make_etag(path.read_bytes())
    assert answer.header("Last-Modified") == "Tue, 14 Nov 2023 22:13:20 GMT"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"If-None-Match": "ETAG"}, 304),
        ({"If-None-Match": 'W/"zzz", ETAG'}, 304),
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"other"'}, 200),
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
        ({"If-None-Match": '"other"', "If-Modified-Since": "LASTMOD"}, 200),
        ({"If-Modified-Since": "LASTMOD"}, 304),
        ({"If-Modified-Since": "Wed, 01 Jan 2031 00:00:00 GMT"}, 304),
        ({"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, 200),
        ({"If-Modified-Since": "garbage"}, 200),
    ],
)
def test_conditional_requests_get_304(tree: Path, headers: dict[str, str], status: int) -> None:
    url = f"https://{HOST}/xxgk/list.html"
    first = get(tree, url)
    values = {
        k: v.replace("ETAG", first.header("ETag")).replace("LASTMOD", first.header("Last-Modified"))
        for k, v in headers.items()
    }
    answer = get(tree, url, **values)
    assert answer.status == status
    if status == 304:
        assert answer.body == b""
        assert answer.header("ETag") == first.header("ETag")


def test_fixed_validators_from_the_sidecar_are_honoured(tree: Path) -> None:
    url = f"https://{HOST}/fixed.html"
    assert get(tree, url).header("ETag") == '"v1"'
    assert get(tree, url, If_None_Match='"v1"').status == 304
    assert get(tree, url, If_Modified_Since="Wed, 01 Jan 2025 00:00:00 GMT").status == 304
    assert get(tree, url, If_Modified_Since="Tue, 31 Dec 2024 23:59:59 GMT").status == 200


def test_a_rewritten_file_is_no_longer_not_modified(tree: Path) -> None:
    url = f"https://{HOST}/xxgk/list.html"
    first = get(tree, url)
    path = tree / HOST / "xxgk" / "list.html"
    path.write_text("<html><body>list, republished</body></html>")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert get(tree, url, If_None_Match=first.header("ETag")).status == 200
    assert get(tree, url, If_Modified_Since=first.header("Last-Modified")).status == 200
    assert get(tree, url, If_Modified_Since=formatdate(later, usegmt=True)).status == 304


def test_head_and_post_on_static_files(tree: Path) -> None:
    head = get(tree, f"https://{HOST}/xxgk/list.html", method="HEAD")
    assert (head.status, head.body, head.header("Content-Length")) == (200, b"", "30")
    post = get(tree, f"https://{HOST}/xxgk/list.html", method="POST")
    assert (post.status, post.header("Allow")) == (405, "GET, HEAD")


# -- The site search route ---------------------------------------------------------------------


def search(tree: Path, body: Any, method: str = "POST") -> Any:
    data = json.dumps(body, ensure_ascii=False).encode() if not isinstance(body, bytes) else body
    return resolve(tree, method, f"https://{HOST}/irs/front/search", {}, data)


def test_search_route_finds_titles_holding_every_word(tree: Path) -> None:
    answer = search(tree, {"tenantId": "7", "searchWord": "年度报告", "pageNo": 1, "pageSize": 3})
    assert answer.status == 200
    assert answer.header("Content-Type") == "application/json;charset=UTF-8"
    middle = json.loads(answer.body)["data"]["middle"]
    assert middle["total"] == 5
    assert [r["url"] for r in middle["list"]] == [
        f"https://{HOST}/{y}.html" for y in (2019, 2020, 2021)
    ]
    page2 = json.loads(
        search(tree, {"tenantId": "7", "searchWord": "年度报告", "pageNo": 2, "pageSize": 3}).body
    )["data"]["middle"]
    assert [r["url"] for r in page2["list"]] == [f"https://{HOST}/{y}.html" for y in (2022, 2023)]
    narrow = json.loads(search(tree, {"tenantId": "7", "searchWord": "2021 年度报告"}).body)
    assert narrow["data"]["middle"]["total"] == 1


def test_search_route_with_another_tenant_finds_nothing(tree: Path) -> None:
    answer = search(tree, {"tenantId": "8", "searchWord": "年度报告"})
    assert json.loads(answer.body)["data"]["middle"] == {
        "list": [],
        "total": 0,
        "pageNo": 1,
        "pageSize": 10,
    }


def test_search_route_rejects_get_and_bad_bodies(tree: Path) -> None:
    assert search(tree, {}, method="GET").status == 405
    assert json.loads(search(tree, b"{not json").body)["code"] == 400
    assert json.loads(search(tree, {"pageNo": "x"}).body)["code"] == 400


def test_hanweb_dataproxy_route_answers_record_groups(tmp_path: Path) -> None:
    records = [f"<li><a href='/art/{n}.html'>{n}</a></li>" for n in range(1, 8)]
    write(tmp_path, f"{HOST}/module/web/jpage/index.json", json.dumps({"columns": {"9": records}}))
    sidecar(
        tmp_path,
        f"{HOST}/module/web/jpage/dataproxy.jsp",
        {"route": "hanweb-dataproxy", "index": "index.json"},
    )
    url = f"https://{HOST}/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=3"
    answer = resolve(tmp_path, "POST", url, {}, b"col=1&appid=1&webid=1&columnid=9")
    assert answer.header("Content-Type") == "text/xml;charset=UTF-8"
    body = answer.body.decode()
    assert body.count("<record>") == 3 and "/art/4.html" in body and "/art/7.html" not in body
    assert "<totalrecord>7</totalrecord><totalpage>3</totalpage>" in body
    other = resolve(tmp_path, "POST", url, {}, b"columnid=8")
    assert "<recordset></recordset><totalrecord>0</totalrecord>" in other.body.decode()
    assert resolve(tmp_path, "GET", url).status == 405
    assert resolve(tmp_path, "POST", url.replace("=4", "=x"), {}, b"columnid=9").status == 400


def test_hanweb_xxgk_route_answers_pages_of_rows(tmp_path: Path) -> None:
    rows = [f"<tr><td><a href='/art/{n}.html'>{n}</a></td></tr>" for n in range(1, 4)]
    write(
        tmp_path,
        f"{HOST}/module/xxgk/i.json",
        json.dumps({"perpage": 2, "infotypes": {"A1": rows}}),
    )
    sidecar(tmp_path, f"{HOST}/module/xxgk/search.jsp", {"route": "hanweb-xxgk", "index": "i.json"})
    url = f"https://{HOST}/module/xxgk/search.jsp"
    first = resolve(tmp_path, "POST", url, {}, b"infotypeId=A1&currpage=1").body.decode()
    assert "/art/2.html" in first and "/art/3.html" not in first
    assert "共3条记录 共2页 当前第1页" in first and "下一页" in first
    last = resolve(tmp_path, "POST", url, {}, b"infotypeId=A1&currpage=2").body.decode()
    assert "/art/3.html" in last and "下一页" not in last
    assert resolve(tmp_path, "GET", url).status == 405


@pytest.mark.parametrize(
    ("route", "kind", "index"),
    [
        ("trs-search", "search", '{"tenantId": "t"}'),
        ("hanweb-dataproxy", "dataproxy", "[1, 2]"),
        ("hanweb-xxgk", "xxgk", '{"perpage": "many", "infotypes": {}}'),
        ("hanweb-xxgk", "xxgk", "not json"),
    ],
)
def test_a_route_with_a_malformed_index_is_the_mirrors_error(
    tmp_path: Path, route: str, kind: str, index: str
) -> None:
    write(tmp_path, f"{HOST}/api/index.json", index)
    sidecar(tmp_path, f"{HOST}/api/list", {"route": route, "index": "index.json"})
    with pytest.raises(MirrorError, match=rf"unreadable {kind} index .*index\.json"):
        resolve(tmp_path, "POST", f"https://{HOST}/api/list", {}, b"")
    assert resolve(tmp_path, "GET", f"https://{HOST}/api/list").status == 405


# -- Choosing a mirror on the command line ------------------------------------------------------


def test_parse_mirror_accepts_a_directory_or_a_url(tree: Path) -> None:
    assert parse_mirror(str(tree)) == tree.resolve()
    assert parse_mirror("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    with pytest.raises(ValueError, match="neither a directory nor"):
        parse_mirror(str(tree / "missing"))
    with pytest.raises(ValueError, match="must be"):
        parse_mirror("http://127.0.0.1:8000/?x=1")


def test_mirror_argument_sets_the_setting_at_command_line_priority(tree: Path) -> None:
    parser = argparse.ArgumentParser()
    add_mirror_argument(parser)
    settings = Settings({"OGI_MIRROR": None})
    apply_mirror_argument(settings, parser.parse_args(["--mirror", str(tree)]).mirror)
    assert settings["OGI_MIRROR"] == str(tree.resolve())
    assert settings.getpriority("OGI_MIRROR") == 40
    apply_mirror_argument(settings, None)
    assert settings["OGI_MIRROR"] == str(tree.resolve())
    with pytest.raises(UsageError, match="neither a directory"):
        apply_mirror_argument(settings, str(tree / "nope"))


# -- The server -------------------------------------------------------------------------------


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        url, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


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


# -- The download handler in real crawls ------------------------------------------------------

PROBE_REQUESTS = [
    {"url": f"https://{HOST}/"},
    {"url": f"https://{HOST}/old/"},  # redirect declared by a sidecar
    {"url": f"https://{HOST}/nope.html"},
    {"url": f"https://{HOST}/private/secret.html"},  # robots.txt disallows
    {"url": "https://www.nxhy.gov.cn/"},  # not in the mirror
    {"url": f"https://{HOST}/gbk.html"},
    {"url": f"https://{HOST}/xxgk/list.html", "headers": {"If-None-Match": "ETAG"}},
    {"url": f"https://{HOST}/slow.html", "meta": {"download_timeout": 0.1}},
    {"url": f"https://{HOST}/docs/P020230113.pdf", "meta": {"download_maxsize": 5}},
    {
        "url": f"https://{HOST}/irs/front/search",
        "method": "POST",
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"tenantId": "7", "searchWord": "2023"}),
    },
    {"url": "https://www.blocked.gov.cn/"},
]


def run_probe(tmp_path: Path, mirror: str | None, requests: list[dict[str, Any]]) -> list[Any]:
    spec = tmp_path / "probe.json"
    out = tmp_path / "out.json"
    spec.write_text(json.dumps({"settings": {"OGI_MIRROR": mirror}, "requests": requests}), "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "OGI_MIRROR"}
    subprocess.run(
        [sys.executable, "-m", "tests.fixtureweb.probe", str(spec), str(out)],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    results: list[Any] = json.loads(out.read_text("utf-8"))
    return results


def probe_requests(tree: Path) -> list[dict[str, Any]]:
    etag = make_etag((tree / HOST / "xxgk" / "list.html").read_bytes())
    return [
        {**r, "headers": {"If-None-Match": etag}} if r["url"].endswith("list.html") else r
        for r in PROBE_REQUESTS
    ]


def check_probe_results(results: list[Any]) -> None:
    home, redirect, missing, private, absent, gbk, conditional, slow, big, found, blocked = results
    assert (home["url"], home["status"], home["slot"]) == (f"https://{HOST}/", 200, HOST)
    assert home["text"].startswith('<html><body><a href="/xxgk/">')
    assert (redirect["url"], redirect["status"]) == (f"https://{HOST}/xxgk/", 200)
    assert redirect["redirects"] == [f"https://{HOST}/old/"]
    assert (missing["url"], missing["status"]) == (f"https://{HOST}/nope.html", 404)
    assert "IgnoreRequest" in private["error"]
    assert private["message"] == "Forbidden by robots.txt"
    assert absent["error"][:2] == ["HostNotInMirror", "CannotResolveHostError"]
    assert "www.nxhy.gov.cn is not in the mirror" in absent["message"]
    assert gbk["headers"]["Content-Type"] == ["text/html; charset=gbk"]
    assert "盐池县" in gbk["text"]
    assert conditional["status"] == 304
    assert conditional["body_length"] == 0
    assert slow["error"][0] == "DownloadTimeoutError"
    assert big["error"][0] == "DownloadCancelledError"
    assert found["status"] == 200
    assert '"total": 1' in found["text"]
    assert (blocked["status"], blocked["url"]) == (412, "https://www.blocked.gov.cn/")


def test_handler_answers_from_a_directory_under_the_real_urls(tree: Path, tmp_path: Path) -> None:
    check_probe_results(run_probe(tmp_path, str(tree), probe_requests(tree)))


def test_handler_forwards_to_a_server_under_the_real_urls(tree: Path, tmp_path: Path) -> None:
    with MirrorServer(tree) as server:
        results = run_probe(tmp_path, server.url, probe_requests(tree))
        log = server.requests
    check_probe_results(results)
    seen = {(r.method, r.url, r.status) for r in log}
    assert ("GET", f"https://{HOST}/robots.txt", 200) in seen
    assert ("GET", f"https://{HOST}/", 200) in seen
    assert ("GET", f"https://{HOST}/xxgk/list.html", 304) in seen
    assert ("POST", f"https://{HOST}/irs/front/search", 200) in seen
    assert ("GET", "https://www.nxhy.gov.cn/robots.txt", 502) in seen
    assert not any(r.url.endswith("/private/secret.html") for r in log)
    conditional = next(r for r in log if r.url.endswith("/xxgk/list.html"))
    assert conditional.conditional
    assert conditional.headers["x-forwarded-proto"] == "https"
    assert conditional.headers["user-agent"].startswith("ogi-reports/")


def test_handler_without_a_mirror_uses_scrapys_own_http_handler(tree: Path, tmp_path: Path) -> None:
    with MirrorServer(tree) as server:
        # Talk to the mirror server as if it were a real site: plain HTTP through Scrapy's handler.
        results = run_probe(tmp_path, None, [{"url": f"{server.url}/{HOST}/xxgk/list.html"}])
        log = server.requests
    assert (results[0]["status"], results[0]["url"]) == (200, f"{server.url}/{HOST}/xxgk/list.html")
    assert (log[-1].url, log[-1].status) == (f"https://{HOST}/xxgk/list.html", 200)
    assert "x-forwarded-proto" not in log[-1].headers
