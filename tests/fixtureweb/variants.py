"""Sites of the TRS / 海云 variants, of the generic family, and one behind a WAF
(`shared/spec/platforms.md`), written page by page in their own markup (not the Ningxia CMS
chrome `site.py` writes).

* 隆安县 (450123, www.lax.gov.cn, family `trs`): a 海云 site. The 年报 column's pages are named
  `list_zw_wj.shtml`, `list_zw_wj_1.shtml`, paged by the container-first
  `createPageHTML('page_div', 2, 0, 'list_zw_wj', 'shtml', 8)`; its 乡镇 sub-column by
  `var countPage = 2` feeding `createPageHTML(countPage, currentPage, "index", "shtml")`.
  Articles are `t<id>.shtml`; bodies are UEditor containers (`div.view.TRS_UEDITOR
  .trs_paper_default`) beside a sidebar file (`never_fetch`, reason `sidebar file`: a PDF of
  隆安's 2020 report, which a crawler taking sidebar files would store wrongly); dates and
  publishers are labels in table cells. One report's PDF link is
  written by `document.write` from a variable, another's PDF is shown through a pdf.js
  `viewer.html?file=` iframe. The column reposts 南宁市's (prefecture) and the region's
  (province) reports, and holds a notice and a letter about the 年报.
* 中牟县 (410122, www.zhongmu.gov.cn, family `generic`): a JEECMS-like site, `.jhtml` lists
  with 首页 / 2 / 3 / 下一页 / 尾页 / 共3页 pagers (the last page's 下一页 a dead
  `javascript:;`), articles with numeric names, attachments under `/u/cms/`.
* 花溪区 (520111, www.huaxi.gov.cn, family `trs`): every request answers HTTP 405 with the
  网防G01 firewall's page: `blocked`, with the firewall named.

`write(tree, render_attachment)` adds the files and manifest records to a `Tree`.

One piece past 600 lines: the three sites share the `_Writer` that adds their pages, files and
manifest records, and each is written out page by page in its family's own markup (隆安 alone
is some 220 lines of variants); split per site, each module would be that markup and a copy of
the writer's plumbing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final

from crawler.counties import BY_COUNTY_CODE, County
from crawler.mirror import SIDECAR_SUFFIX
from tests.fixtureweb.cms import esc
from tests.fixtureweb.content import ROBOTS_OPEN, report, synthetic
from tests.fixtureweb.site import Entry, Renderer, Site, Tree, manifest_record, repost_level
from tests.support import render
from tests.support.spec import ReportSpec

D = dt.date
LONGAN: Final = BY_COUNTY_CODE["450123"]
ZHONGMU: Final = BY_COUNTY_CODE["410122"]
HUAXI: Final = BY_COUNTY_CODE["520111"]
COUNTIES: Final = (LONGAN, ZHONGMU, HUAXI)
BLOCKED: Final = (HUAXI,)
NANNING: Final = County(
    slug="nanning", code="450100", site="", name="南宁市", province="广西壮族自治区"
)
GUANGXI: Final = County(
    slug="guangxi", code="450000", site="", name="广西壮族自治区", province="广西壮族自治区"
)
ZHENGZHOU: Final = County(
    slug="zhengzhou", code="410100", site="", name="郑州市", province="河南省"
)
HTML_UTF8: Final = {"headers": {"Content-Type": "text/html;charset=UTF-8"}}

# The firewall's page as 网防G01 serves it (HTTP 405, a Server header of its own).
WAF_BODY: Final = (
    '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>网站防火墙</title>\n'
    '<style>body{font-family:"Microsoft YaHei";background:#f5f5f5}.box{width:600px;'
    "margin:120px auto;background:#fff;padding:30px}</style>\n</head>\n<body>\n"
    '<div class="box">\n<h2>您的访问请求可能对网站造成安全威胁，请求已被拦截。</h2>\n'
    "<p>拦截时间：2024-03-05 10:21:33</p>\n<p>事件ID：f3a9c1e07b2d4c58</p>\n"
    "<p>如果您是网站管理员，请登录网防G01管理后台查看详情。</p>\n"
    '<p class="brand">网防G01 政府网站安全防护平台</p>\n</div>\n</body>\n</html>\n'
)


def _site(county: County) -> Site:
    """The `Site` a manifest record names (its county; pages are written here, not by it)."""
    return Site(county=county, platform_slug="xxgk")


class _Writer:
    def __init__(self, tree: Tree, county: County, render_attachment: Renderer) -> None:
        self.tree = tree
        self.county = county
        self.site = _site(county)
        self.render_attachment = render_attachment
        self.scheme = county.start_url.split("://", 1)[0]
        self.specs: dict[str, ReportSpec] = {}

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.county.site}{path}"

    def add(self, path: str, data: bytes, sidecar: dict[str, Any] | None = None) -> None:
        self.tree.add(self.county.site, path, data)
        if sidecar is not None:
            self.tree.sidecar(self.county.site, path, sidecar)

    def record(
        self,
        entry: Entry,
        *,
        sources: list[dict[str, str]],
        page: str | None,
        listed_in: str,
    ) -> None:
        assert entry.spec is not None
        self.specs[entry.spec.name] = entry.spec
        self.tree.reports.append(
            manifest_record(
                self.site, entry.spec, entry, sources=sources, page=page, listed_in=listed_in
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


# -- 隆安县: TRS / 海云 variants ------------------------------------------------------------------

_TRS_HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<title>{title}</title>
<meta name="SiteName" content="隆安县人民政府">
<meta name="SiteDomain" content="www.lax.gov.cn">
<meta name="SiteIDCode" content="4501230001">
<link rel="stylesheet" href="/images/common.css">
<script src="/images/jquery.min.js"></script>
</head>
<body>
<div class="header"><a class="logo" href="/">隆安县人民政府</a>
<form class="search" action="/irs/front/search" method="post" target="_blank">
<input type="hidden" name="code" value="181ae2e3f1a">
<input type="hidden" name="dataTypeId" value="4510">
<input type="text" name="searchWord" placeholder="请输入关键词"><button type="submit">搜索</button>
</form></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li>
<li><a href="/xxgk/">信息公开</a></li><li><a href="/zmhd/">政民互动</a></li></ul></div>
"""
_TRS_FOOT = """<div class="footer"><p>主办：隆安县人民政府办公室　网站标识码：4501230001</p>
<p>桂ICP备05002000号-1　桂公网安备 45012302000001号</p></div>
</body>
</html>
"""
_TRS_SIDEBAR = (
    ("政府信息公开指南", "/xxgk/zfxxgkzn/"),
    ("政府信息公开制度", "/xxgk/zfxxgkzd/"),
    ("法定主动公开内容", "/xxgk/fdzdgknr/"),
    ("政府信息公开年报", "/xxgk/zfxxgknb/list_zw_wj.shtml"),
    ("依申请公开", "/xxgk/ysqgk/"),
)
LONGAN_COLUMN: Final = "/xxgk/zfxxgknb/"
LONGAN_TOWNS: Final = "/xxgk/zfxxgknb/xzgknb/"
# A file in the report pages' sidebar: not the report's, never to be fetched.
LONGAN_SIDEBAR_FILE: Final = "/xxgk/zfxxgkzn/P020230301551200000001.pdf"


def _trs_page(title: str, body: str) -> bytes:
    return (_TRS_HEAD.format(title=esc(title)) + body + "\n" + _TRS_FOOT).encode("utf-8")


def _trs_sidebar() -> str:
    items = "".join(f'<li><a href="{href}">{esc(label)}</a></li>' for label, href in _TRS_SIDEBAR)
    return f'<div class="xxgk-left"><h3>政府信息公开</h3><ul>{items}</ul></div>'


def _trs_rows(rows: list[tuple[str, str, dt.date]]) -> str:
    out = ['<table class="zfxxgk-list" width="100%"><tbody>']
    out.append("<tr><th>标题</th><th>发布日期</th></tr>")
    for title, href, date in rows:
        out.append(
            f'<tr><td class="bt"><a href="{esc(href)}" target="_blank" title="{esc(title)}">'
            f'{esc(title)}</a></td><td class="rq">{date.isoformat()}</td></tr>'
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _trs_article(title: str, date: dt.date, publisher: str, body: str, *, container: str) -> bytes:
    """A 海云 article: metadata in table cells (labels without colons), the body in its
    editor container, a 相关下载 sidebar with a file that is not this report's."""
    info = (
        '<table class="xxgk-info"><tbody>'
        f"<tr><td>索引号</td><td>11450123007{date:%Y%m%d}</td><td>发布机构</td>"
        f"<td>{esc(publisher)}</td></tr>"
        f"<tr><td>发布日期</td><td>{date.isoformat()}</td><td>文号</td><td></td></tr>"
        f'<tr><td>标题</td><td colspan="3">{esc(title)}</td></tr>'
        "</tbody></table>"
    )
    sidebar = (
        '<div class="xgxz"><h4>相关下载</h4><ul>'
        f'<li><a href="{LONGAN_SIDEBAR_FILE}">隆安县政府信息公开指南.pdf</a></li>'
        "</ul></div>"
    )
    content = (
        '<div class="main"><div class="position">当前位置：<a href="/">首页</a> &gt; '
        '<a href="/xxgk/">信息公开</a> &gt; <a href="../list_zw_wj.shtml">政府信息公开年报</a>'
        f'</div>\n<div class="article">{info}\n<h2 class="title">{esc(title)}</h2>\n'
        f'<div class="{container}">\n{body}\n</div>\n</div>\n{sidebar}\n</div>'
    )
    return _trs_page(f"{title}_隆安县人民政府", content)


def _longan(w: _Writer) -> None:
    c = LONGAN
    w.add("/robots.txt", ROBOTS_OPEN.encode())
    w.add(
        "/",
        _trs_page(
            "隆安县人民政府门户网站",
            '<div class="main"><div class="news"><h3>隆安要闻</h3><ul>'
            '<li><a href="/xwzx/layw/t5512310.shtml">隆安县召开2024年政务公开工作推进会</a>'
            "<span>2024-01-26</span></li></ul></div>"
            '<div class="xxgk-entry"><a href="/xxgk/">政府信息公开</a></div></div>',
        ),
    )
    w.add(
        "/xxgk/",
        _trs_page(
            "政府信息公开_隆安县人民政府",
            f'<div class="main">{_trs_sidebar()}<div class="xxgk-right">'
            "<p>欢迎访问隆安县人民政府信息公开平台。</p></div></div>",
        ),
    )
    first = w.url(LONGAN_COLUMN + "list_zw_wj.shtml")
    towns_first = w.url(LONGAN_TOWNS)
    ueditor = "view TRS_UEDITOR trs_paper_default trs_web"

    def inline(entry: Entry, path: str, container: str = ueditor, listed_in: str = first) -> None:
        assert entry.spec is not None
        spec = entry.spec
        body = render.report_body_html(spec)
        w.add(
            path, _trs_article(spec.title, entry.date, spec.meta.agency, body, container=container)
        )
        w.record(
            entry,
            sources=[{"url": w.url(path), "format": "html"}],
            page=w.url(path),
            listed_in=listed_in,
        )

    # Page 0 of the column.
    r2023 = report(synthetic(c, 2023, 901, D(2024, 1, 22)), D(2024, 1, 22))
    inline(r2023, LONGAN_COLUMN + "202401/t5512301.shtml")

    r2022 = report(synthetic(c, 2022, 902, D(2023, 1, 20)), D(2023, 1, 20), inline=False)
    assert r2022.spec is not None
    page = LONGAN_COLUMN + "202301/t5512288.shtml"
    pdf = LONGAN_COLUMN + "202301/P020230120551228800001.pdf"
    w.add(pdf, w.render_attachment(r2022.spec, "pdf"))
    script = (
        f'<p style="text-indent:2em">{esc(r2022.spec.title)}详见附件。</p>\n'
        '<p class="fjdown">附件：<script type="text/javascript">\n'
        "var fjurl = './P020230120551228800001.pdf';\n"
        f"var fjname = '{r2022.spec.title}.pdf';\n"
        "if (fjurl != '') {\n"
        "  document.write('<a href=\"' + fjurl + '\" target=\"_blank\">' + fjname + '</a>');\n"
        "}\n</script></p>"
    )
    w.add(
        page,
        _trs_article(
            r2022.spec.title, r2022.date, r2022.spec.meta.agency, script, container=ueditor
        ),
    )
    w.record(
        r2022, sources=[{"url": w.url(pdf), "format": "pdf"}], page=w.url(page), listed_in=first
    )
    w.not_report(w.url(page), "attachment page", r2022.spec.title, first)

    edu = report(
        synthetic(c, 2022, 903, D(2023, 1, 28), agency="隆安县教育局"),
        D(2023, 1, 28),
        inline=False,
    )
    assert edu.spec is not None
    edu_page = LONGAN_COLUMN + "202301/t5512295.shtml"
    edu_pdf = LONGAN_COLUMN + "202301/P020230128551229500001.pdf"
    w.add(edu_pdf, w.render_attachment(edu.spec, "pdf"))
    viewer = (
        '<div class="pdf-view"><iframe src="/pdfjs/web/viewer.html?file='
        f'{edu_pdf}" width="100%" height="900" frameborder="0"></iframe></div>'
    )
    w.add(
        edu_page, _trs_article(edu.spec.title, edu.date, "隆安县教育局", viewer, container=ueditor)
    )
    w.record(
        edu,
        sources=[{"url": w.url(edu_pdf), "format": "pdf"}],
        page=w.url(edu_page),
        listed_in=first,
    )
    w.not_report(w.url(edu_page), "attachment page", edu.spec.title, first)

    notice_title = "隆安县人民政府办公室关于做好2023年度政府信息公开工作年度报告编制发布工作的通知"
    notice = LONGAN_COLUMN + "202312/t5512250.shtml"
    w.add(
        notice,
        _trs_article(
            notice_title,
            D(2023, 12, 20),
            "隆安县人民政府办公室",
            '<p style="text-indent:2em">各乡镇人民政府，县直各部门：请于2024年1月31日前'
            "完成本单位2023年度政府信息公开工作年度报告的编制和发布。</p>",
            container=ueditor,
        ),
    )
    w.not_report(w.url(notice), "notice", notice_title, first)

    # Page 1 of the column.
    nanning = report(
        repost_level(synthetic(NANNING, 2022, 904, D(2023, 1, 31)), "prefecture"), D(2023, 1, 31)
    )
    inline(nanning, LONGAN_COLUMN + "202301/t5512299.shtml")
    guangxi = report(
        repost_level(synthetic(GUANGXI, 2022, 905, D(2023, 2, 6)), "province"), D(2023, 2, 6)
    )
    inline(guangxi, LONGAN_COLUMN + "202302/t5512302.shtml")
    letter_title = "隆安县人民政府办公室关于报送2022年度政府信息公开工作年度报告的函"
    letter = LONGAN_COLUMN + "202302/t5512290.shtml"
    w.add(
        letter,
        _trs_article(
            letter_title,
            D(2023, 2, 2),
            "隆安县人民政府办公室",
            '<p style="text-indent:2em">南宁市人民政府办公室：现将我县2022年度政府信息公开工作'
            "年度报告报送给你们，请审阅。</p><p>隆安县人民政府办公室</p><p>2023年2月2日</p>",
            container=ueditor,
        ),
    )
    w.not_report(w.url(letter), "letter", letter_title, first)
    r2021 = report(synthetic(c, 2021, 906, D(2022, 1, 25)), D(2022, 1, 25))
    inline(r2021, LONGAN_COLUMN + "202201/t5512100.shtml", container="trs_editor_view TRS_UEDITOR")

    pages = [
        [
            (r2023.title, "./202401/t5512301.shtml", r2023.date),
            (notice_title, "./202312/t5512250.shtml", D(2023, 12, 20)),
            (edu.title, "./202301/t5512295.shtml", edu.date),
            (r2022.title, "./202301/t5512288.shtml", r2022.date),
        ],
        [
            (guangxi.title, "./202302/t5512302.shtml", guangxi.date),
            (letter_title, "./202302/t5512290.shtml", D(2023, 2, 2)),
            (nanning.title, "./202301/t5512299.shtml", nanning.date),
            (r2021.title, "./202201/t5512100.shtml", r2021.date),
        ],
    ]
    for number, rows in enumerate(pages):
        name = "list_zw_wj.shtml" if number == 0 else f"list_zw_wj_{number}.shtml"
        pager = (
            '<div class="page" id="page_div"></div>\n<script type="text/javascript">'
            f"createPageHTML('page_div', {len(pages)}, {number}, 'list_zw_wj', 'shtml', 8);"
            "</script>"
        )
        tabs = (
            '<div class="tabs"><a class="on" href="./list_zw_wj.shtml">县政府年报</a>'
            '<a href="./xzgknb/">乡镇年报</a></div>'
        )
        w.add(
            LONGAN_COLUMN + name,
            _trs_page(
                "政府信息公开年报_隆安县人民政府",
                f'<div class="main">{_trs_sidebar()}<div class="xxgk-right">'
                f"<h3>政府信息公开年报</h3>{tabs}\n{_trs_rows(rows)}\n{pager}</div></div>",
            ),
        )

    # The 乡镇 sub-column: `var countPage` pager, pages index.shtml (the folder) and index_1.shtml.
    towns = [
        report(
            synthetic(
                c,
                2022,
                907,
                D(2023, 1, 16),
                agency="隆安县城厢镇人民政府",
                title_owner="城厢镇人民政府",
            ),
            D(2023, 1, 16),
        ),
        report(
            synthetic(
                c,
                2022,
                908,
                D(2023, 1, 13),
                agency="隆安县那桐镇人民政府",
                title_owner="那桐镇人民政府",
            ),
            D(2023, 1, 13),
        ),
    ]
    for number, entry in enumerate(towns):
        path = f"{LONGAN_TOWNS}202301/t{5512280 + number}.shtml"
        inline(entry, path, listed_in=towns_first)
        rows = [(entry.title, f"./202301/t{5512280 + number}.shtml", entry.date)]
        pager = (
            '<div class="page"><script type="text/javascript">\n'
            f"var countPage = {len(towns)}//共多少页\nvar currentPage = {number}//当前页\n"
            'createPageHTML(countPage, currentPage, "index", "shtml");\n</script></div>'
        )
        name = "" if number == 0 else f"index_{number}.shtml"
        w.add(
            LONGAN_TOWNS + name,
            _trs_page(
                "乡镇年报_隆安县人民政府",
                f'<div class="main">{_trs_sidebar()}<div class="xxgk-right">'
                f"<h3>乡镇年报</h3>\n{_trs_rows(rows)}\n{pager}</div></div>",
            ),
        )
    beside = synthetic(c, 2020, 909, D(2021, 1, 26))[0]
    w.add(LONGAN_SIDEBAR_FILE, w.render_attachment(beside, "pdf"))
    w.tree.never_fetch.append(
        {
            "url": w.url(LONGAN_SIDEBAR_FILE),
            "county": c.slug,
            "reason": "sidebar file",
            "linked_from": w.url(LONGAN_COLUMN + "202401/t5512301.shtml"),
            "title": "隆安县政府信息公开指南.pdf",
            # What the file prints: a rebuild reuses the committed bytes while it is unchanged.
            "spec_digest": beside.digest(),
            "format": "pdf",
        }
    )


# -- 中牟县: the generic family -------------------------------------------------------------------

ZHONGMU_COLUMN: Final = "/zwgk/gknb/"


def _generic_page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
        f"<title>{esc(title)}</title>\n"
        '<meta name="SiteName" content="中牟县人民政府">\n'
        '<meta name="SiteIDCode" content="4101220001">\n'
        '<link href="/r/cms/www/red/css/style.css" rel="stylesheet" type="text/css" />\n'
        "</head>\n<body>\n"
        '<div id="top"><a href="/">中牟县人民政府</a></div>\n'
        '<div id="menu"><a href="/">首页</a> | <a href="/xwzx/index.jhtml">新闻中心</a> | '
        '<a href="/zwgk/index.jhtml">政务公开</a> | '
        '<a href="/hdjl/index.jhtml">互动交流</a></div>\n'
        f"{body}\n"
        '<div id="foot">中牟县人民政府主办　豫ICP备12000000号　网站标识码：4101220001</div>\n'
        "</body>\n</html>\n"
    ).encode()


def _generic_article(title: str, date: dt.date, body: str) -> bytes:
    return _generic_page(
        f"{title} - 中牟县人民政府",
        '<div class="wrap"><div class="location">您现在的位置：<a href="/">首页</a> &gt; '
        '<a href="/zwgk/index.jhtml">政务公开</a> &gt; <a href="/zwgk/gknb/index.jhtml">'
        "政府信息公开年报</a></div>\n"
        f'<div class="news_title">{esc(title)}</div>\n'
        f'<div class="news_info">时间：{date.isoformat()} 09:12:00　'
        "来源：中牟县人民政府办公室</div>\n"
        f'<div class="news_content">\n{body}\n</div></div>',
    )


def _zhongmu(w: _Writer) -> None:
    c = ZHONGMU
    w.add("/robots.txt", ROBOTS_OPEN.encode())
    w.add(
        "/",
        _generic_page(
            "中牟县人民政府",
            '<div class="wrap"><div class="news"><h3>中牟要闻</h3><ul>'
            '<li><a href="/xwzx/20240126/1706251234567.html">中牟县召开政务公开工作会议</a>'
            "<span>2024-01-26</span></li></ul></div></div>",
        ),
        HTML_UTF8,
    )
    w.add(
        "/zwgk/index.jhtml",
        _generic_page(
            "政务公开 - 中牟县人民政府",
            '<div class="wrap"><ul class="left_menu">'
            '<li><a href="/zwgk/gkzn/index.jhtml">政府信息公开指南</a></li>'
            '<li><a href="/zwgk/gkzd/index.jhtml">政府信息公开制度</a></li>'
            '<li><a href="/zwgk/fdgk/index.jhtml">法定主动公开内容</a></li>'
            '<li><a href="/zwgk/gknb/index.jhtml">政府信息公开年报</a></li>'
            '<li><a href="/zwgk/ysqgk/index.jhtml">依申请公开</a></li></ul></div>',
        ),
        HTML_UTF8,
    )
    names = ["index.jhtml", "index_2.jhtml", "index_3.jhtml"]
    first = w.url(ZHONGMU_COLUMN + names[0])

    def inline(entry: Entry, path: str) -> None:
        assert entry.spec is not None
        w.add(
            path,
            _generic_article(entry.title, entry.date, render.report_body_html(entry.spec)),
            HTML_UTF8,
        )
        w.record(
            entry,
            sources=[{"url": w.url(path), "format": "html"}],
            page=w.url(path),
            listed_in=first,
        )

    g2023 = report(synthetic(c, 2023, 911, D(2024, 1, 19)), D(2024, 1, 19))
    inline(g2023, ZHONGMU_COLUMN + "20240119/1705651200911.jhtml")
    g2022 = report(synthetic(c, 2022, 912, D(2023, 1, 17)), D(2023, 1, 17), inline=False)
    assert g2022.spec is not None
    page = ZHONGMU_COLUMN + "20230117/1673913600912.jhtml"
    pdf = "/u/cms/www/202301/17091230x9k2.pdf"
    w.add(pdf, w.render_attachment(g2022.spec, "pdf"))
    w.add(
        page,
        _generic_article(
            g2022.title,
            g2022.date,
            f"<p>{esc(g2022.title)}全文请见附件。</p>\n"
            f'<p>附件：<a href="{pdf}" target="_blank">{esc(g2022.title)}.pdf</a></p>',
        ),
        HTML_UTF8,
    )
    w.record(
        g2022, sources=[{"url": w.url(pdf), "format": "pdf"}], page=w.url(page), listed_in=first
    )
    w.not_report(w.url(page), "attachment page", g2022.title, first)
    notice_title = "关于做好2023年度政府信息公开工作年度报告编制工作的通知"
    notice = ZHONGMU_COLUMN + "20231215/1702598400913.jhtml"
    w.add(
        notice,
        _generic_article(
            notice_title,
            D(2023, 12, 15),
            "<p>各乡镇人民政府、街道办事处，县直各单位：请于2024年1月31日前完成"
            "2023年度政府信息公开工作年度报告的编制和发布工作。</p>",
        ),
        HTML_UTF8,
    )
    w.not_report(w.url(notice), "notice", notice_title, first)
    zhengzhou = report(
        repost_level(synthetic(ZHENGZHOU, 2022, 914, D(2023, 1, 30)), "prefecture"), D(2023, 1, 30)
    )
    inline(zhengzhou, ZHONGMU_COLUMN + "20230130/1675036800914.jhtml")
    finance = report(synthetic(c, 2022, 915, D(2023, 1, 12), agency="中牟县财政局"), D(2023, 1, 12))
    inline(finance, ZHONGMU_COLUMN + "20230112/1673481600915.jhtml")
    g2021 = report(synthetic(c, 2021, 916, D(2022, 1, 20)), D(2022, 1, 20))
    inline(g2021, ZHONGMU_COLUMN + "20220120/1642636800916.jhtml")
    news_title = "中牟县政务公开工作经验交流"
    pages = [
        [
            (g2023.title, "/zwgk/gknb/20240119/1705651200911.jhtml", g2023.date),
            (notice_title, "/zwgk/gknb/20231215/1702598400913.jhtml", D(2023, 12, 15)),
            (g2022.title, "/zwgk/gknb/20230117/1673913600912.jhtml", g2022.date),
        ],
        [
            (zhengzhou.title, "/zwgk/gknb/20230130/1675036800914.jhtml", zhengzhou.date),
            (finance.title, "/zwgk/gknb/20230112/1673481600915.jhtml", finance.date),
            (news_title, "/xwzx/20220301/1646092800917.html", D(2022, 3, 1)),
        ],
        [(g2021.title, "/zwgk/gknb/20220120/1642636800916.jhtml", g2021.date)],
    ]
    for number, rows in enumerate(pages):
        items = "".join(
            f'<li><span class="date">{date.isoformat()}</span><a href="{href}" target="_blank" '
            f'title="{esc(title)}">{esc(title)}</a></li>'
            for title, href, date in rows
        )
        pager = ['<div class="pagination">']
        pager.append(f'<a href="{names[0]}">首页</a>')
        if number > 0:
            pager.append(f'<a href="{names[number - 1]}">上一页</a>')
        for other, name in enumerate(names):
            pager.append(
                f'<span class="current">{other + 1}</span>'
                if other == number
                else f'<a href="{name}">{other + 1}</a>'
            )
        if number + 1 < len(names):
            pager.append(f'<a href="{names[number + 1]}">下一页</a>')
        else:
            pager.append('<a href="javascript:;">下一页</a>')
        pager.append(f'<a href="{names[-1]}">尾页</a><span>共{len(names)}页</span></div>')
        w.add(
            ZHONGMU_COLUMN + names[number],
            _generic_page(
                "政府信息公开年报 - 中牟县人民政府",
                '<div class="wrap"><div class="list_title">政府信息公开年报</div>'
                f'<ul class="list">{items}</ul>\n{"".join(pager)}</div>',
            ),
            HTML_UTF8,
        )


# -- 花溪区: behind a WAF -------------------------------------------------------------------------


def _huaxi(tree: Tree) -> None:
    host = HUAXI.site
    tree.add(
        host,
        "/",
        _trs_page("花溪区人民政府", "<p>防火墙背后的首页，爬虫不会看到它。</p>").replace(
            "隆安县".encode(), "花溪区".encode()
        ),
    )
    text = {
        "status": 405,
        "headers": {"Content-Type": "text/html; charset=utf-8", "Server": "WAF/2.4.1"},
        "body": WAF_BODY,
    }
    tree.put(
        f"{host}{SIDECAR_SUFFIX}",
        (json.dumps(text, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"),
    )


def write(tree: Tree, render_attachment: Renderer) -> dict[str, ReportSpec]:
    """Add the three sites' files and manifest records to `tree`; the reports' specs by name."""
    specs: dict[str, ReportSpec] = {}
    for county, fill in ((LONGAN, _longan), (ZHONGMU, _zhongmu)):
        writer = _Writer(tree, county, render_attachment)
        fill(writer)
        specs.update(writer.specs)
    _huaxi(tree)
    return specs


STATUSES: Final = {LONGAN.slug: "ok", ZHONGMU.slug: "ok", HUAXI.slug: "blocked"}
