"""甘谷县 (620523) on 博达 VSB, as older county sites are built.

Home page → 政府信息公开 (`list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1011`) → 政府信息公开年报
(tree 1015), two pages of three entries linked by the pager (`a2t`/`a2p`/`a2c`: 首页 上页 下页
尾页, 首页 naming page one by its own URL). Articles are `content.jsp?urltype=news.NewsContentUrl
&wbtreeid=1015&wbnewsid=<n>`, one published statically as `/info/1015/<n>.htm`; the body is in
`div#vsb_content`, attachments in the article's form as `download.jsp?…&wbfileid=<n>` links
whose text is the file name (no extension in the URL). The column reposts 天水市's report and
holds a notice and a news item.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from crawler.counties import BY_COUNTY_CODE, County
from tests.fixtureweb.cms import esc
from tests.fixtureweb.content import ROBOTS_OPEN, synthetic
from tests.fixtureweb.families import FamilySite, report_body
from tests.fixtureweb.site import repost_level
from tests.support.spec import ReportSpec

D = dt.date
SITE_ID: Final = "6205230001"
COUNTY: Final = BY_COUNTY_CODE["620523"]
TIANSHUI: Final = County(slug="tianshui", code="620500", site="", name="天水市", province="甘肃省")
ANNUAL: Final = "1015"
PAGE_SIZE: Final = 3
OWNER: Final = "1538716301"


def tree_path(tree: str) -> str:
    return f"/list.jsp?urltype=tree.TreeTempUrl&wbtreeid={tree}"


def page_path(tree: str, pages: int, page: int) -> str:
    return (
        f"/list.jsp?a2t={pages}&a2p={page}&a2c={PAGE_SIZE}&urltype=tree.TreeTempUrl&wbtreeid={tree}"
    )


def content_path(news: int) -> str:
    return f"/content.jsp?urltype=news.NewsContentUrl&wbtreeid={ANNUAL}&wbnewsid={news}"


def write(site: FamilySite) -> None:
    c = COUNTY
    listed = site.url(tree_path(ANNUAL))
    rows: list[tuple[str, str, dt.date]] = []

    def article(path: str, title: str, date: dt.date, body: str, files: str = "") -> str:
        page = site.page(
            f"{title}-{site.name}",
            '<table class="winstyle"><tr><td class="titlestyle">'
            f'{esc(title)}</td></tr><tr><td class="timestyle">{date.isoformat()} 09:30'
            f'</td><td class="authorstyle">{esc(site.name)}</td></tr></table>'
            '<form name="_newscontent_fromname">'
            '<div id="vsb_content"><div class="v_news_content">\n'
            f"{body}\n</div></div>{files}</form>",
            article=date,
        )
        rows.append((title, path, date))
        return site.add(path, page)

    def inline(news: int, pair: tuple[ReportSpec, dict[str, Any]], date: dt.date) -> None:
        url = article(content_path(news), pair[0].title, date, report_body(pair[0]))
        site.report(
            pair, date, page=url, sources=[{"url": url, "format": "html"}], listed_in=listed
        )

    inline(
        23412,
        repost_level(synthetic(TIANSHUI, 2022, 932, D(2023, 2, 1)), "prefecture"),
        D(2023, 2, 1),
    )
    inline(23401, synthetic(c, 2022, 931, D(2023, 1, 20)), D(2023, 1, 20))
    notice = "甘谷县人民政府办公室关于做好2022年度政府信息公开工作年度报告编制发布工作的通知"
    url = article(
        content_path(23288),
        notice,
        D(2022, 12, 19),
        "<p>各乡镇人民政府，县直各部门：请于2023年1月31日前发布本单位年度报告。</p>",
    )
    site.not_report(url, "notice", notice, listed)
    date = D(2022, 1, 24)
    spec, ref = synthetic(c, 2021, 933, date)
    download = (
        "/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
        f"&owner={OWNER}&wbfileid=8876501"
    )
    file_url = site.attachment(download, spec, "docx", declared=True)
    files = (
        '<ul style="list-style-type:none;"><li>附件【'
        f'<a href="{esc(download)}" target="_blank">{esc(spec.title)}.docx</a>】已下载'
        '<span id="nattach8876501"><script>'
        'getClickTimes(8876501,1538716301,"wbnewsfile","attach")</script></span>次</li></ul>'
    )
    page_url = article(
        "/info/1015/22107.htm", spec.title, date, f"<p>{esc(spec.title)}详见附件。</p>", files
    )
    site.report(
        (spec, ref),
        date,
        page=page_url,
        sources=[{"url": file_url, "format": "docx"}],
        listed_in=listed,
    )
    site.not_report(page_url, "attachment page", spec.title, listed)
    news = "甘谷县举办2021年政务公开业务培训会"
    url = article(
        content_path(21577),
        news,
        D(2021, 9, 3),
        "<p>培训会邀请省市专家讲解政务公开标准化规范化工作。</p>",
    )
    site.not_report(url, "news", news, listed)

    site.nav = (
        ("网站首页", "/index.htm"),
        ("政府信息公开", tree_path("1011")),
        ("政务服务", "/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1020"),
    )
    home = site.page(site.name, '<div class="news"><h2>甘谷要闻</h2></div>')
    site.add("/", home)
    site.add("/index.htm", home)
    sidebar = "".join(
        f'<li><a href="{esc(tree_path(tree))}">{label}</a></li>'
        for label, tree in (
            ("政府信息公开指南", "1012"),
            ("政府信息公开制度", "1013"),
            ("法定主动公开内容", "1014"),
            ("政府信息公开年报", ANNUAL),
            ("依申请公开", "1016"),
        )
    )
    site.add(
        tree_path("1011"),
        site.page(f"政府信息公开-{site.name}", f'<ul class="leftnav">{sidebar}</ul>'),
    )
    pages = -(-len(rows) // PAGE_SIZE)
    for number in range(1, pages + 1):
        items = "".join(
            f'<tr><td><a href="{esc(path)}" title="{esc(title)}" target="_blank">'
            f"{esc(title)}</a></td>"
            f"<td>{date.isoformat()}</td></tr>"
            for title, path, date in rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        )
        pager = f"共{len(rows)}条&nbsp;&nbsp;{number}/{pages}&nbsp;"
        links = (("首页", 1), ("上页", number - 1), ("下页", number + 1), ("尾页", pages))
        for label, target in links:
            if 1 <= target <= pages and target != number:
                href = esc(page_path(ANNUAL, pages, target))
                pager += f'<a href="{href}" class="Next">{label}</a>&nbsp;'
            else:
                pager += f'<span class="PrevDisabled">{label}</span>&nbsp;'
        body = (
            f'<ul class="leftnav">{sidebar}</ul><div class="list"><h2>政府信息公开年报</h2>'
            f'<table class="winstyle">{items}</table><div class="pb_sys_common">{pager}</div></div>'
        )
        page = site.page(f"政府信息公开年报-{site.name}", body)
        if number == 1:
            site.add(tree_path(ANNUAL), page)
        site.add(page_path(ANNUAL, pages, number), page)
    site.add("/robots.txt", ROBOTS_OPEN.encode())
