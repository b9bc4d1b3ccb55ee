"""五指山市 (469001) on 开普云 Ucap, as Hainan's county sites are built.

Home page → 政府信息公开, whose menu shows no 年报 column (on these sites it sits deep in the
法定主动公开内容 tree): the crawl finds the reports through the site search,
`GET /guestweb4/s?searchWord=<word>&siteCode=4690010001`, an HTML result page (three results,
下一页 to the next). Articles are `<32 hex>.shtml`, the body in `div.pages_content#UCAP-CONTENT`.
The results hold the county's reports, a department's DOCX report, a repost of 海南省's report,
a notice about the 年报 and an off-site result (the province's own site), which is never fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Final
from urllib.parse import urlencode

from crawler.counties import BY_COUNTY_CODE, County
from tests.fixtureweb.cms import esc
from tests.fixtureweb.content import ROBOTS_OPEN, synthetic
from tests.fixtureweb.families import FamilySite, report_body
from tests.fixtureweb.site import repost_level
from tests.support.spec import ReportSpec

D = dt.date
COUNTY: Final = BY_COUNTY_CODE["469001"]
HAINAN: Final = County(slug="hainan", code="460000", site="", name="海南省", province="海南省")
SITE_CODE: Final = "4690010001"
SITE_ID: Final = SITE_CODE
PAGE_SIZE: Final = 3
OFFSITE: Final = (
    "https://www.hainan.gov.cn/hainan/5309/202301/9b1e0c2a6d0f4e8fa5b3c7d9e1f20a34.shtml"
)


def _hex(number: int) -> str:
    return hashlib.md5(f"wzs-{number}".encode()).hexdigest()


def search_path(word: str, page: int = 1) -> str:
    params = {"searchWord": word, "siteCode": SITE_CODE}
    if page > 1:
        params["page"] = str(page)
    return f"/guestweb4/s?{urlencode(params)}"


def write(site: FamilySite) -> None:
    c = COUNTY
    results: list[tuple[str, str, dt.date]] = []  # (title, url, date)

    def article(number: int, title: str, date: dt.date, body: str) -> str:
        path = f"/wzs/0400/{date:%Y%m}/{_hex(number)}.shtml"
        page = site.page(
            f"{title}_{site.name}",
            f'<div class="pages-title"><h1>{esc(title)}</h1></div>'
            f'<div class="pages-date">{date.isoformat()} 09:30 来源：{esc(site.name)}</div>'
            f'<div class="pages_content" id="UCAP-CONTENT">\n{body}\n</div>',
            article=date,
        )
        url = site.add(path, page)
        results.append((title, url, date))
        return url

    def inline(number: int, pair: tuple[ReportSpec, dict[str, Any]], date: dt.date) -> None:
        url = article(number, pair[0].title, date, report_body(pair[0]))
        site.report(
            pair,
            date,
            page=url,
            sources=[{"url": url, "format": "html"}],
            listed_in=site.url(search_path("年度报告")),
        )

    listed = site.url(search_path("年度报告"))
    inline(1, synthetic(c, 2022, 921, D(2023, 1, 20)), D(2023, 1, 20))
    date = D(2023, 1, 17)
    spec, ref = synthetic(c, 2022, 922, date, agency="五指山市教育局")
    file_path = f"/wzs/0400/{date:%Y%m}/{_hex(2)}/files/{_hex(22)[:16]}.docx"
    file_url = site.attachment(file_path, spec, "docx", declared=False)
    page_url = article(
        2,
        spec.title,
        date,
        f"<p>{esc(spec.title)}详见附件。</p>"
        f'<p>附件：<a href="{esc(file_path)}">{esc(spec.title)}.docx</a></p>',
    )
    site.report(
        (spec, ref),
        date,
        page=page_url,
        sources=[{"url": file_url, "format": "docx"}],
        listed_in=listed,
    )
    site.not_report(page_url, "attachment page", spec.title, listed)
    notice = "五指山市人民政府办公室关于做好2022年度政务公开年报工作的通知"
    url = article(
        3, notice, D(2022, 12, 22), "<p>各乡镇人民政府、市政府直属各单位：请按时发布年度报告。</p>"
    )
    site.not_report(url, "notice", notice, site.url(search_path("年报")))
    inline(
        5, repost_level(synthetic(HAINAN, 2021, 924, D(2022, 1, 28)), "province"), D(2022, 1, 28)
    )
    offsite_title = "海南省2022年政府信息公开工作年度报告"
    results.append((offsite_title, OFFSITE, D(2023, 1, 31)))
    site.tree.never_fetch.append(
        {
            "url": OFFSITE,
            "county": c.slug,
            "reason": "off-site link",
            "linked_from": listed,
            "title": offsite_title,
        }
    )

    for word in ("年度报告", "年报"):
        found = sorted((r for r in results if word in r[0]), key=lambda r: r[2], reverse=True)
        pages = max(1, -(-len(found) // PAGE_SIZE))
        for number in range(1, pages + 1):
            rows = "".join(
                f'<li><a href="{esc(url)}" target="_blank">'
                f"{esc(title).replace(esc(word), f'<em>{esc(word)}</em>')}</a>"
                f'<p class="url">{esc(url)}</p><span class="time">{date.isoformat()}</span></li>'
                for title, url, date in found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
            )
            pager = f"<span>共{len(found)}条结果</span>"
            if number < pages:
                pager += f'<a href="{esc(search_path(word, number + 1))}">下一页</a>'
            site.add(
                search_path(word, number),
                site.page(
                    f"搜索结果_{site.name}",
                    f'<ul class="search-list">{rows}</ul><div class="page">{pager}</div>',
                ),
            )

    site.nav = (
        ("首页", "/"),
        ("政府信息公开", "/wzs/zfxxgk/index.shtml"),
        ("互动交流", "/wzs/hdjl/index.shtml"),
    )
    site.add(
        "/",
        site.page(
            site.name,
            '<form action="/guestweb4/s" method="get">'
            f'<input type="hidden" name="siteCode" value="{SITE_CODE}">'
            '<input name="searchWord"></form>',
        ),
    )
    menu = "".join(
        f'<li><a href="/wzs/zfxxgk/{slug}/index.shtml">{label}</a></li>'
        for label, slug in (
            ("政府信息公开指南", "gkzn"),
            ("政府信息公开制度", "gkzd"),
            ("法定主动公开内容", "fdzdgknr"),
            ("依申请公开", "ysqgk"),
        )
    )
    site.add(
        "/wzs/zfxxgk/index.shtml",
        site.page(f"政府信息公开_{site.name}", f'<ul class="xxgk-menu">{menu}</ul>'),
    )
    site.add("/robots.txt", ROBOTS_OPEN.encode())
