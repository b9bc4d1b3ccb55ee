"""安吉县 (330523) on 大汉 Hanweb JCMS, as Zhejiang's county sites are built.

Home page → 政府信息公开 (`/col/col…111/`) → 政府信息公开年报 (`/col/col…115/`). The column
page prints no list: its first page of records sits in an inline `<script type="text/xml">`
datastore and the rest come from `POST /module/web/jpage/dataproxy.jsp` (the mirror's
`hanweb-dataproxy` route). Its sub-column 部门政府信息公开年报 has an empty inline datastore: all
its records come from the proxy. Its sub-column 单位政府信息公开年报 belongs to the 信息公开
module: a form its script posts to `/module/xxgk/search.jsp` (the mirror's `hanweb-xxgk`
route), one row a page. Articles are `/art/Y/M/D/art_<col>_<id>.html` with the body in
`div#zoom`; the 2021 report is a DOCX behind `/module/download/downfile.jsp?…` (no extension in
the URL: the link text names the file). The column reposts 湖州市's report and holds a notice, a
letter and a news item that are not reports.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Final
from urllib.parse import quote

from crawler.counties import BY_COUNTY_CODE, County
from tests.fixtureweb.cms import esc
from tests.fixtureweb.content import ROBOTS_OPEN, synthetic
from tests.fixtureweb.families import FamilySite, report_body
from tests.fixtureweb.site import repost_level

D = dt.date
SITE_ID: Final = "3305230001"
COUNTY: Final = BY_COUNTY_CODE["330523"]
HUZHOU: Final = County(slug="huzhou", code="330500", site="", name="湖州市", province="浙江省")
WEBID: Final = "2869"
PLATFORM: Final = "1229211111"
ANNUAL: Final = "1229211115"
DEPARTMENTS: Final = "1229211117"
UNITS: Final = "1229211118"  # a column of the 信息公开 module
INFOTYPE: Final = "A0803"
XXGK: Final = "/module/xxgk/search.jsp"
PER_PAGE: Final = 3
PROXY: Final = "/module/web/jpage/dataproxy.jsp"


def _column_path(column: str) -> str:
    return f"/col/col{column}/index.html"


def _article_path(column: str, date: dt.date, number: int) -> str:
    return f"/art/{date.year}/{date.month}/{date.day}/art_{column}_{number}.html"


def _record(title: str, href: str, date: dt.date) -> str:
    return (
        f'<li><a href="{esc(href)}" title="{esc(title)}" target="_blank">{esc(title)}</a>'
        f"<span>{date.isoformat()}</span></li>"
    )


def _datastore(column: str, unit: str, records: list[str], total: int) -> str:
    webname = quote("安吉县人民政府")
    nextgroup = (
        f'<a href="{PROXY}?page=1&webid={WEBID}&path=/&columnid={column}&unitid={unit}'
        f'&webname={webname}&permissiontype=0"></a>'
    )
    rows = "".join(f"<record><![CDATA[{r}]]></record>" for r in records)
    return (
        f'<div id="{unit}"><script type="text/xml"><datastore><nextgroup><![CDATA[{nextgroup}]]>'
        f"</nextgroup><recordset>{rows}</recordset></datastore></script></div>\n"
        '<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>\n'
        '<script type="text/javascript">$(document).ready(function(){'
        f"$('#{unit}').jpage({{dataStore: dataStore, perPage: {PER_PAGE}, "
        f"totalRecord: {total}, proxyUrl: '{PROXY}', groupSize: 3, "
        "barPosition: 'bottom', pageBarClass: 'default_pgContainer'});});</script>"
    )


def _xxgk_row(title: str, href: str, date: dt.date) -> str:
    return (
        f'<tr><td class="bt"><a href="{esc(href)}" target="_blank" title="{esc(title)}">'
        f"{esc(title)}</a></td><td>{date.isoformat()}</td></tr>"
    )


def _xxgk_form() -> str:
    """The 信息公开 module's list: a form its script posts, the answer shown in the div."""
    fields = (
        ("infotypeId", INFOTYPE),
        ("jdid", WEBID),
        ("area", "002578000"),
        ("divid", f"div{UNITS}"),
        ("sortfield", ",compaltedate:0"),
        ("currpage", "1"),
    )
    hidden = "".join(f'<input type="hidden" name="{n}" value="{esc(v)}">' for n, v in fields)
    return (
        f'<form id="xxgkform" name="xxgkform" action="{XXGK}" method="post">{hidden}'
        '<input type="text" name="vc_title" value=""><input type="submit" value="搜索"></form>'
        f'<div id="div{UNITS}"></div>\n<script type="text/javascript">$(function(){{'
        f"$.post('{XXGK}', $('#xxgkform').serialize(), function(html){{"
        f"$('#div{UNITS}').html(html);}});}});</script>"
    )


def _article(site: FamilySite, column: str, title: str, date: dt.date, body: str) -> bytes:
    publisher = site.name
    return site.page(
        f"{title}",
        '<div class="main"><div class="bt">'
        f"<h1>{esc(title)}</h1></div>"
        '<table class="xxgk_table"><tr><td>发布日期：</td>'
        f"<td>{date.isoformat()}</td><td>信息来源：</td><td>{esc(publisher)}</td></tr></table>"
        f'<div id="zoom">\n{body}\n</div>'
        '<div class="fx"><a href="javascript:window.print()">打印本页</a></div></div>',
        article=date,
        publisher=publisher,
        head=f'<meta name="ColumnName" content="{column}">\n',
    )


def write(site: FamilySite) -> None:
    c = COUNTY
    annual_url = site.url(_column_path(ANNUAL))
    departments_url = site.url(_column_path(DEPARTMENTS))
    records: dict[str, list[str]] = {ANNUAL: [], DEPARTMENTS: []}
    units_url = site.url(_column_path(UNITS))
    unit_rows: list[str] = []

    def inline_report(column: str, spec_and_ref: object, date: dt.date, number: int) -> None:
        spec, _ = spec_and_ref  # type: ignore[misc]
        path = _article_path(column, date, number)
        url = site.add(path, _article(site, column, spec.title, date, report_body(spec)))
        listed = annual_url if column == ANNUAL else departments_url
        site.report(
            spec_and_ref,  # type: ignore[arg-type]
            date,
            page=url,
            sources=[{"url": url, "format": "html"}],
            listed_in=listed,
        )
        records[column].append(_record(spec.title, path, date))

    def other(column: str, kind: str, title: str, when: tuple[dt.date, int], text: str) -> None:
        date, number = when
        path = _article_path(column, date, number)
        url = site.add(path, _article(site, column, title, date, f"<p>{esc(text)}</p>"))
        site.not_report(url, kind, title, annual_url)
        records[column].append(_record(title, path, date))

    inline_report(
        ANNUAL,
        repost_level(synthetic(HUZHOU, 2022, 902, D(2023, 1, 30)), "prefecture"),
        D(2023, 1, 30),
        59012302,
    )
    inline_report(ANNUAL, synthetic(c, 2022, 901, D(2023, 1, 18)), D(2023, 1, 18), 59012301)
    other(
        ANNUAL,
        "notice",
        "安吉县人民政府办公室关于做好2022年度政府信息公开工作年度报告编制和发布工作的通知",
        (D(2022, 12, 20), 58990011),
        "各乡镇人民政府、县政府各部门：请于2023年1月31日前在本单位信息公开年报栏目发布年度报告。",
    )
    # 2021: the article only points to its DOCX (a download without extension in the URL).
    date = D(2022, 1, 20)
    spec, ref = synthetic(c, 2021, 903, date)
    download = "/module/download/downfile.jsp?classid=0&filename=2201200930125.docx"
    file_url = site.attachment(download, spec, "docx", declared=True)
    path = _article_path(ANNUAL, date, 57340021)
    body = (
        f"<p>{esc(spec.title)}详见附件。</p>"
        f'<p>附件：<a href="{esc(download)}" target="_blank">{esc(spec.title)}.docx</a></p>'
    )
    page_url = site.add(path, _article(site, ANNUAL, spec.title, date, body))
    site.report(
        (spec, ref),
        date,
        page=page_url,
        sources=[{"url": file_url, "format": "docx"}],
        listed_in=annual_url,
    )
    site.not_report(page_url, "attachment page", spec.title, annual_url)
    records[ANNUAL].append(_record(spec.title, path, date))
    other(
        ANNUAL,
        "news",
        "安吉县召开2021年政务公开工作推进会",
        (D(2021, 6, 10), 56001234),
        "会议部署了全县政务公开重点工作。",
    )
    other(
        ANNUAL,
        "letter",
        "关于对安吉县2020年政府信息公开工作年度报告征求意见的函",
        (D(2021, 1, 5), 55000877),
        "现将县政府2020年政府信息公开工作年度报告（征求意见稿）送上，请于1月12日前反馈意见。",
    )
    date = D(2023, 1, 16)
    inline_report(DEPARTMENTS, synthetic(c, 2022, 905, date, agency="安吉县教育局"), date, 59100001)
    # The 信息公开 module's column: one row a page, a DOCX report and a letter.
    date = D(2023, 1, 13)
    spec, ref = synthetic(c, 2022, 906, date, agency="安吉县财政局")
    download = "/module/download/downfile.jsp?classid=0&filename=2301131030777.docx"
    file_url = site.attachment(download, spec, "docx", declared=True)
    path = _article_path(UNITS, date, 59200001)
    body = (
        f"<p>{esc(spec.title)}详见附件。</p>"
        f'<p>附件：<a href="{esc(download)}" target="_blank">{esc(spec.title)}.docx</a></p>'
    )
    page_url = site.add(path, _article(site, UNITS, spec.title, date, body))
    site.report(
        (spec, ref),
        date,
        page=page_url,
        sources=[{"url": file_url, "format": "docx"}],
        listed_in=units_url,
    )
    site.not_report(page_url, "attachment page", spec.title, units_url)
    unit_rows.append(_xxgk_row(spec.title, path, date))
    date = D(2022, 12, 28)
    letter = "安吉县财政局关于2022年度政府信息公开工作年度报告发布时间的说明"
    path = _article_path(UNITS, date, 59190003)
    text = "本局2022年度报告将于2023年1月31日前在县政府门户网站信息公开目录发布。"
    url = site.add(path, _article(site, UNITS, letter, date, f"<p>{esc(text)}</p>"))
    site.not_report(url, "letter", letter, units_url)
    unit_rows.append(_xxgk_row(letter, path, date))

    site.nav = (
        ("首页", "/"),
        ("政府信息公开", _column_path(PLATFORM)),
        ("新闻中心", "/col/col1229211100/index.html"),
    )
    site.add("/", site.page(site.name, '<div class="news"><h2>安吉要闻</h2></div>'))
    sidebar = "".join(
        f'<li><a href="{_column_path(col)}">{label}</a></li>'
        for label, col in (
            ("政府信息公开指南", "1229211112"),
            ("政府信息公开制度", "1229211113"),
            ("法定主动公开内容", "1229211114"),
            ("政府信息公开年报", ANNUAL),
            ("依申请公开", "1229211116"),
        )
    )
    site.add(
        _column_path(PLATFORM),
        site.page(f"政府信息公开_{site.name}", f'<div class="xxgk-nav"><ul>{sidebar}</ul></div>'),
    )
    tabs = (
        f'<div class="lm-tab"><a href="{_column_path(ANNUAL)}">本级年报</a>'
        f'<a href="{_column_path(DEPARTMENTS)}">部门政府信息公开年报</a>'
        f'<a href="{_column_path(UNITS)}">单位政府信息公开年报</a></div>'
    )
    annual = records[ANNUAL]
    site.add(
        _column_path(ANNUAL),
        site.page(
            f"政府信息公开年报_{site.name}",
            f'<div class="xxgk-nav"><ul>{sidebar}</ul></div>{tabs}'
            '<div class="lm-list">'
            f"{_datastore(ANNUAL, '4594261', annual[:PER_PAGE], len(annual))}</div>",
        ),
    )
    site.add(
        _column_path(DEPARTMENTS),
        site.page(
            f"部门政府信息公开年报_{site.name}",
            f'<div class="xxgk-nav"><ul>{sidebar}</ul></div>{tabs}'
            '<div class="lm-list">'
            f"{_datastore(DEPARTMENTS, '4594262', [], len(records[DEPARTMENTS]))}</div>",
        ),
    )
    site.add(
        _column_path(UNITS),
        site.page(
            f"单位政府信息公开年报_{site.name}",
            f'<div class="xxgk-nav"><ul>{sidebar}</ul></div>{tabs}{_xxgk_form()}',
        ),
    )
    xxgk_index = {"perpage": 1, "infotypes": {INFOTYPE: unit_rows}}
    site.add(
        "/module/xxgk/search-index.json",
        (json.dumps(xxgk_index, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    )
    site.tree.sidecar(site.host, XXGK, {"route": "hanweb-xxgk", "index": "search-index.json"})
    index = {"columns": dict(records)}
    site.add(
        "/module/web/jpage/dataproxy-index.json",
        (json.dumps(index, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    )
    site.tree.sidecar(
        site.host,
        PROXY,
        {"route": "hanweb-dataproxy", "index": "dataproxy-index.json"},
    )
    site.add("/robots.txt", ROBOTS_OPEN.encode())
