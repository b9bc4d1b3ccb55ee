"""Guangdong's `gkmlpt` (政府信息公开目录平台, on every Guangdong government site).

The platform is a script application: `/gkmlpt/index` and `/gkmlpt/annualreport` print little
more than `window._CONFIG = {SID: '<site id>', TREE: [<classification tree, JSON>] …}`. The
annual-report classifications are the tree's nodes named like the 年报 column (and any
`annualreport#<id>` link); their lists come from the JSON API
`GET /gkmlpt/api/all/<classify_id>?page=N&sid=<SID>` (`articles[]`, `classify.post_count`).
Articles are `/gkmlpt/content/<a>/<b>/post_<id>.html`; their attachments are listed only in the
page's `DETAIL` JSON, not as links.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final
from urllib.parse import urljoin

from scrapy.http import Response, TextResponse

from crawler.families.fragments import json_after
from crawler.page import Link, Page, normalise_text
from crawler.platform import NingxiaPlatformSpider
from crawler.urls import is_document_file

_SID: Final = re.compile(r"""\bSID['"]?\s*:\s*['"]?(\w+)""")
_TREE: Final = re.compile(r"""\bTREE['"]?\s*:""")
_DETAIL: Final = re.compile(r"""\bDETAIL['"]?\s*[:=]""")
_ANNUAL_LINK: Final = re.compile(r"annualreport#(\d+)")
_ARTICLE: Final = re.compile(r"/gkmlpt/content/(?:\d+/)+post_\d+\.html?$")
_YEAR: Final = re.compile(r"(?:19|20)\d{2}")
_CHINA: Final = dt.timezone(dt.timedelta(hours=8))
_DATE: Final = re.compile(r"((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})")


class GkmlptSpider(NingxiaPlatformSpider):
    """Navigation of a gkmlpt site: home page → 政府信息公开 → the 年报 page, whose
    classifications are read through the JSON list API."""

    content_selectors: ClassVar[tuple[str, ...]] = (
        "div.article-content",
        "div.content",
        *NingxiaPlatformSpider.content_selectors,
    )
    api_path: ClassVar[str] = "/gkmlpt/api/all/{classify}?page={page}&sid={sid}"

    def parse_column(self, response: Response) -> Iterator[Any]:
        """The 年报 page (or any gkmlpt page): the annual-report classifications' lists."""
        if not isinstance(response, TextResponse):
            return
        page = Page(response)
        self.count_offsite(page)
        sid = _SID.search(page.text)
        if sid is None:
            self.logger.warning("%s: no gkmlpt SID on %s", self.name, response.url)
            self.crawler.stats.inc_value("discovery/unreadable_config")
            return
        for classify in self.annual_classifications(page.text):
            yield self.list_request(response.url, classify, 1, sid.group(1))

    def annual_classifications(self, text: str) -> list[int]:
        """Ids of the classifications holding annual reports: tree nodes named like the 年报
        column (no year in the name), with their children, and `annualreport#<id>` links."""
        found: dict[int, None] = {int(i): None for i in _ANNUAL_LINK.findall(text)}
        tree = json_after(text, _TREE)

        def walk(nodes: Any, inside: bool) -> None:
            for node in nodes if isinstance(nodes, list) else ():
                if not isinstance(node, dict):
                    continue
                name = normalise_text(str(node.get("name") or ""))
                wanted = inside or (
                    not _YEAR.search(name) and any(t in name for t in self.column_link_texts)
                )
                if wanted and isinstance(node.get("id"), int):
                    found.setdefault(node["id"], None)
                walk(node.get("children"), wanted)

        walk(tree, False)
        return list(found)

    def list_request(self, base: str, classify: int, number: int, sid: str) -> Any:
        url = urljoin(base, self.api_path.format(classify=classify, page=number, sid=sid))
        return self.page_request(
            url,
            self.parse_list,
            meta={"gkmlpt": {"classify": classify, "page": number, "sid": sid}},
        )

    def parse_list(self, response: Response) -> Iterator[Any]:
        """One page of the JSON list API; the first page asks for all the others."""
        state = response.meta["gkmlpt"]
        try:
            data = json.loads(response.body)
            articles = list(data.get("articles") or [])
        except (ValueError, TypeError, AttributeError):
            self.logger.warning("%s: unreadable gkmlpt list %s", self.name, response.url)
            self.crawler.stats.inc_value("lists/unreadable")
            return
        self.crawler.stats.inc_value("entries/listed", len(articles))
        for article in articles:
            if not isinstance(article, dict):
                continue
            url = response.urljoin(str(article.get("url") or ""))
            title = normalise_text(str(article.get("title") or ""))
            if not self.is_own_url(url):
                self.crawler.stats.inc_value("links/offsite")
                continue
            if self.report_title.search(title):
                yield from self.follow_entry(Link(url, title, _date_of(article)))
        if state["page"] != 1 or not articles:
            return
        count = (data.get("classify") or {}).get("post_count") or data.get("total")
        try:
            pages = math.ceil(int(count) / len(articles))
        except (TypeError, ValueError):
            return
        for number in range(2, pages + 1):
            yield self.list_request(response.url, state["classify"], number, state["sid"])

    def attachment_urls(self, page: Page) -> list[str]:
        """The body's file links, then the files of the page's `DETAIL` JSON."""
        urls = super().attachment_urls(page)
        for name, href in _detail_files(json_after(page.text, _DETAIL)):
            url = urljoin(page.base_url, href)
            if url in urls or not (is_document_file(url) or is_document_file(name)):
                continue
            if self.is_own_url(url):
                urls.append(url)
            else:
                self.crawler.stats.inc_value("links/offsite")
        return urls

    def report_entries(self, page: Page) -> tuple[list[Link], int]:
        entries = [
            link
            for link in page.links()
            if (_ARTICLE.search(link.url) or is_document_file(link.url))
            and self.is_own_url(link.url)
        ]
        return [e for e in entries if self.report_title.search(e.text)], len(entries)


def _detail_files(detail: Any) -> list[tuple[str, str]]:
    """(file name, URL) of each attachment a `DETAIL` object lists."""
    files = (
        detail.get("attachment") or detail.get("attachments") if isinstance(detail, dict) else []
    )
    return [
        (str(item.get("name") or ""), str(item.get("url") or item.get("link")))
        for item in (files if isinstance(files, list) else [])
        if isinstance(item, dict) and (item.get("url") or item.get("link"))
    ]


def _date_of(article: dict[str, Any]) -> str | None:
    """The list date: an epoch (seconds, China time) or a `YYYY-MM-DD …` string."""
    for key in ("publish_time", "first_publish_time", "created_at", "date"):
        value = article.get(key)
        if isinstance(value, int | float) and value > 0:
            return dt.datetime.fromtimestamp(value, _CHINA).date().isoformat()
        if isinstance(value, str):
            match = _DATE.search(value)
            if match:
                year, month, day = (int(g) for g in match.groups())
                try:
                    return dt.date(year, month, day).isoformat()
                except ValueError:
                    continue
    return None
