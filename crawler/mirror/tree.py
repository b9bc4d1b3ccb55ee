"""How a mirror tree answers a request: URL → file, sidecars, dynamic routes (`resolve()`).

The download handler (`crawler.mirror.handler`, a directory mirror) and the server
(`crawler.mirror.server`) both answer through `resolve()`, so they answer identically. This
module is one piece, past 600 lines, because it is one function's rules: the wget naming, the
sidecars that decorate its answers and the dynamic routes a sidecar names.

Mapping of a URL to the tree (`resolve()`; the server and the handler share it, so they answer
identically):

* `scheme://host[:port]/path?query` → `<root>/<host>[:port]/<path>`; the scheme is ignored, the
  port only kept when it is not the scheme's default (as wget does).
* A path ending in `/` (or empty) means `<path>/index.html`.
* With a query, the file `<path>?<query>` is tried first (wget's Unix naming), then
  `<path>@<query>` (its `--restrict-file-names=windows` naming), each also with `.html` appended
  (`-E` / `--adjust-extension`); then the query is ignored, as a static site would.
* Without a query: `<path>`, then `<path>.html` (`-E`); a path naming a directory answers
  `301` to `<path>/`, as web servers do.
* The path and query are tried percent-decoded (UTF-8, as wget writes them with
  `--restrict-file-names=nocontrol`), then with wget's default escaping (control bytes 0-31 and
  128-159 as `%XX`, `/` in a query as `%2F`), then as written in the URL. Host folders are
  required (wget's default; not `-nH`).
* No file → `404`. No `<root>/<host>` directory → `HostNotInMirror`, a DNS-failure error, so an
  absent site behaves as an unreachable one (the server answers `502` with
  `X-Mirror-Error: host-not-in-mirror`, which the handler turns back into the same error).

Sidecars carry what wget's layout cannot: a JSON file `<file>.http` beside a file (or alone, for
a response without body such as a redirect)::

    {"status": 302,                       # default 200
     "headers": {"Location": "/xxgk/",    # replace or add headers; a list gives repeated
                 "Content-Type": "text/html; charset=gbk",   # headers (Set-Cookie), null
                 "ETag": null},                              # removes a default one
     "delay": 1.5,                        # seconds before answering (a slow site)
     "body": "<script>…</script>",        # inline body, instead of the file's
     "route": "trs-search", "index": "search-index.json"}   # a dynamic route (see below)

A host-wide sidecar `<root>/<host>.http` applies to every request to that host: with a `status`
it answers every request itself (a JS-cookie challenge in front of a whole site), otherwise its
`headers` and `delay` decorate every response.

Defaults: `Content-Type` from the file extension as nginx's `mime.types` has it (`.html` →
`text/html` with no charset, so a page's own `<meta charset>` decides; unknown → sniffed HTML or
JSON, else `application/octet-stream`), `ETag` from a hash of the body, `Last-Modified` from the
file's mtime. `GET`/`HEAD` requests with a matching `If-None-Match` (or, without it, an
`If-Modified-Since` not older than the file) get `304`. Other methods on a static file get `405`.

Dynamic route `trs-search` imitates the TRS site search of the Ningxia CMS
(`POST /irs/front/search` with a JSON body `{"tenantId", "searchWord", "pageNo", "pageSize"}`):
its index file holds `{"tenantId": "…", "results": [{"title", "url", "time"}, …]}`; a result
matches when every word of `searchWord` occurs in its title; the answer is
`{"code": 200, "data": {"middle": {"list": […], "total": N, "pageNo", "pageSize"}}}`.

Dynamic route `hanweb-dataproxy` imitates Hanweb JCMS's list proxy (`POST
/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`, form `columnid=…`): its
index file holds `{"columns": {"<columnid>": ["<li>…</li>", …]}}`; the answer is the XML
`<datastore>` with records S…E (1-based, inclusive) of the form's column, `<totalrecord>` and
`<totalpage>`. Route `hanweb-xxgk` imitates its 信息公开 module's list (`POST
/module/xxgk/search.jsp`, form `infotypeId=…&currpage=N` …): index
`{"perpage": P, "infotypes": {"<infotypeId>": ["<tr>…</tr>", …]}}`, answer an HTML fragment with
page N's rows and the pager text `共T条 共M页 当前第N页`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
import os
import posixpath
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlsplit

from scrapy.exceptions import CannotResolveHostError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

_T = TypeVar("_T")

SIDECAR_SUFFIX: Final = ".http"
MISSING_HOST_HEADER: Final = "X-Mirror-Error"
MISSING_HOST_VALUE: Final = "host-not-in-mirror"

DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# nginx's mime.types for the document formats the county sites publish; anything else falls
# back to Python's table, then to sniffing, then to application/octet-stream (.wps, .et, .ofd:
# nginx does not know them either).
_CONTENT_TYPES: Final = {
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".jsp": "text/html",
    ".asp": "text/html",
    ".aspx": "text/html",
    ".php": "text/html",
    ".txt": "text/plain",
    ".css": "text/css",
    ".js": "application/javascript",
    ".json": "application/json",
    ".xml": "text/xml",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".rar": "application/x-rar-compressed",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
}
_UNKNOWN_TYPES: Final = frozenset({".wps", ".et", ".ofd", ".dps"})


class MirrorError(ValueError):
    """The mirror tree itself is broken (a malformed sidecar or search index)."""


class HostNotInMirror(CannotResolveHostError):
    """The mirror holds no copy of this host: the site behaves as unreachable."""

    def __init__(self, host: str, mirror: str) -> None:
        super().__init__(f"{host} is not in the mirror {mirror}")
        self.host = host
        self.mirror = mirror

    def __reduce__(self) -> tuple[type[HostNotInMirror], tuple[str, str]]:
        return type(self), (self.host, self.mirror)


@dataclass(frozen=True, slots=True)
class MirrorResponse:
    """What the mirror answers to one request, before it becomes an HTTP or Scrapy response."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    delay: float = 0.0
    file: Path | None = None  # the file the body came from, if any

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class _Sidecar:
    status: int | None = None
    headers: tuple[tuple[str, str | None], ...] = ()
    delay: float = 0.0
    body: bytes | None = None
    route: str | None = None
    index: Path | None = None

    @classmethod
    def load(cls, path: Path) -> _Sidecar:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MirrorError(f"unreadable sidecar {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise MirrorError(f"sidecar {path} must hold a JSON object")
        unknown = set(data) - {"status", "headers", "delay", "body", "route", "index"}
        if unknown:
            raise MirrorError(f"sidecar {path}: unknown keys {sorted(unknown)}")
        status = data.get("status")
        if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
            raise MirrorError(f"sidecar {path}: status must be an HTTP status code")
        headers: list[tuple[str, str | None]] = []
        raw_headers = data.get("headers", {})
        if not isinstance(raw_headers, dict):
            raise MirrorError(f"sidecar {path}: headers must be an object")
        for name, value in raw_headers.items():
            values = value if isinstance(value, list) else [value]
            for item in values:
                if item is not None and not isinstance(item, str):
                    raise MirrorError(f"sidecar {path}: header {name} must be a string")
                headers.append((name, item))
        delay = data.get("delay", 0)
        if not isinstance(delay, int | float) or delay < 0:
            raise MirrorError(f"sidecar {path}: delay must be a non-negative number")
        body = data.get("body")
        if body is not None and not isinstance(body, str):
            raise MirrorError(f"sidecar {path}: body must be a string")
        route = data.get("route")
        if route is not None and route not in _ROUTES:
            raise MirrorError(f"sidecar {path}: unknown route {route!r} (known: {_ROUTES})")
        index = data.get("index")
        if route is not None and not isinstance(index, str):
            raise MirrorError(f"sidecar {path}: route {route!r} needs an index file")
        return cls(
            status=status,
            headers=tuple(headers),
            delay=float(delay),
            body=body.encode("utf-8") if body is not None else None,
            route=route,
            index=path.parent / index if isinstance(index, str) else None,
        )


_ROUTES: Final = ("trs-search", "hanweb-dataproxy", "hanweb-xxgk")


def host_key(url: str) -> str:
    """The directory name of a URL's host in a mirror tree: `host` or `host:port`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{parts.port}"
    return host


def mirror_url(base_url: str, url: str) -> str:
    """Where a server mirror serves `url`: `<base>/<host>/<path>?<query>` (path kept encoded)."""
    parts = urlsplit(url)
    target = f"{base_url.rstrip('/')}/{host_key(url)}{parts.path or '/'}"
    return f"{target}?{parts.query}" if parts.query else target


def _wget_name(text: str, *, in_query: bool) -> str:
    """`text` unescaped and escaped again as wget's default `--restrict-file-names=unix` does:
    control bytes (0-31 and 128-159, so some UTF-8 continuation bytes too) as `%XX`, and `/` in
    a query."""
    out = bytearray()
    for byte in unquote_to_bytes(text):
        if byte < 32 or 128 <= byte < 160 or (in_query and byte == 0x2F):
            out += b"%%%02X" % byte
        else:
            out.append(byte)
    return os.fsdecode(bytes(out))


def _name_variants(path: str, query: str) -> list[tuple[str, str]]:
    """(path, query) as file names may spell them: UTF-8 decoded (wget with
    `--restrict-file-names=nocontrol`), wget's default escaping, then as the URL writes them."""
    variants = []
    with contextlib.suppress(UnicodeDecodeError):  # not UTF-8: e.g. a GBK-escaped path
        variants.append(
            (unquote(path, errors="strict"), unquote(query, errors="strict").replace("/", "%2F"))
        )
    variants.append((_wget_name(path, in_query=False), _wget_name(query, in_query=True)))
    variants.append((path, query))
    return list(dict.fromkeys(variants))


def candidate_files(path: str, query: str) -> Iterator[str]:
    """Relative file names that may hold `path?query` in a wget tree, most specific first."""
    for path_name, query_name in _name_variants(path, query):
        base = path_name.lstrip("/")
        if base == "" or base.endswith("/"):
            base += "index.html"
        if query_name:
            for separator in ("?", "@"):
                yield f"{base}{separator}{query_name}"
                yield f"{base}{separator}{query_name}.html"
        yield base
        if not base.endswith(".html"):
            yield f"{base}.html"


def _inside(root: Path, relative: str) -> Path | None:
    """`root / relative`, or None when the name would climb out of `root`."""
    parts = [part for part in relative.split("/") if part not in {"", "."}]
    if ".." in parts or "\x00" in relative:
        return None
    return root.joinpath(*parts)


def _confined(path: Path, real_root: Path) -> bool:
    """Whether `path`, symbolic links followed, lies inside the mirror: a link in a served tree
    (a user's own `wget` copy, an extracted archive) must not hand out `/etc/passwd` or the
    user's files to whoever can reach the server."""
    return Path(os.path.realpath(path)).is_relative_to(real_root)


def guess_content_type(file: Path, url_path: str, body: bytes) -> str:
    for suffix in (file.suffix.lower(), posixpath.splitext(url_path)[1].lower()):
        if suffix in _UNKNOWN_TYPES:
            return "application/octet-stream"
        if suffix in _CONTENT_TYPES:
            return _CONTENT_TYPES[suffix]
        guessed = mimetypes.types_map.get(suffix) if suffix else None
        if guessed:
            return guessed
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if head.startswith((b"{", b"[")):
        return "application/json"
    return "application/octet-stream"


def make_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _not_modified(
    request_headers: Mapping[str, str], etag: str | None, modified: str | None
) -> bool:
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        if etag is None:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    if_modified_since = request_headers.get("if-modified-since")
    if if_modified_since is None or modified is None:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


def small_page(status: int, detail: str = "") -> bytes:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    title = f"{status} {phrase}".strip()
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<p>{detail}</p></body></html>\n"
    ).encode()


def _apply_headers(
    headers: list[tuple[str, str]], overrides: tuple[tuple[str, str | None], ...]
) -> list[tuple[str, str]]:
    replaced = {name.lower() for name, _ in overrides}
    result = [(k, v) for k, v in headers if k.lower() not in replaced]
    result.extend((k, v) for k, v in overrides if v is not None)
    return result


def simple_answer(
    status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **extra: str
) -> MirrorResponse:
    headers = [("Content-Type", content_type)]
    headers.extend((name.replace("_", "-"), value) for name, value in extra.items())
    return MirrorResponse(status, headers, body)


def resolve(
    root: Path,
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
) -> MirrorResponse:
    """Answer one request from a mirror tree (see the module docstring for the mapping).

    `headers` are the request headers with lower-case names. Raises `HostNotInMirror` when the
    tree has no directory for the URL's host and `MirrorError` when the tree is malformed.
    """
    request_headers = headers or {}
    parts = urlsplit(url)
    key = host_key(url)
    host_dir = root / key
    real_root = Path(os.path.realpath(root))
    if (
        not key
        or "/" in key
        or key.startswith(".")
        or not host_dir.is_dir()
        or not _confined(host_dir, real_root)
    ):
        raise HostNotInMirror(key or url, str(root))
    host_sidecar_file = root / f"{key}{SIDECAR_SUFFIX}"
    host_sidecar = (
        _Sidecar.load(host_sidecar_file)
        if host_sidecar_file.is_file() and _confined(host_sidecar_file, real_root)
        else None
    )
    if host_sidecar is not None and host_sidecar.status is not None:
        answer = simple_answer(host_sidecar.status, host_sidecar.body or b"")
        return MirrorResponse(
            answer.status,
            _apply_headers(answer.headers, host_sidecar.headers),
            b"" if method == "HEAD" else answer.body,
            host_sidecar.delay,
        )
    response = _resolve_in_host(
        host_dir,
        real_root,
        method=method,
        path=parts.path,
        query=parts.query,
        request_headers=request_headers,
        body=body,
    )
    if host_sidecar is None:
        return response
    return MirrorResponse(
        response.status,
        _apply_headers(response.headers, host_sidecar.headers),
        response.body,
        response.delay + host_sidecar.delay,
        response.file,
    )


def _resolve_in_host(
    host_dir: Path,
    real_root: Path,
    *,
    method: str,
    path: str,
    query: str,
    request_headers: Mapping[str, str],
    body: bytes,
) -> MirrorResponse:
    for relative in candidate_files(path, query):
        file = _inside(host_dir, relative)
        if file is None:
            return simple_answer(400, small_page(400, "bad path"))
        sidecar_file = file.with_name(file.name + SIDECAR_SUFFIX)
        has_file = file.is_file() and _confined(file, real_root)
        has_sidecar = sidecar_file.is_file() and _confined(sidecar_file, real_root)
        if not has_file and not has_sidecar:
            continue
        sidecar = _Sidecar.load(sidecar_file) if has_sidecar else _Sidecar()
        if sidecar.index is not None and not _confined(sidecar.index, real_root):
            raise MirrorError(f"sidecar {sidecar_file}: its index lies outside the mirror")
        if sidecar.route is not None:
            if method != "POST":  # every route imitates an API that its pages POST to
                return simple_answer(405, small_page(405), Allow="POST")
            if sidecar.route == "hanweb-dataproxy":
                return _hanweb_dataproxy(sidecar, query, body)
            if sidecar.route == "hanweb-xxgk":
                return _hanweb_xxgk(sidecar, body)
            return _dynamic(sidecar, body)
        return _static(file if has_file else None, sidecar, method, path, request_headers)
    directory = _inside(host_dir, _name_variants(path, "")[0][0].lstrip("/"))
    if (
        path
        and not path.endswith("/")
        and directory is not None
        and directory.is_dir()
        and _confined(directory, real_root)
    ):
        location = f"{path}/?{query}" if query else f"{path}/"
        return simple_answer(301, small_page(301, location), Location=location)
    return simple_answer(404, small_page(404, "not in the mirror"))


def _static(
    file: Path | None,
    sidecar: _Sidecar,
    method: str,
    url_path: str,
    request_headers: Mapping[str, str],
) -> MirrorResponse:
    status = sidecar.status or 200
    if sidecar.body is not None:
        content = sidecar.body
    elif file is not None:
        content = file.read_bytes()
    else:
        content = small_page(status)
    if method not in {"GET", "HEAD"} and status < 300:
        return simple_answer(405, small_page(405), Allow="GET, HEAD")
    headers = [
        ("Content-Type", guess_content_type(file or Path(url_path), url_path, content)),
        ("ETag", make_etag(content)),
    ]
    if file is not None:
        headers.append(("Last-Modified", formatdate(file.stat().st_mtime, usegmt=True)))
    headers = _apply_headers(headers, sidecar.headers)
    response = MirrorResponse(status, headers, content, sidecar.delay, file)
    validators = (response.header("ETag"), response.header("Last-Modified"))
    if status == 200 and method in {"GET", "HEAD"} and _not_modified(request_headers, *validators):
        kept = [(k, v) for k, v in headers if k.lower() in {"etag", "last-modified"}]
        return MirrorResponse(304, kept, b"", sidecar.delay, file)
    if method == "HEAD":
        headers.append(("Content-Length", str(len(content))))
        return MirrorResponse(status, headers, b"", sidecar.delay, file)
    return response


def _route_index(sidecar: _Sidecar, kind: str, read: Callable[[Any], _T]) -> _T:
    """What `read` takes from a route's JSON index file. A missing, malformed or incomplete
    index is the mirror's fault, not the request's: a MirrorError naming the file."""
    assert sidecar.index is not None  # checked when the sidecar was loaded
    try:
        return read(json.loads(sidecar.index.read_text("utf-8")))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise MirrorError(f"unreadable {kind} index {sidecar.index}: {exc}") from exc


def _route_response(sidecar: _Sidecar, content_type: str, content: bytes) -> MirrorResponse:
    """A route's answer, with the sidecar's status, headers and delay."""
    headers = _apply_headers([("Content-Type", content_type)], sidecar.headers)
    return MirrorResponse(sidecar.status or 200, headers, content, sidecar.delay)


def _dynamic(sidecar: _Sidecar, body: bytes) -> MirrorResponse:
    index, results = _route_index(sidecar, "search", lambda index: (index, list(index["results"])))
    try:
        query = json.loads(body or b"{}")
        if not isinstance(query, dict):
            raise TypeError("not an object")
        page_no = max(int(query.get("pageNo", 1)), 1)
        page_size = min(max(int(query.get("pageSize", 10)), 1), 100)
        words = str(query.get("searchWord", "")).split()
    except (ValueError, TypeError) as exc:
        payload: dict[str, Any] = {"code": 400, "msg": f"bad request body: {exc}", "data": None}
    else:
        if str(query.get("tenantId", "")) != str(index.get("tenantId", "")):
            matches: list[Any] = []
        else:
            matches = [r for r in results if all(w in str(r.get("title", "")) for w in words)]
        page = matches[(page_no - 1) * page_size : page_no * page_size]
        payload = {
            "code": 200,
            "msg": "success",
            "data": {
                "middle": {
                    "list": page,
                    "total": len(matches),
                    "pageNo": page_no,
                    "pageSize": page_size,
                }
            },
        }
    content = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return _route_response(sidecar, "application/json;charset=UTF-8", content)


def _hanweb_dataproxy(sidecar: _Sidecar, query: str, body: bytes) -> MirrorResponse:
    columns = _route_index(sidecar, "dataproxy", lambda index: index["columns"])
    # jpage sends the range in the query and the column in the form; accept either in both.
    params = dict(parse_qsl(query, keep_blank_values=True))
    params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        start = max(int(params.get("startrecord", 1)), 1)
        end = max(int(params.get("endrecord", start)), start)
        per_page = max(int(params.get("perpage", 15)), 1)
    except ValueError:
        return simple_answer(400, small_page(400, "bad record range"))
    records = [str(r) for r in columns.get(params.get("columnid", ""), [])]
    chunk = "".join(f"<record><![CDATA[{r}]]></record>" for r in records[start - 1 : end])
    total_pages = -(-len(records) // per_page)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<datastore><nextgroup><![CDATA[]]></nextgroup>'
        f"<recordset>{chunk}</recordset><totalrecord>{len(records)}</totalrecord>"
        f"<totalpage>{total_pages}</totalpage></datastore>"
    ).encode()
    return _route_response(sidecar, "text/xml;charset=UTF-8", xml)


def _hanweb_xxgk(sidecar: _Sidecar, body: bytes) -> MirrorResponse:
    per_page, infotypes = _route_index(
        sidecar, "xxgk", lambda index: (max(int(index["perpage"]), 1), index["infotypes"])
    )
    params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        current = max(int(params.get("currpage") or 1), 1)
    except ValueError:
        return simple_answer(400, small_page(400, "bad currpage"))
    rows = [str(r) for r in infotypes.get(params.get("infotypeId", ""), [])]
    pages = max(-(-len(rows) // per_page), 1)
    shown = "".join(rows[(current - 1) * per_page : current * per_page])
    more = f'<a href="javascript:;" onclick="xxgkPage({current + 1})">下一页</a>'
    html = (
        f'<table class="xxgk_list">{shown}</table><div class="xxgk_page">共{len(rows)}条记录 '
        f"共{pages}页 当前第{current}页 {more if current < pages else ''}</div>"
    ).encode()
    return _route_response(sidecar, "text/html;charset=UTF-8", html)
