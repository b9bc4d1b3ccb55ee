"""The pages of the Ningxia county CMS that are not articles: home, disclosure platform, column
lists with both pagination styles. Article pages come from `tests.support.render`.

Markup follows `sites.md`: list rows are `div.boxcon div.xxgk_wrap ul` with the title in
`li.w383 a`, the date in `li.w100 span` and a hover box `div.hover_box p span`; list-style
columns page through `list.html`, `list_1.html` … with plain links, news-style columns through
`index.html`, `index_1.html` … with only `createPageHTML(<pages>, <current>, "index", "html")`
to say how many pages there are.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
from dataclasses import dataclass
from typing import Literal

Pagination = Literal["list", "index"]


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def relative(from_page: str, to: str) -> str:
    """A link from the page at URL path `from_page` to URL path `to`, as the CMS writes it.

    Targets in the page's own folder get `./`; a folder target keeps its trailing slash.
    """
    base = posixpath.dirname(from_page)
    link = posixpath.relpath(to, base)
    if to.endswith("/") and not link.endswith("/"):
        link += "/"
    if link == "./":
        return "./"
    return link if link.startswith("../") else f"./{link}"


def page_name(style: Pagination, number: int) -> str:
    """The file name of list page `number` (0 = first) in a pagination style."""
    stem = "list" if style == "list" else "index"
    return f"{stem}.html" if number == 0 else f"{stem}_{number}.html"


@dataclass(frozen=True)
class Chrome:
    """What every page of one site shares."""

    site_name: str
    host: str
    nav: tuple[tuple[str, str], ...]
    friends: tuple[tuple[str, str], ...] = ()  # footer 友情链接: (label, absolute URL)
    search_href: str = "/nxsearch/search.html"
    search_params: tuple[tuple[str, str], ...] = ()  # hidden inputs of the search form
    site_id: str = ""  # the SiteIDCode meta, when the site prints one


def site_id_meta(site_id: str) -> str:
    """`<meta name="SiteIDCode">`: the site identifier government pages carry (first six
    digits: the division code)."""
    return f'<meta name="SiteIDCode" content="{esc(site_id)}">' if site_id else ""


def shell(chrome: Chrome, title: str, body: str, *, charset: str = "utf-8") -> str:
    nav = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for label, href in chrome.nav)
    friends = ""
    if chrome.friends:
        links = "".join(
            f'<a href="{esc(url)}" target="_blank">{esc(label)}</a>'
            for label, url in chrome.friends
        )
        friends = f'<div class="yqlj"><span>友情链接：</span>{links}</div>'
    hidden = "".join(
        f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">'
        for name, value in chrome.search_params
    )
    if chrome.search_params:
        query = "&".join(f"{name}={value}" for name, value in chrome.search_params)
        href = f"{chrome.search_href}?{query}"
        hidden += f'<a class="search_adv" href="{esc(href)}">高级搜索</a>\n'
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{esc(title)}</title>
<meta name="SiteName" content="{esc(chrome.site_name)}">
<meta name="SiteDomain" content="{esc(chrome.host)}">{site_id_meta(chrome.site_id)}
</head>
<body>
<div class="header"><div class="logo"><a href="/">{esc(chrome.site_name)}</a></div>
<div class="search"><form action="{esc(chrome.search_href)}" method="get">
{hidden}<input type="text" name="searchWord" placeholder="请输入关键字">
<button type="submit">搜索</button></form></div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="main">
{body}
</div>
<div class="footer">{friends}
<p>主办单位：{esc(chrome.site_name)}办公室　网站标识码：6403000000</p>
<p>宁ICP备05000000号　宁公网安备 64000002000000号</p></div>
</body>
</html>
"""


@dataclass(frozen=True)
class Row:
    """One list row: a link, its date, and the hover box's metadata."""

    title: str
    href: str
    date: dt.date
    index_no: str = ""
    doc_no: str = ""
    publisher: str = ""


def rows_html(rows: list[Row]) -> str:
    if not rows:
        return (
            '<div class="boxcon"><div class="xxgk_wrap"><p class="nodata">暂无信息</p></div></div>'
        )
    out = ['<div class="boxcon">', '<div class="xxgk_wrap">']
    for row in rows:
        out.append(
            "<ul>"
            f'<li class="w383"><a href="{esc(row.href)}" target="_blank" title="{esc(row.title)}">'
            f"{esc(row.title)}</a>"
            '<div class="hover_box">'
            f"<p><span>索引号：</span><span>{esc(row.index_no)}</span></p>"
            f"<p><span>文号：</span><span>{esc(row.doc_no)}</span></p>"
            f"<p><span>发布机构：</span><span>{esc(row.publisher)}</span></p>"
            "</div></li>"
            f'<li class="w100"><span>{row.date.isoformat()}</span></li>'
            "</ul>"
        )
    out.extend(["</div>", "</div>"])
    return "\n".join(out)


def pager_html(style: Pagination, pages: int, current: int) -> str:
    """The pager under a list: links for list-style, only the script call for news-style."""
    if style == "index":
        return (
            '<div class="page"><script type="text/javascript">'
            f'createPageHTML({pages}, {current}, "index", "html");</script></div>'
        )
    if pages <= 1:
        return '<div class="page"><span>共1页</span></div>'
    links = [f"<span>共{pages}页</span>"]
    if current > 0:
        links.append(f'<a href="{page_name("list", 0)}">首页</a>')
        links.append(f'<a href="{page_name("list", current - 1)}">上一页</a>')
    links.append(f"<span>{current + 1}</span>")
    if current < pages - 1:
        links.append(f'<a href="{page_name("list", current + 1)}">下一页</a>')
        links.append(f'<a href="{page_name("list", pages - 1)}">尾页</a>')
    return '<div class="page">' + "".join(links) + "</div>"


def sidebar_html(
    links: tuple[tuple[str, str], ...], current_path: str, page_path: str, heading: str
) -> str:
    items = []
    for label, target in links:
        folder = target if target.endswith("/") else posixpath.dirname(target) + "/"
        active = ' class="on"' if current_path.startswith(folder) else ""
        items.append(
            f'<li{active}><a href="{esc(relative(page_path, target))}">{esc(label)}</a></li>'
        )
    return (
        f'<div class="xxgk_left"><div class="xxgk_left_title">{esc(heading)}</div>'
        f'<ul class="xxgk_nav">{"".join(items)}</ul></div>'
    )


def tabs_html(children: tuple[tuple[str, str], ...], page_path: str) -> str:
    if not children:
        return ""
    links = "".join(
        f'<li><a href="{esc(relative(page_path, target))}">{esc(label)}</a></li>'
        for label, target in children
    )
    return f'<div class="lmdh"><ul>{links}</ul></div>'


def breadcrumb_html(crumbs: tuple[tuple[str, str], ...], page_path: str) -> str:
    parts = ['<a href="/">首页</a>']
    parts.extend(
        f'<a href="{esc(relative(page_path, target))}">{esc(label)}</a>' for label, target in crumbs
    )
    return f'<div class="position">当前位置：{" &gt; ".join(parts)}</div>'


def home_html(chrome: Chrome, platform_label: str, platform_href: str, news: list[Row]) -> str:
    banner = f'<img src="/images/banner.jpg" alt="{esc(chrome.site_name)}">'
    entry = f'<a class="xxgk_entry" href="{esc(platform_href)}">{esc(platform_label)}</a>'
    body = f"""<div class="banner">{banner}</div>
<div class="home_block">
<div class="home_news"><div class="title"><span>要闻动态</span></div>
{rows_html(news)}
</div>
<div class="home_xxgk">{entry}</div>
</div>"""
    return shell(chrome, chrome.site_name, body)


def platform_html(
    chrome: Chrome,
    *,
    page_path: str,
    heading: str,
    sidebar: tuple[tuple[str, str], ...],
    intro: str,
) -> str:
    body = (
        breadcrumb_html(((heading, page_path),), page_path)
        + '<div class="xxgk_main">'
        + sidebar_html(sidebar, page_path, page_path, heading)
        + f'<div class="xxgk_right"><div class="xxgk_intro"><p>{esc(intro)}</p></div></div>'
        + "</div>"
    )
    return shell(chrome, f"{heading}_{chrome.site_name}", body)


def column_html(
    chrome: Chrome,
    *,
    page_path: str,
    column_path: str,
    title: str,
    crumbs: tuple[tuple[str, str], ...],
    sidebar: tuple[tuple[str, str], ...],
    sidebar_heading: str,
    children: tuple[tuple[str, str], ...],
    rows: list[Row],
    style: Pagination,
    pages: int,
    current: int,
) -> str:
    """One page of a column: sidebar, sub-column tabs, list rows, pager."""
    body = (
        breadcrumb_html(crumbs, page_path)
        + '<div class="xxgk_main">'
        + sidebar_html(sidebar, column_path, page_path, sidebar_heading)
        + '<div class="xxgk_right">'
        + f'<div class="xxgk_right_title"><span>{esc(title)}</span></div>'
        + tabs_html(children, page_path)
        + rows_html(rows)
        + pager_html(style, pages, current)
        + "</div></div>"
    )
    return shell(chrome, f"{title}_{chrome.site_name}", body)
