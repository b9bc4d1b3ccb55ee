"""始兴县 (440222) on Guangdong's gkmlpt.

Home page → 政府信息公开 (`/gkmlpt/index`) → 政府信息公开年报 (`/gkmlpt/annualreport`): script
applications whose only data is `window._CONFIG = {SID: '…', TREE: [JSON]}`. The lists come from
`/gkmlpt/api/all/<classify>?page=N&sid=<SID>` (JSON, `application/json`, three articles a page,
`classify.post_count`). The 年报 classification has a child, 部门政府信息公开年报. Article pages
print the body in `div.article-content`; attachments are only in `window._CONFIG.DETAIL`
(`attachment[]`), never links. The list reposts 韶关市's report and holds a notice.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final

from crawler.counties import BY_COUNTY_CODE, County
from tests.fixtureweb.cms import esc
from tests.fixtureweb.content import ROBOTS_OPEN, synthetic
from tests.fixtureweb.families import CONTENT_TYPES, FamilySite, json_bytes, report_body
from tests.fixtureweb.site import repost_level
from tests.support.spec import ReportSpec

D = dt.date
SITE_ID: Final = "4402220001"
COUNTY: Final = BY_COUNTY_CODE["440222"]
SHAOGUAN: Final = County(slug="shaoguan", code="440200", site="", name="韶关市", province="广东省")
SID: Final = "755039"
ANNUAL: Final = 2641
DEPARTMENTS: Final = 2642
PAGE_SIZE: Final = 3
_CHINA: Final = dt.timezone(dt.timedelta(hours=8))
TREE: Final = [
    {"id": 2636, "name": "政府信息公开指南", "parent": 0, "children": []},
    {"id": 2637, "name": "政府信息公开制度", "parent": 0, "children": []},
    {
        "id": 2638,
        "name": "法定主动公开内容",
        "parent": 0,
        "children": [{"id": 2639, "name": "政策文件", "parent": 2638, "children": []}],
    },
    {
        "id": ANNUAL,
        "name": "政府信息公开年报",
        "parent": 0,
        "children": [
            {"id": DEPARTMENTS, "name": "部门政府信息公开年报", "parent": ANNUAL, "children": []}
        ],
    },
    {"id": 2643, "name": "依申请公开", "parent": 0, "children": []},
]


def _epoch(date: dt.date) -> int:
    return int(dt.datetime(date.year, date.month, date.day, 9, 30, tzinfo=_CHINA).timestamp())


def _config(extra: str = "") -> str:
    return (
        "<script>\nwindow._CONFIG = {\n"
        f"    SID: '{SID}',\n    ORG: '始兴县人民政府',\n    DEFAULT_CLASSIFY: 2638,\n"
        f"    TREE: {json.dumps(TREE, ensure_ascii=False)}\n}};\n{extra}</script>\n"
        '<script src="/gkmlpt/static/js/app.min.js"></script>'
    )


def _shell(site: FamilySite, title: str, tabs: str) -> bytes:
    return site.page(
        f"{title}_{site.name}",
        f'<div class="gkml-tabs">{tabs}</div><div id="app"><noscript>请启用脚本</noscript></div>'
        + _config(),
    )


def write(site: FamilySite) -> None:
    c = COUNTY
    annual_url = site.url("/gkmlpt/annualreport")
    lists: dict[int, list[dict[str, Any]]] = {ANNUAL: [], DEPARTMENTS: []}

    def article(
        where: tuple[int, int],
        title: str,
        date: dt.date,
        body: str,
        files: list[dict[str, str]],
    ) -> str:
        classify, number = where
        path = f"/gkmlpt/content/{number // 1_000_000}/{classify}/post_{number}.html"
        detail = {
            "id": number,
            "title": title,
            "publisher": site.name,
            "date": _epoch(date),
            "attachment": files,
            "classify": classify,
        }
        head = f'<div class="article"><h1 class="title">{esc(title)}</h1>'
        info = (
            f'<table class="xxgk"><tr><td>发布机构</td><td>{esc(site.name)}</td>'
            f"<td>发布日期</td><td>{date.isoformat()}</td></tr></table>"
        )
        page = site.page(
            title,
            f'{head}{info}<div class="article-content">\n{body}\n</div>'
            '<div class="attachment" id="attachment"></div></div>'
            + _config(f"window._CONFIG.DETAIL = {json.dumps(detail, ensure_ascii=False)};\n"),
            article=date,
        )
        url = site.add(path, page)
        lists[classify].append(
            {
                "id": number,
                "title": title,
                "url": url,
                "publisher": site.name,
                "created_at": _epoch(date),
                "attachment": files,
            }
        )
        return url

    def inline(
        classify: int, number: int, pair: tuple[ReportSpec, dict[str, Any]], date: dt.date
    ) -> None:
        spec = pair[0]
        url = article((classify, number), spec.title, date, report_body(spec), [])
        site.report(
            pair, date, page=url, sources=[{"url": url, "format": "html"}], listed_in=annual_url
        )

    inline(
        ANNUAL,
        2641501,
        repost_level(synthetic(SHAOGUAN, 2022, 912, D(2023, 2, 2)), "prefecture"),
        D(2023, 2, 2),
    )
    inline(ANNUAL, 2641500, synthetic(c, 2022, 911, D(2023, 1, 19)), D(2023, 1, 19))
    notice = "始兴县人民政府办公室关于报送2022年政府信息公开工作年度报告的通知"
    url = article(
        (ANNUAL, 2641420),
        notice,
        D(2022, 12, 26),
        "<p>县直各单位：请于2023年1月20日前报送本单位年度报告。</p>",
        [],
    )
    site.not_report(url, "notice", notice, annual_url)
    date = D(2022, 1, 21)
    spec, ref = synthetic(c, 2021, 913, date)
    file_path = f"/attachment/0/481/481502/{2641300}.docx"
    file_url = site.attachment(file_path, spec, "docx", declared=False)
    files = [{"name": f"{spec.title}.docx", "url": file_url, "size": 0}]
    page_url = article(
        (ANNUAL, 2641300), spec.title, date, f"<p>{esc(spec.title)}详见附件。</p>", files
    )
    site.report(
        (spec, ref),
        date,
        page=page_url,
        sources=[{"url": file_url, "format": "docx"}],
        listed_in=annual_url,
    )
    site.not_report(page_url, "attachment page", spec.title, annual_url)
    inline(
        DEPARTMENTS,
        2642100,
        synthetic(c, 2022, 915, D(2023, 1, 12), agency="始兴县财政局"),
        D(2023, 1, 12),
    )

    for classify, articles in lists.items():
        pages = max(1, -(-len(articles) // PAGE_SIZE))
        name = "政府信息公开年报" if classify == ANNUAL else "部门政府信息公开年报"
        for number in range(1, pages + 1):
            chunk = articles[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
            answer = {
                "articles": chunk,
                "classify": {"id": classify, "name": name, "post_count": len(articles)},
                "page": number,
                "total": len(articles),
            }
            site.add(
                f"/gkmlpt/api/all/{classify}?page={number}&sid={SID}",
                json_bytes(answer),
                {"Content-Type": CONTENT_TYPES["json"]},
            )

    site.nav = (
        ("首页", "/"),
        ("政府信息公开", "/gkmlpt/index"),
        ("政务服务", "https://www.gdzwfw.gov.cn/"),
    )
    site.add("/", site.page(site.name, '<div class="news"><h2>始兴要闻</h2></div>'))
    tabs = "".join(
        f'<a href="{href}">{label}</a>'
        for label, href in (
            ("政府信息公开指南", "/gkmlpt/guide"),
            ("政府信息公开制度", "/gkmlpt/policy"),
            ("法定主动公开内容", "/gkmlpt/index"),
            ("政府信息公开年报", "/gkmlpt/annualreport"),
            ("依申请公开", "/gkmlpt/apply"),
        )
    )
    site.add("/gkmlpt/index", _shell(site, "政府信息公开", tabs))
    site.add("/gkmlpt/annualreport", _shell(site, "政府信息公开年报", tabs))
    site.add("/robots.txt", ROBOTS_OPEN.encode())
