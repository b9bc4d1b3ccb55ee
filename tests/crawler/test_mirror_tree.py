"""The wget-tree mapping of a mirror: URLs to candidate files, host keys and mirror URLs,
sidecars, validators and conditional requests, the search and Hanweb routes, and choosing a
mirror on the command line (crawler/mirror/tree.py)."""

from __future__ import annotations

import argparse
import json
import os
import pickle
import time
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from crawler.mirror import (
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
from tests.crawler.mirrors import HOST, sidecar, write
from tests.support.http import fetch


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
