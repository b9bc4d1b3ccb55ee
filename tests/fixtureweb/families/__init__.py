"""Fixture sites of the platform families beyond TRS (shared/spec/platforms.md): one county
site each for 大汉 Hanweb JCMS, Guangdong gkmlpt, 开普云 and 博达 VSB, written straight into the
fixture web's `Tree` with their manifest records.

Each family module builds its site with `FamilySite` (pages, files with their Content-Types,
manifest records) and exposes `COUNTY` and `write(site)`. Their markup follows the shapes of
platforms.md: XML record lists and a `dataproxy.jsp` proxy, `window._CONFIG` and a JSON API,
script-only result lists, `list.jsp` pagers and extension-less downloads. Columns also repost
the prefecture's report and hold notices and letters about the 年报 that are not reports.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Final

from crawler.counties import County
from tests.fixtureweb.cms import esc
from tests.fixtureweb.content import report as report_entry
from tests.fixtureweb.site import Renderer, Site, Tree, manifest_record
from tests.support.render import report_body_html
from tests.support.spec import ReportSpec

CONTENT_TYPES: Final = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "json": "application/json;charset=UTF-8",
}


@dataclass
class FamilySite:
    """One county site being written: its identity, its tree, and what the manifest says."""

    county: County
    site_id: str
    tree: Tree
    render_attachment: Renderer
    nav: tuple[tuple[str, str], ...] = ()
    specs: dict[str, ReportSpec] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.county.site

    @property
    def name(self) -> str:
        return f"{self.county.name}人民政府"

    def url(self, path: str) -> str:
        scheme = self.county.start_url.split("://", 1)[0] or "https"
        return f"{scheme}://{self.host}{path}"

    def add(self, path: str, data: bytes, headers: dict[str, str] | None = None) -> str:
        """Store a file at URL `path` (with a sidecar for `headers`); returns its URL."""
        self.tree.add(self.host, path, data)
        if headers:
            self.tree.sidecar(self.host, path, {"headers": headers})
        return self.url(path)

    def attachment(self, path: str, spec: ReportSpec, fmt: str, *, declared: bool) -> str:
        """An attachment file; `declared`: its URL does not say its type (a `.jsp` download),
        so the server's Content-Type and Content-Disposition do."""
        headers = None
        if declared:
            headers = {
                "Content-Type": CONTENT_TYPES[fmt],
                "Content-Disposition": f'attachment; filename="{spec.name}.{fmt}"',
            }
        return self.add(path, self.render_attachment(spec, fmt), headers)

    def page(
        self,
        title: str,
        body: str,
        *,
        article: dt.date | None = None,
        publisher: str = "",
        head: str = "",
    ) -> bytes:
        """A page of the site: head metas (SiteIDCode; an article's ArticleTitle, PubDate,
        ContentSource), the site's navigation, `body`, the footer."""
        metas = [
            '<meta charset="utf-8">',
            f"<title>{esc(title)}</title>",
            f'<meta name="SiteName" content="{esc(self.name)}">',
            f'<meta name="SiteDomain" content="{esc(self.host)}">',
            f'<meta name="SiteIDCode" content="{esc(self.site_id)}">',
        ]
        if article is not None:
            metas += [
                f'<meta name="ArticleTitle" content="{esc(title)}">',
                f'<meta name="PubDate" content="{article.isoformat()} 09:30">',
                f'<meta name="ContentSource" content="{esc(publisher or self.name)}">',
            ]
        nav = "".join(f'<li><a href="{esc(h)}">{esc(label)}</a></li>' for label, h in self.nav)
        return (
            "<!DOCTYPE html>\n<html>\n<head>\n" + "\n".join(metas) + f"\n{head}</head>\n<body>\n"
            f'<div class="header"><div class="logo">{esc(self.name)}</div>'
            f'<ul class="nav">{nav}</ul></div>\n'
            f"{body}\n"
            f'<div class="footer"><p>主办：{esc(self.name)}办公室　网站标识码：{self.site_id}</p>'
            "</div>\n</body>\n</html>\n"
        ).encode("utf-8")

    def report(
        self,
        spec_and_ref: tuple[ReportSpec, dict[str, Any]],
        date: dt.date,
        *,
        page: str | None,
        sources: list[dict[str, str]],
        listed_in: str,
    ) -> None:
        entry = report_entry(spec_and_ref, date)
        assert entry.spec is not None
        self.specs[entry.spec.name] = entry.spec
        site = Site(county=self.county, platform_slug="")
        self.tree.reports.append(
            manifest_record(
                site, entry.spec, entry, sources=sources, page=page, listed_in=listed_in
            )
        )

    def not_report(self, url: str, kind: str, title: str, listed_in: str) -> None:
        self.tree.not_reports.append(
            {
                "url": url,
                "county": self.county.slug,
                "kind": kind,
                "title": title,
                "listed_in": listed_in,
            }
        )


def report_body(spec: ReportSpec) -> str:
    """The report as the CMS editor holds it (the parser reads it from the page)."""
    return report_body_html(spec)


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
