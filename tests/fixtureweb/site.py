"""A county site as data (`Site`, `Column`, `Entry`) and its writer (`SiteWriter`).

A site is a home page, a disclosure platform with the national sidebar, columns holding list
entries (reports, notices, news, odd links) and sub-columns. `SiteWriter.write` turns it into
files of a `wget --mirror` tree (`<host>/<path>` → bytes, plus sidecars) and manifest records.
Everything is deterministic: the same site gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from crawler.counties import County
from tests.fixtureweb import cms
from tests.support import render
from tests.support.render import SiteChrome, render_article
from tests.support.spec import ReportSpec

EntryKind = Literal["report", "notice", "news", "broken", "offsite", "forbidden"]
AttachmentFormat = Literal["pdf", "docx", "doc", "wps"]

# Doc ids rise in date order across every host (one CMS database); anchored on the id that
# sites.md quotes for 2023-01-13, with room for 150 documents a day.
_DOCID_ANCHOR = (dt.date(2023, 1, 13), 3916830)
_DOCS_PER_DAY = 150
ANNUAL_LABEL = "政府信息公开年报"


@dataclass
class Entry:
    """One row of a column's list and what it links to.

    A report entry prints its `spec` inline (`inline`), attaches it (`attachments`, formats of
    the same report beside the article), or both. `direct` links the list row straight to its
    single attachment (no article page); `onclick` hides the attachment link in
    `onclick="window.open('…')"`. `date` is the date in the URL; `listed` the date the list
    shows (it moves when the CMS republishes a changed page; default `date`); `page_date` the
    发布日期 printed on the page when it differs from the URL's. `href` is the link of a broken,
    off-site or robots-forbidden entry.
    """

    title: str
    date: dt.date
    kind: EntryKind = "report"
    spec: ReportSpec | None = None
    spec_ref: dict[str, Any] | None = None
    inline: bool = True
    attachments: tuple[AttachmentFormat, ...] = ()
    direct: bool = False
    onclick: bool = False
    page_date: dt.date | None = None
    encoding: str = "utf-8"
    href: str | None = None
    publisher: str = ""
    paragraphs: tuple[str, ...] = ()
    docid: int | None = None
    listed: dt.date | None = None

    @property
    def list_date(self) -> dt.date:
        return self.listed or self.date


@dataclass
class Column:
    label: str
    slug: str
    entries: list[Entry] = field(default_factory=list)
    children: list[Column] = field(default_factory=list)
    style: cms.Pagination = "list"
    page_size: int = 20
    path: str = ""  # set by the writer: /<platform>/<...>/<slug>/

    def first_page(self) -> str:
        return self.path + cms.page_name(self.style, 0) if self.style == "list" else self.path


@dataclass
class Site:
    county: County
    platform_slug: str  # xxgk, zwgk, xxgk_13518
    platform_label: str = "政府信息公开"
    body_class: str = "zz-xl-ct"
    meta_style: Literal["line", "table"] = "table"
    sidebar: list[Column] = field(default_factory=list)  # the national sidebar, in order
    news: Column | None = None  # the home page's news column (/xwzx/)
    hidden: list[Column] = field(default_factory=list)  # columns no page links to
    robots: str | None = None
    friends: tuple[tuple[str, str], ...] = ()
    home_platform_href: str | None = None  # what the home page links as the platform
    files: dict[str, bytes] = field(default_factory=dict)  # extra files by URL path
    sidecars: dict[str, dict[str, Any]] = field(default_factory=dict)  # by URL path of the file
    search_params: tuple[tuple[str, str], ...] = ()
    site_id: str = ""  # <meta name="SiteIDCode"> on every page ("" for none, as older sites)
    name: str = ""  # <meta name="SiteName"> when not `<county>人民政府`

    @property
    def host(self) -> str:
        return self.county.site

    @property
    def platform_path(self) -> str:
        return f"/{self.platform_slug}/"

    @property
    def site_name(self) -> str:
        return self.name or f"{self.county.name}人民政府"

    def url(self, path: str) -> str:
        return f"https://{self.host}{path}"


@dataclass
class Tree:
    """Files of a mirror tree, by relative path, and the manifest records collected with them.

    With `spill` set, files go straight to that directory instead of staying in memory (the
    large benchmark web); `digests` is kept either way.
    """

    files: dict[str, bytes] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)
    not_reports: list[dict[str, Any]] = field(default_factory=list)
    broken: list[dict[str, Any]] = field(default_factory=list)
    never_fetch: list[dict[str, Any]] = field(default_factory=list)
    spill: Path | None = None

    def put(self, key: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        if self.digests.get(key, digest) != digest:
            raise ValueError(f"two different files for {key}")
        self.digests[key] = digest
        if self.spill is None:
            self.files[key] = data
        else:
            target = self.spill / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    def add(self, host: str, path: str, data: bytes) -> None:
        self.put(f"{host}/{_file_name(path)}", data)

    def sidecar(self, host: str, path: str, data: dict[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        self.put(f"{host}/{_file_name(path)}.http", text.encode("utf-8"))


def _file_name(path: str) -> str:
    """Where wget stores a URL path: a folder's page is its index.html."""
    relative = path.lstrip("/")
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    return relative


class DocIds:
    """Hands out doc ids that rise with the date, shared by every site of one web."""

    def __init__(self, per_day: int = _DOCS_PER_DAY) -> None:
        # A web of thousands of sites (the crawl benchmark) publishes more a day than 150; its
        # ids start higher, so that those of years before the anchor stay positive.
        self.per_day = per_day
        self._base = _DOCID_ANCHOR[1] + (0 if per_day == _DOCS_PER_DAY else 20_000 * per_day)
        self._per_day: dict[dt.date, int] = {}

    def next(self, date: dt.date) -> int:
        seq = self._per_day.get(date, 0)
        if seq >= self.per_day:
            raise ValueError(f"more than {self.per_day} documents on {date}")
        self._per_day[date] = seq + 1
        return self._base + (date - _DOCID_ANCHOR[0]).days * self.per_day + seq

    def reserve(self, date: dt.date, docid: int) -> None:
        if docid != self._base + (date - _DOCID_ANCHOR[0]).days * self.per_day:
            raise ValueError(f"doc id {docid} is not the first of {date}")
        self._per_day[date] = max(self._per_day.get(date, 0), 1)


Renderer = Callable[[ReportSpec, str], bytes]


def repost_level(spec_and_ref: tuple[ReportSpec, dict[str, Any]], level: str) -> Any:
    """A reposted report keeps its own division and level (a prefecture's, a province's)."""
    spec, ref = spec_and_ref
    return replace(spec, meta=replace(spec.meta, level=level)), ref


class SiteWriter:
    """Writes sites into one `Tree`; `render_attachment(spec, fmt)` makes attachment bytes."""

    def __init__(self, tree: Tree, render_attachment: Renderer = render.render) -> None:
        self.tree = tree
        self.docids = DocIds()
        self.render_attachment = render_attachment

    # -- layout -------------------------------------------------------------------------------

    def assign_paths(self, site: Site) -> None:
        def walk(column: Column, parent: str) -> None:
            column.path = f"{parent}{column.slug}/"
            for child in column.children:
                walk(child, column.path)

        for column in (*site.sidebar, *site.hidden):
            walk(column, site.platform_path)
        if site.news is not None:
            walk(site.news, "/")

    def assign_docids(self, sites: list[Site]) -> None:
        entries = [
            entry
            for site in sites
            for column in _all_columns(site)
            for entry in column.entries
            if entry.kind not in {"broken", "offsite", "forbidden"}
        ]
        for entry in entries:
            if entry.docid is not None:
                self.docids.reserve(entry.date, entry.docid)
        for entry in sorted(entries, key=lambda e: e.date):
            if entry.docid is None:
                entry.docid = self.docids.next(entry.date)

    # -- writing ------------------------------------------------------------------------------

    def write(self, site: Site) -> None:
        chrome = self.chrome(site)
        host = site.host
        news_rows = (
            [self.row(site, site.news, e, "/") for e in site.news.entries[:6]] if site.news else []
        )
        platform_href = site.home_platform_href or site.platform_path
        self.tree.add(
            host, "/", cms.home_html(chrome, site.platform_label, platform_href, news_rows).encode()
        )
        sidebar = tuple((c.label, c.first_page()) for c in site.sidebar)
        self.tree.add(
            host,
            site.platform_path,
            cms.platform_html(
                chrome,
                page_path=site.platform_path + "index.html",
                heading=site.platform_label,
                sidebar=sidebar,
                intro=f"欢迎访问{site.site_name}{site.platform_label}平台。",
            ).encode(),
        )
        for column in site.sidebar:
            self.write_column(site, chrome, column, crumbs=(), sidebar=sidebar)
        for column in site.hidden:
            self.write_column(site, chrome, column, crumbs=(), sidebar=sidebar, lists=False)
        if site.news is not None:
            self.write_column(site, chrome, site.news, crumbs=(), sidebar=())
        if site.robots is not None:
            self.tree.add(host, "/robots.txt", site.robots.encode())
        for path, data in site.files.items():
            self.tree.add(host, path, data)
        for path, sidecar in site.sidecars.items():
            self.tree.sidecar(host, path, sidecar)

    def chrome(self, site: Site) -> cms.Chrome:
        nav = (("首页", "/"), ("政务公开", site.home_platform_href or site.platform_path))
        if site.news is not None:
            nav += (("新闻中心", "/xwzx/"),)
        return cms.Chrome(
            site_name=site.site_name,
            host=site.host,
            nav=nav,
            friends=site.friends,
            search_params=site.search_params,
            site_id=site.site_id,
        )

    def write_column(
        self,
        site: Site,
        chrome: cms.Chrome,
        column: Column,
        *,
        crumbs: tuple[tuple[str, str], ...],
        sidebar: tuple[tuple[str, str], ...],
        lists: bool = True,
        annual: bool = False,
    ) -> None:
        annual = annual or column.label == ANNUAL_LABEL
        crumbs = (*crumbs, (column.label, column.first_page()))
        if lists:
            pages = max(1, -(-len(column.entries) // column.page_size))
            children = tuple((c.label, c.first_page()) for c in column.children)
            for number in range(pages):
                page_path = column.path + cms.page_name(column.style, number)
                chunk = column.entries[number * column.page_size : (number + 1) * column.page_size]
                rows = [self.row(site, column, entry, page_path) for entry in chunk]
                page = cms.column_html(
                    chrome,
                    page_path=page_path,
                    column_path=column.path,
                    title=column.label,
                    crumbs=((site.platform_label, site.platform_path), *crumbs),
                    sidebar=sidebar,
                    sidebar_heading=site.platform_label,
                    children=children,
                    rows=rows,
                    style=column.style,
                    pages=pages,
                    current=number,
                )
                self.tree.add(site.host, page_path, page.encode())
        for entry in column.entries:
            self.write_entry(site, column, entry, crumbs, annual=annual, listed=lists)
        for child in column.children:
            self.write_column(
                site, chrome, child, crumbs=crumbs, sidebar=sidebar, lists=lists, annual=annual
            )

    # -- entries ------------------------------------------------------------------------------

    def article_path(self, column: Column, entry: Entry) -> str:
        assert entry.docid is not None
        return f"{column.path}{entry.date:%Y%m}/t{entry.date:%Y%m%d}_{entry.docid}.html"

    def attachment_path(self, column: Column, entry: Entry, fmt: str, number: int) -> str:
        assert entry.docid is not None
        return (
            f"{column.path}{entry.date:%Y%m}/"
            f"P0{entry.date:%Y%m%d}{entry.docid % 1_000_000:06d}{number:06d}.{fmt}"
        )

    def index_no(self, site: Site, entry: Entry) -> str:
        assert entry.docid is not None
        return f"{site.county.code}000/{entry.date.year}-{entry.docid % 100_000:05d}"

    def target(self, column: Column, entry: Entry) -> str:
        """The absolute URL path (or full URL) a list row links to."""
        if entry.href is not None:
            return entry.href
        if entry.direct:
            return self.attachment_path(column, entry, entry.attachments[0], 1)
        return self.article_path(column, entry)

    def row(self, site: Site, column: Column | None, entry: Entry, page_path: str) -> cms.Row:
        assert column is not None
        target = self.target(column, entry)
        href = target if "://" in target else cms.relative(page_path, target)
        return cms.Row(
            title=entry.title,
            href=href,
            date=entry.list_date,
            index_no=self.index_no(site, entry) if entry.docid is not None else "",
            publisher=entry.publisher or (entry.spec.meta.agency if entry.spec else "") or "",
        )

    def site_chrome(
        self, site: Site, page_path: str, crumbs: tuple[tuple[str, str], ...], entry: Entry
    ) -> SiteChrome:
        nav = self.chrome(site).nav
        return SiteChrome(
            site_name=site.site_name,
            host=site.host,
            breadcrumb=tuple(
                (label, cms.relative(page_path, target))
                for label, target in ((site.platform_label, site.platform_path), *crumbs)
            ),
            nav=nav,
            body_class=site.body_class,
            published_at=entry.page_date or entry.date,
            publisher=entry.publisher
            or (entry.spec.meta.agency if entry.spec else None)
            or site.site_name,
            index_no=self.index_no(site, entry),
            meta_style=site.meta_style,
            extra_head=cms.site_id_meta(site.site_id),
        )

    def write_entry(
        self,
        site: Site,
        column: Column,
        entry: Entry,
        crumbs: tuple[tuple[str, str], ...],
        *,
        annual: bool,
        listed: bool = True,
    ) -> None:
        host = site.host
        # The column's first list page; None where no list shows the entry (found by search).
        list_url = site.url(column.first_page()) if listed else None
        if entry.kind == "broken":
            self.tree.broken.append(
                {
                    "url": _absolute(site, entry.href),
                    "county": site.county.slug,
                    "linked_from": list_url,
                }
            )
            return
        if entry.kind in {"offsite", "forbidden"}:
            self.tree.never_fetch.append(
                {
                    "url": _absolute(site, entry.href),
                    "county": site.county.slug,
                    "reason": "off-site link" if entry.kind == "offsite" else "robots.txt",
                    "linked_from": list_url,
                    "title": entry.title,
                }
            )
            return
        page_path = self.article_path(column, entry)
        chrome = self.site_chrome(site, page_path, crumbs, entry)
        if entry.kind in {"notice", "news"}:
            body = "\n".join(
                f'<p style="text-indent:2em">{cms.esc(p)}</p>' for p in entry.paragraphs
            )
            self.tree.add(host, page_path, render_article(entry.title, body, chrome))
            if not annual:  # the crawler never goes there
                return
            self.tree.not_reports.append(
                {
                    "url": site.url(page_path),
                    "county": site.county.slug,
                    "kind": entry.kind,
                    "title": entry.title,
                    "listed_in": list_url,
                }
            )
            return
        spec = entry.spec
        assert spec is not None
        sources: list[dict[str, str]] = []
        attachment_links: list[tuple[str, str]] = []
        for number, fmt in enumerate(entry.attachments, start=1):
            path = self.attachment_path(column, entry, fmt, number)
            self.tree.add(host, path, self.render_attachment(spec, fmt))
            attachment_links.append((f"{spec.title}.{fmt}", cms.relative(page_path, path)))
            sources.append({"url": site.url(path), "format": fmt})
        page_url: str | None = None
        if not entry.direct:
            page_url = site.url(page_path)
            page = self.report_page(spec, entry, chrome, attachment_links)
            self.tree.add(host, page_path, page)
            if entry.encoding != "utf-8":
                self.tree.sidecar(
                    host,
                    page_path,
                    {"headers": {"Content-Type": f"text/html; charset={entry.encoding}"}},
                )
            if entry.inline:
                sources.insert(0, {"url": page_url, "format": "html"})
            else:
                self.tree.not_reports.append(
                    {
                        "url": page_url,
                        "county": site.county.slug,
                        "kind": "attachment page",
                        "title": spec.title,
                        "listed_in": list_url,
                    }
                )
        self.tree.reports.append(
            manifest_record(site, spec, entry, sources=sources, page=page_url, listed_in=list_url)
        )

    def report_page(
        self,
        spec: ReportSpec,
        entry: Entry,
        chrome: SiteChrome,
        attachment_links: list[tuple[str, str]],
    ) -> bytes:
        if entry.inline:
            body = render.report_body_html(spec)
        else:
            body = f'<p style="text-indent:2em">{cms.esc(spec.title)}详见附件。</p>'
        if entry.onclick:
            links = "".join(
                f'<p><a href="javascript:void(0);" onclick="window.open(\'{cms.esc(href)}\')">'
                f"{cms.esc(label)}</a></p>"
                for label, href in attachment_links
            )
            body += f'\n<div class="fj"><p>附件：</p>{links}</div>'
        else:
            chrome = _with_attachments(chrome, attachment_links)
        return render_article(spec.title, body, chrome, encoding=entry.encoding)


def _with_attachments(chrome: SiteChrome, links: list[tuple[str, str]]) -> SiteChrome:
    from dataclasses import replace

    return replace(chrome, attachments=tuple(links))


def _absolute(site: Site, href: str | None) -> str:
    assert href is not None
    return href if "://" in href else site.url(href)


def _all_columns(site: Site) -> list[Column]:
    out: list[Column] = []

    def walk(column: Column) -> None:
        out.append(column)
        for child in column.children:
            walk(child)

    for column in (*site.sidebar, *site.hidden):
        walk(column)
    if site.news is not None:
        walk(site.news)
    return out


def manifest_record(
    site: Site,
    spec: ReportSpec,
    entry: Entry,
    *,
    sources: list[dict[str, str]],
    page: str | None,
    listed_in: str | None,
) -> dict[str, Any]:
    meta = spec.meta
    return {
        "id": spec.name,
        "county": site.county.slug,
        "county_code": meta.county_code,
        "county_name": meta.county,
        "level": meta.level or "county",
        "year": meta.year,
        "agency": meta.agency,
        "scope": meta.scope,
        "template": meta.template,
        "title": meta.title,
        "published_at": (entry.page_date or entry.date).isoformat(),
        "listed_at": entry.list_date.isoformat(),
        "page": page,
        "sources": sources,
        "listed_in": listed_in,
        "spec": entry.spec_ref,
        "figures": spec.expected_figures(),
        "optional": sorted(spec.optional),
        "expected_findings": list(spec.expected_findings),
    }
