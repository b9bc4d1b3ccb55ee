"""Walk a mirror tree the way a careful crawler would, without Scrapy (for consistency tests).

`walk(root, county)` starts at the county's home page, follows every link on the county's own
hosts (`href`, `onclick="window.open('…')"`, `createPageHTML` page counts, redirects), obeys
robots.txt, and queries the site search when a page names a search tenant. It records what each
URL answered, every link it saw (including the ones it did not follow) and the files served.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from protego import Protego

from crawler.counties import County
from crawler.mirror import HostNotInMirror, resolve

_WINDOW_OPEN = re.compile(r"""window\.open\(\s*['"]([^'"]+)['"]""")
_TENANT = re.compile(r"tenantId=(\w+)")
_PAGES = re.compile(r"createPageHTML\((\d+),\s*\d+,\s*\"(\w+)\",\s*\"(\w+)\"\)")
# The TRS variants: createPageHTML('page_div', pages, cur, 'name', 'ext', total), and
# `var countPage = N` feeding createPageHTML(countPage, currentPage, "name", "ext").
_CONTAINER_PAGES = re.compile(r"createPageHTML\('[\w-]+',\s*(\d+),\s*\d+,\s*'(\w+)',\s*'(\w+)'")
_COUNT_PAGES = re.compile(
    r"var countPage = (\d+)[\s\S]*"
    r"createPageHTML\(countPage,\s*currentPage,\s*\"(\w+)\",\s*\"(\w+)\"\)"
)
_SCRIPT_FILE = re.compile(r"'(\./P0\d+\.\w+)'")  # a file URL an inline script writes as a link
SEARCH_WORD = "年度报告"


@dataclass
class Walk:
    status: dict[str, int | str] = field(default_factory=dict)  # URL → status or "unreachable"
    links: set[str] = field(default_factory=set)  # every link seen on a fetched page
    files: set[Path] = field(default_factory=set)  # files whose content was served
    searched: list[str] = field(default_factory=list)  # URLs the site search returned


def _links(url: str, body: bytes) -> list[str]:
    document = lxml.html.document_fromstring(body)
    found = []
    for href in document.xpath("//a/@href"):
        if href.startswith(("javascript:", "mailto:")):
            continue
        found.append(href)
    for onclick in document.xpath("//@onclick"):
        found.extend(_WINDOW_OPEN.findall(onclick))
    for script in document.xpath("//script/text()"):
        for pattern in (_PAGES, _CONTAINER_PAGES, _COUNT_PAGES):
            for pages, stem, suffix in pattern.findall(script):
                found.extend(f"{stem}_{n}.{suffix}" for n in range(1, int(pages)))
        found.extend(_SCRIPT_FILE.findall(script))
    for src in document.xpath("//iframe/@src"):  # a pdf.js viewer shows the file it names
        found.append(src.split("?file=", 1)[1] if "?file=" in src else src)
    return [urldefrag(urljoin(url, link))[0] for link in found]


def walk(root: Path, county: County, *, limit: int = 5000) -> Walk:
    result = Walk()
    domain = county.registered_domain
    robots: dict[str, Protego | None] = {}
    queue = deque([county.start_url])

    def own(url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return urlsplit(url).scheme in {"http", "https"} and (
            host == domain or host.endswith("." + domain)
        )

    def allowed(url: str) -> bool:
        host = urlsplit(url).netloc
        if host not in robots:
            try:
                answer = resolve(root, "GET", f"https://{host}/robots.txt")
            except HostNotInMirror:
                answer = None
            ok = answer is not None and answer.status == 200
            robots[host] = Protego.parse(answer.body.decode("utf-8")) if ok and answer else None
        parser = robots[host]
        return parser is None or parser.can_fetch(url, "ogi-reports")

    def search(url: str, tenant: str) -> None:
        parts = urlsplit(url)
        body = json.dumps(
            {"tenantId": tenant, "searchWord": SEARCH_WORD, "pageNo": 1, "pageSize": 100}
        ).encode()
        answer = resolve(
            root, "POST", f"{parts.scheme}://{parts.netloc}/irs/front/search", {}, body
        )
        if answer.status != 200:
            return
        for item in json.loads(answer.body)["data"]["middle"]["list"]:
            result.searched.append(item["url"])
            queue.append(item["url"])

    searched_tenants: set[str] = set()
    while queue and len(result.status) < limit:
        url = queue.popleft()
        if url in result.status or not own(url) or not allowed(url):
            continue
        try:
            answer = resolve(root, "GET", url)
        except HostNotInMirror:
            result.status[url] = "unreachable"
            continue
        result.status[url] = answer.status
        if answer.file is not None and answer.status == 200:
            result.files.add(answer.file)
        location = answer.header("Location")
        if 300 <= answer.status < 400 and location:
            queue.append(urljoin(url, location))
            continue
        content_type = answer.header("Content-Type") or ""
        if answer.status != 200 or not content_type.startswith("text/html"):
            continue
        links = _links(url, answer.body)
        result.links.update(links)
        queue.extend(links)
        for tenant in _TENANT.findall(answer.body.decode("utf-8", "replace")):
            if tenant not in searched_tenants:
                searched_tenants.add(tenant)
                search(url, tenant)
    return result
