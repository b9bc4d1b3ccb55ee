"""Print a `ReportSpec` in every format the crawler meets, with real tools.

Formats (`FORMATS`, each with `filename(spec, fmt)` and `render(spec, fmt)`, which caches):

- ``html`` / ``html-gbk``: a full article page of the Ningxia CMS (`render_html`).
- ``docx``: python-docx, tables with real merged cells (`render_docx`).
- ``pdf``: LibreOffice's PDF export of that DOCX (`render_pdf`).
- ``doc``: LibreOffice's Word 97 export of that DOCX (`render_doc`).
- ``wps``: the same DOC bytes under a ``.wps`` name (`render_wps`; see its docstring).
- ``txt`` / ``md``: tab-separated and markdown text, as other tools extract reports.

Every table is laid out once (`report_layout`) in the official national template's shape, with
the rowspans and colspans that Word exports and the CMS editor produce, and then written out
by each format, so a figure sits in the same grid cell in all of them.

Pages for a fixture web
-----------------------
``render_html(spec, *, encoding="utf-8", declared_charset=None, chrome=None, include_report=True)``
returns the bytes of one article page. ``chrome`` is a `SiteChrome`; every field has a default
taken from the spec's county (site name ``<县>人民政府``, its registry host):

- ``site_name``, ``host``: the header banner and absolute links to the home page.
- ``breadcrumb``: ``((label, href), ...)`` after 首页, e.g.
  ``(("政府信息公开", "../../"), ("政府信息公开年报", "../"))``.
- ``nav``: the top navigation links.
- ``body_class``: the article container, ``"zz-xl-ct"`` (盐池, 隆德) or ``"zz-xl-sec"``
  (泾源, 彭阳).
- ``published_at``, ``publisher``, ``index_no``: the metadata (发布日期, 来源/发布机构, 索引号)
  printed as a header table (``meta_style="table"``) or one line (``"line"``), and in the
  ``<meta name="PubDate">`` / ``ContentSource`` tags. Defaults: the spec's date and agency.
- ``attachments``: ``((label, href), ...)`` listed under the article as 附件 links.

``include_report=False`` leaves the report out of the body (a page that only says "见附件" and
links the attachments). ``render_article(title, paragraphs, chrome, ...)`` prints any other
article (news, notices) in the same page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from crawler.counties import BY_COUNTY_CODE
from reportparser.vocabulary import ACTIVE_ROWS, REQUEST_COLUMNS
from tests.support.spec import ReportSpec

FORMATS: Final = ("html", "html-gbk", "docx", "pdf", "doc", "wps", "txt", "md")
LIBREOFFICE_FORMATS: Final = frozenset({"pdf", "doc", "wps"})
_SUFFIX: Final = {
    "html": ".html",
    "html-gbk": ".html",
    "docx": ".docx",
    "pdf": ".pdf",
    "doc": ".doc",
    "wps": ".wps",
    "txt": ".txt",
    "md": ".md",
}

# -- Layout: the report as title, headings, paragraphs and tables --------------------------------


@dataclass(frozen=True, slots=True)
class LayoutCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass(frozen=True, slots=True)
class LayoutTable:
    """Rows in HTML order: each row lists only the cells that start in it."""

    n_cols: int
    rows: tuple[tuple[LayoutCell, ...], ...]
    widths: tuple[float, ...] = ()  # column widths in cm (DOCX); empty = equal

    def placed(self) -> list[tuple[int, int, LayoutCell]]:
        """(row, col, cell) for every cell, resolving spans the way browsers do."""
        taken: set[tuple[int, int]] = set()
        result: list[tuple[int, int, LayoutCell]] = []
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in taken:
                    c += 1
                result.append((r, c, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken.add((r + dr, c + dc))
                c += cell.colspan
        return result

    def grid(self) -> list[list[str]]:
        """Dense text grid; positions covered by a span (other than its top-left) are empty."""
        grid = [[""] * self.n_cols for _ in self.rows]
        for r, c, cell in self.placed():
            grid[r][c] = cell.text
        return grid


BlockKind = Literal["title", "heading", "paragraph", "label"]


@dataclass(frozen=True, slots=True)
class TextBlock:
    kind: BlockKind
    text: str


Block = TextBlock | LayoutTable

HEADINGS: Final[dict[str, dict[str, str]]] = {
    "2019": {
        "overview": "一、总体情况",
        "active": "二、主动公开政府信息情况",
        "requests": "三、收到和处理政府信息公开申请情况",
        "appeals": "四、政府信息公开行政复议、行政诉讼情况",
        "problems": "五、存在的主要问题及改进情况",
        "other": "六、其他需要报告的事项",
    },
    "2021": {
        "overview": "一、总体情况",
        "active": "二、主动公开政府信息情况",
        "requests": "三、收到和处理政府信息公开申请情况",
        "appeals": "四、政府信息公开行政复议、行政诉讼情况",
        "problems": "五、政府信息公开工作存在的主要问题及改进情况",
        "other": "六、其他需要报告的事项",
    },
}

ACTIVE_ROW_LABELS: Final[dict[str, dict[str, str]]] = {
    "2019": {
        "rules": "规章",
        "normative_documents": "规范性文件",
        "licensing": "行政许可",
        "other_services": "其他对外管理服务事项",
        "penalty": "行政处罚",
        "coercion": "行政强制",
        "fees": "行政事业性收费",
        "procurement": "政府集中采购",
    },
    "2021": {
        "rules": "规章",
        "normative_documents": "行政规范性文件",
        "licensing": "行政许可",
        "penalty": "行政处罚",
        "coercion": "行政强制",
        "fees": "行政事业性收费",
    },
}

COLUMN_LABELS: Final[dict[str, str]] = {
    "new_made": "本年新制作数量",
    "new_published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "prev_year_items": "上一年项目数量",
    "change": "本年增/减",
    "items": "采购项目数量",
}

# (article label, rows, column labels) of each block of section 二, in template order.
ACTIVE_GROUPS: Final[dict[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]]] = {
    "2019": (
        (
            "第二十条第（一）项",
            ("rules", "normative_documents"),
            ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
        ),
        (
            "第二十条第（五）项",
            ("licensing", "other_services"),
            ("上一年项目数量", "本年增/减", "处理决定数量"),
        ),
        (
            "第二十条第（六）项",
            ("penalty", "coercion"),
            ("上一年项目数量", "本年增/减", "处理决定数量"),
        ),
        ("第二十条第（八）项", ("fees",), ("上一年项目数量", "本年增/减")),
        ("第二十条第（九）项", ("procurement",), ("采购项目数量", "采购总金额")),
    ),
    "2021": (
        (
            "第二十条第（一）项",
            ("rules", "normative_documents"),
            ("本年制发件数", "本年废止件数", "现行有效件数"),
        ),
        ("第二十条第（五）项", ("licensing",), ("本年处理决定数量",)),
        ("第二十条第（六）项", ("penalty", "coercion"), ("本年处理决定数量",)),
        ("第二十条第（八）项", ("fees",), ("本年收费金额（单位：万元）",)),
    ),
}

REQUEST_COLUMN_LABELS: Final = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
BALANCE_NOTE: Final = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

# Outcome rows: (group label or None, group size, row label). A group label spans its rows.
_OUTCOME_LABELS: Final[dict[str, str]] = {
    "disclosed": "（一）予以公开",
    "partially_disclosed": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "withheld_state_secret": "1.属于国家秘密",
    "withheld_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "withheld_three_securities_one_stability": "3.危及“三安全一稳定”",
    "withheld_third_party_rights": "4.保护第三方合法权益",
    "withheld_internal_affairs": "5.属于三类内部事务信息",
    "withheld_process_information": "6.属于四类过程性信息",
    "withheld_enforcement_case_files": "7.属于行政执法案卷",
    "withheld_administrative_query": "8.属于行政查询事项",
    "unavailable_not_held": "1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear_after_correction": "3.补正后申请内容仍不明确",
    "not_processed_complaint": "1.信访举报投诉类申请",
    "not_processed_duplicate": "2.重复申请",
    "not_processed_publication": "3.要求提供公开出版物",
    "not_processed_excessive": "4.无正当理由大量反复申请",
    "not_processed_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_handling": "（六）其他处理",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他",
}
_OUTCOME_GROUPS: Final[dict[str, str]] = {
    "withheld_state_secret": "（三）不予公开",
    "unavailable_not_held": "（四）无法提供",
    "not_processed_complaint": "（五）不予处理",
    "other_no_correction": "（六）其他处理",
}
_GROUP_PREFIX: Final = ("withheld_", "unavailable_", "not_processed_", "other_")


def _group_size(outcomes: tuple[str, ...], first: str) -> int:
    prefix = next(p for p in _GROUP_PREFIX if first.startswith(p))
    return sum(1 for row in outcomes if row.startswith(prefix))


def report_layout(spec: ReportSpec) -> list[Block]:
    """The whole report, in reading order, as title, headings, paragraphs and tables."""
    template = spec.template
    headings = HEADINGS[template]
    blocks: list[Block] = [TextBlock("title", spec.title)]

    def paragraphs(section: str) -> None:
        blocks.extend(TextBlock("paragraph", p) for p in spec.prose.get(section, ()))

    paragraphs("intro")
    blocks.append(TextBlock("heading", headings["overview"]))
    paragraphs("overview")
    blocks.append(TextBlock("heading", headings["active"]))
    blocks.extend(active_tables(spec))
    blocks.append(TextBlock("heading", headings["requests"]))
    blocks.append(requests_table(spec))
    blocks.append(TextBlock("heading", headings["appeals"]))
    blocks.append(appeals_table(spec))
    blocks.append(TextBlock("heading", headings["problems"]))
    paragraphs("problems")
    blocks.append(TextBlock("heading", headings["other"]))
    paragraphs("other")
    return blocks


def active_tables(spec: ReportSpec) -> list[Block]:
    """Section 二: one small table per 第二十条 item, or all of them in one 4-column table."""
    template = spec.template
    columns_of = dict(ACTIVE_ROWS[template])
    labels = ACTIVE_ROW_LABELS[template]
    one_table = spec.active_layout == "one_table"
    blocks: list[Block] = []
    rows: list[tuple[LayoutCell, ...]] = []
    for article, row_keys, headers in ACTIVE_GROUPS[template]:
        width = 4 if one_table else 1 + len(headers)
        # In one 4-column table a block with fewer columns either leaves its last cells empty
        # (2019, as Word keeps the grid) or stretches its one value column (2021 template).
        pad = 4 - 1 - len(headers) if one_table else 0
        stretch = template == "2021" and len(headers) == 1 and one_table
        span = 1 + pad if stretch else 1
        group: list[tuple[LayoutCell, ...]] = []
        if one_table:
            group.append((LayoutCell(article, colspan=4, header=True),))
        header = [LayoutCell("信息内容", header=True)]
        header += [LayoutCell(h, colspan=span, header=True) for h in headers]
        if pad and not stretch:
            header += [LayoutCell("", header=True)] * pad
        group.append(tuple(header))
        for row in row_keys:
            cells = [LayoutCell(labels[row])]
            cells += [
                LayoutCell(spec.cell_text(f"active.{row}.{column}"), colspan=span)
                for column in columns_of[row]
            ]
            if pad and not stretch:
                cells += [LayoutCell("")] * pad
            group.append(tuple(cells))
        if one_table:
            rows.extend(group)
        else:
            blocks.append(TextBlock("label", article))
            widths = (4.5,) + (12.5 / (width - 1),) * (width - 1)
            blocks.append(LayoutTable(width, tuple(group), widths))
    if one_table:
        blocks.append(LayoutTable(4, tuple(rows), (5.0, 4.0, 4.0, 4.0)))
    return blocks


def requests_table(spec: ReportSpec) -> LayoutTable:
    """Section 三 as the template prints it: 3 label columns, then the 7 applicant columns."""
    outcomes = spec.outcome_rows

    def values(row: str) -> list[LayoutCell]:
        return [LayoutCell(spec.cell_text(f"requests.{row}.{c}")) for c in REQUEST_COLUMNS]

    rows: list[tuple[LayoutCell, ...]] = [
        (
            LayoutCell(BALANCE_NOTE, rowspan=3, colspan=3, header=True),
            LayoutCell("申请人情况", colspan=7, header=True),
        ),
        (
            LayoutCell("自然人", rowspan=2, header=True),
            LayoutCell("法人或其他组织", colspan=5, header=True),
            LayoutCell("总计", rowspan=2, header=True),
        ),
        tuple(LayoutCell(label, header=True) for label in REQUEST_COLUMN_LABELS),
        (LayoutCell("一、本年新收政府信息公开申请数量", colspan=3), *values("new")),
        (LayoutCell("二、上年结转政府信息公开申请数量", colspan=3), *values("carried_over")),
    ]
    result_span = len(outcomes) + 1  # every outcome row plus （七）总计
    for index, row in enumerate(outcomes):
        cells: list[LayoutCell] = []
        if index == 0:
            cells.append(LayoutCell("三、本年度办理结果", rowspan=result_span))
        if row in _OUTCOME_GROUPS:
            cells.append(LayoutCell(_OUTCOME_GROUPS[row], rowspan=_group_size(outcomes, row)))
            cells.append(LayoutCell(_OUTCOME_LABELS[row]))
        elif row.startswith(_GROUP_PREFIX) and row != "other_handling":
            cells.append(LayoutCell(_OUTCOME_LABELS[row]))
        else:
            cells.append(LayoutCell(_OUTCOME_LABELS[row], colspan=2))
        rows.append((*cells, *values(row)))
    rows.append((LayoutCell("（七）总计", colspan=2), *values("handled_total")))
    rows.append((LayoutCell("四、结转下年度继续办理", colspan=3), *values("carried_forward")))
    widths = (1.3, 1.5, 3.9) + (1.45,) * 7
    return LayoutTable(10, tuple(rows), widths)


def appeals_table(spec: ReportSpec) -> LayoutTable:
    """Section 四: 行政复议 (5 columns) and 行政诉讼 (2 × 5 columns), then one row of values."""
    outcomes = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    rows: list[tuple[LayoutCell, ...]] = [
        (
            LayoutCell("行政复议", colspan=5, header=True),
            LayoutCell("行政诉讼", colspan=10, header=True),
        ),
        (
            *(LayoutCell(label, rowspan=2, header=True) for label in outcomes),
            LayoutCell("未经复议直接起诉", colspan=5, header=True),
            LayoutCell("复议后起诉", colspan=5, header=True),
        ),
        tuple(LayoutCell(label, header=True) for _ in range(2) for label in outcomes),
    ]
    keys = [
        f"appeals.{row}.{column}"
        for row in ("review", "litigation_direct", "litigation_after_review")
        for column in ("upheld", "corrected", "other", "pending", "total")
    ]
    rows.append(tuple(LayoutCell(spec.cell_text(key)) for key in keys))
    return LayoutTable(15, tuple(rows), (17.0 / 15,) * 15)


# -- HTML ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteChrome:
    """The site around an article page; see the module docstring. Empty fields get defaults."""

    site_name: str = ""
    host: str = ""
    breadcrumb: tuple[tuple[str, str], ...] = ()
    nav: tuple[tuple[str, str], ...] = (
        ("首页", "/"),
        ("政务公开", "/xxgk/"),
        ("政务服务", "/zwfw/"),
        ("互动交流", "/hdjl/"),
    )
    body_class: str = "zz-xl-ct"
    published_at: dt.date | None = None
    publisher: str | None = None
    index_no: str | None = None
    attachments: tuple[tuple[str, str], ...] = ()
    meta_style: Literal["line", "table"] = "line"
    extra_head: str = field(default="", repr=False)


def chrome_for(spec: ReportSpec, chrome: SiteChrome | None = None) -> SiteChrome:
    """`chrome` with its empty fields filled from the spec's county, date and agency."""
    chrome = chrome or SiteChrome()
    county = BY_COUNTY_CODE.get(spec.meta.county_code or "")
    return SiteChrome(
        site_name=chrome.site_name or f"{spec.meta.county or ''}人民政府",
        host=chrome.host or (county.site if county else "www.example.gov.cn"),
        breadcrumb=chrome.breadcrumb or (("政府信息公开", "../../"), ("政府信息公开年报", "../")),
        nav=chrome.nav,
        body_class=chrome.body_class,
        published_at=chrome.published_at or spec.meta.published_at,
        publisher=chrome.publisher or spec.meta.agency,
        index_no=chrome.index_no,
        attachments=chrome.attachments,
        meta_style=chrome.meta_style,
        extra_head=chrome.extra_head,
    )


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def html_table(table: LayoutTable) -> str:
    """A table as Word's "save as web page" writes it: MsoNormal paragraphs in bordered cells."""
    out = [
        '<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" width="100%"'
        ' style="border-collapse:collapse;border:none">',
        "<tbody>",
    ]
    for row in table.rows:
        out.append("<tr>")
        for cell in row:
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            # Word writes an empty cell as a paragraph holding a no-break space.
            text = _esc(cell.text) if cell.text else "&nbsp;"
            out.append(
                f'<td{attrs} valign="center" style="border:solid windowtext 1.0pt;'
                'padding:0cm 5.4pt 0cm 5.4pt">'
                '<p class="MsoNormal" align="center" style="text-align:center">'
                f'<span style="font-size:10.5pt;font-family:宋体">{text}</span></p></td>'
            )
        out.append("</tr>")
    out.append("</tbody>\n</table>")
    return "\n".join(out)


def report_body_html(spec: ReportSpec, blocks: Sequence[Block] | None = None) -> str:
    """The article body: the report as the CMS editor holds it (paragraphs and tables).

    `blocks` replaces the report's own layout (hostile inputs reorder or drop sections).
    """
    out: list[str] = []
    for block in report_layout(spec) if blocks is None else blocks:
        if isinstance(block, LayoutTable):
            out.append(html_table(block))
        elif block.kind == "title":
            out.append(
                '<p style="text-align:center"><strong><span style="font-size:22px">'
                f"{_esc(block.text)}</span></strong></p>"
            )
        elif block.kind == "heading":
            out.append(
                f'<p style="text-indent:2em"><strong><span style="font-family:黑体">'
                f"{_esc(block.text)}</span></strong></p>"
            )
        elif block.kind == "label":
            out.append(f'<p style="text-align:center">{_esc(block.text)}</p>')
        else:
            out.append(f'<p style="text-indent:2em">{_esc(block.text)}</p>')
    return "\n".join(out)


def render_article(
    title: str,
    body_html: str,
    chrome: SiteChrome,
    *,
    encoding: str = "utf-8",
    declared_charset: str | None = None,
) -> bytes:
    """One CMS article page (any article, not only reports) around `body_html`.

    `chrome` must be complete (see `chrome_for`). `declared_charset` is what the page claims in
    its `<meta>` (default: the encoding actually used).
    """
    charset = declared_charset or encoding
    date = chrome.published_at.isoformat() if chrome.published_at else ""
    publisher = chrome.publisher or chrome.site_name
    home = f"https://{chrome.host}/"
    nav = "".join(
        f'<li><a href="{_esc(href)}">{_esc(label)}</a></li>' for label, href in chrome.nav
    )
    crumbs = " &gt; ".join(
        [f'<a href="{_esc(home)}">首页</a>']
        + [f'<a href="{_esc(href)}">{_esc(label)}</a>' for label, href in chrome.breadcrumb]
    )
    if chrome.meta_style == "table":
        info = (
            '<table class="xxgk_table"><tbody>'
            f"<tr><th>索引号：</th><td>{_esc(chrome.index_no or '')}</td>"
            f"<th>发布机构：</th><td>{_esc(publisher)}</td></tr>"
            f'<tr><th>名　　称：</th><td colspan="3">{_esc(title)}</td></tr>'
            f"<tr><th>发布日期：</th><td>{date}</td><th>文　　号：</th><td></td></tr>"
            "</tbody></table>"
        )
    else:
        info = (
            f'<div class="zz-xl-info"><span>发布日期：{date}</span>'
            f"<span>来源：{_esc(publisher)}</span>"
            f"<span>发布机构：{_esc(publisher)}</span></div>"
        )
    attachments = ""
    if chrome.attachments:
        links = "".join(
            f'<li><a href="{_esc(href)}">{_esc(label)}</a></li>'
            for label, href in chrome.attachments
        )
        attachments = f'<div class="zz-xl-fj"><p>附件：</p><ul>{links}</ul></div>'
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{_esc(title)}_{_esc(chrome.site_name)}</title>
<meta name="SiteName" content="{_esc(chrome.site_name)}">
<meta name="SiteDomain" content="{_esc(chrome.host)}">
<meta name="ColumnName" content="{_esc(chrome.breadcrumb[-1][0] if chrome.breadcrumb else "")}">
<meta name="ArticleTitle" content="{_esc(title)}">
<meta name="PubDate" content="{date} 09:30">
<meta name="ContentSource" content="{_esc(publisher)}">
{chrome.extra_head}
</head>
<body>
<div class="header"><div class="logo"><a href="{_esc(home)}">{_esc(chrome.site_name)}</a></div>
<div class="search"><form action="/nxsearch/search.html" method="get">
<input type="text" name="searchWord" placeholder="请输入关键字"><button type="submit">搜索</button>
</form></div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="main">
<div class="position">当前位置：{crumbs}</div>
<div class="zz-xl">
<h1>{_esc(title)}</h1>
{info}
<div class="{_esc(chrome.body_class)}">
{body_html}
</div>
{attachments}
<div class="zz-xl-tools"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
</div>
<div class="footer"><p>主办单位：{_esc(chrome.site_name)}办公室　网站标识码：6403000000</p>
<p>宁ICP备05000000号　宁公网安备 64000002000000号</p></div>
</body>
</html>
"""
    return page.encode(encoding, errors="xmlcharrefreplace")


def render_html(
    spec: ReportSpec,
    *,
    encoding: str = "utf-8",
    declared_charset: str | None = None,
    chrome: SiteChrome | None = None,
    include_report: bool = True,
) -> bytes:
    """A full CMS article page holding the report inline; see the module docstring."""
    full = chrome_for(spec, chrome)
    if include_report:
        body = report_body_html(spec)
    else:
        body = f'<p style="text-indent:2em">{_esc(spec.title)}见附件。</p>'
    return render_article(
        spec.title, body, full, encoding=encoding, declared_charset=declared_charset
    )


# -- DOCX ----------------------------------------------------------------------------------------


def render_docx(spec: ReportSpec) -> bytes:
    """A Word document of the report: A4, 宋体, tables with real merged cells (python-docx)."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.5)
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    normal.font.name = "宋体"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    document.core_properties.title = spec.title

    for block in report_layout(spec):
        if isinstance(block, LayoutTable):
            _docx_table(document, block)
            continue
        paragraph = document.add_paragraph()
        run = paragraph.add_run(block.text)
        if block.kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
            run.font.size = Pt(18)
        elif block.kind == "heading":
            paragraph.paragraph_format.first_line_indent = Pt(24)
            run.bold = True
        elif block.kind == "label":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            paragraph.paragraph_format.first_line_indent = Pt(24)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_table(document: DocxDocument, table: LayoutTable) -> None:
    grid = document.add_table(rows=len(table.rows), cols=table.n_cols)
    grid.style = "Table Grid"
    grid.autofit = False
    # Narrow cell margins (0.1 cm), as report templates use, so five-digit totals fit a column.
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "57")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    grid._tbl.tblPr.append(margins)
    widths = table.widths or (17.0 / table.n_cols,) * table.n_cols
    # Fetch every cell once before merging: `Table.cell()` walks the whole table per call.
    for c, column in enumerate(grid.columns):
        column.width = Cm(widths[c])  # the tblGrid widths, which LibreOffice lays out by
    cells = [row.cells for row in grid.rows]
    for row_cells in cells:
        for c, cell in enumerate(row_cells):
            cell.width = Cm(widths[c])
    for r, c, spec_cell in table.placed():
        target = cells[r][c]
        if spec_cell.rowspan > 1 or spec_cell.colspan > 1:
            corner = cells[r + spec_cell.rowspan - 1][c + spec_cell.colspan - 1]
            target = target.merge(corner)
        target.text = spec_cell.text
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        for paragraph in target.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in paragraph.runs:
                run.font.size = Pt(9)
    document.add_paragraph()


# -- LibreOffice products ------------------------------------------------------------------------


def _convert(data: bytes, target: str) -> bytes:
    # Imported here so that the HTML/DOCX/text renderers work even while the format package
    # is half-written (it imports all its extractors on import).
    from reportparser.formats.libreoffice import convert

    return convert(data, source_suffix=".docx", target=target, timeout=180)


def render_pdf(spec: ReportSpec) -> bytes:
    """The DOCX exported to PDF by LibreOffice (a text PDF with ruled tables, like Word's)."""
    return _convert(render(spec, "docx"), "pdf")


def render_doc(spec: ReportSpec) -> bytes:
    """The DOCX saved as Word 97-2003 (.doc) by LibreOffice."""
    return _convert(render(spec, "docx"), "doc")


def render_wps(spec: ReportSpec) -> bytes:
    """DOC bytes, to be served under a ``.wps`` name.

    LibreOffice cannot write Kingsoft WPS Writer files. A real ``.wps`` file is an OLE compound
    document that LibreOffice imports the way it imports Word 97 DOC, and many ``.wps``
    attachments on county sites are DOC files renamed by WPS Office; so a DOC under a ``.wps``
    name exercises the same path (suffix handling, LibreOffice import) but not the genuine WPS
    binary format.
    """
    return render(spec, "doc")


# -- Text ----------------------------------------------------------------------------------------


def render_text(spec: ReportSpec, style: Literal["tsv", "markdown"] = "tsv") -> bytes:
    """Plain UTF-8 text: tables as tab-separated rows, or as markdown tables."""
    lines: list[str] = []
    for block in report_layout(spec):
        if isinstance(block, LayoutTable):
            grid = block.grid()
            if style == "tsv":
                lines.extend("\t".join(row) for row in grid)
            else:
                lines.append("| " + " | ".join(grid[0]) + " |")
                lines.append("|" + "---|" * block.n_cols)
                lines.extend("| " + " | ".join(row) + " |" for row in grid[1:])
            lines.append("")
        else:
            lines.extend((block.text, ""))
    return "\n".join(lines).encode("utf-8")


# -- Formats and the cache -----------------------------------------------------------------------


def filename(spec: ReportSpec, fmt: str) -> str:
    """The name a document of `fmt` is served under (the parser picks its extractor by it)."""
    return f"{spec.name}{_SUFFIX[fmt]}"


def _render_uncached(spec: ReportSpec, fmt: str) -> bytes:
    if fmt == "html":
        return render_html(spec)
    if fmt == "html-gbk":
        return render_html(spec, encoding="gbk")
    if fmt == "docx":
        return render_docx(spec)
    if fmt == "pdf":
        return render_pdf(spec)
    if fmt == "doc":
        return render_doc(spec)
    if fmt == "wps":
        return render_wps(spec)
    if fmt == "txt":
        return render_text(spec, "tsv")
    if fmt == "md":
        return render_text(spec, "markdown")
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def _code_digest() -> str:
    """Renderings change when this code changes: the cache key includes its source."""
    here = Path(__file__).parent
    blob = b"".join((here / name).read_bytes() for name in ("render.py", "spec.py"))
    return hashlib.sha256(blob).hexdigest()[:12]


CACHE_DIR: Final = Path(
    os.environ.get("OGI_RENDER_CACHE")
    or Path(tempfile.gettempdir()) / f"ogi-render-cache-{os.getuid()}"
)
_memory: dict[tuple[str, str], bytes] = {}


def render(spec: ReportSpec, fmt: str) -> bytes:
    """`spec` in `fmt` (one of `FORMATS`), cached in memory and, for the slow LibreOffice
    formats, on disk under `CACHE_DIR` (set OGI_RENDER_CACHE to move it), keyed by the spec's
    digest and this module's source."""
    key = (spec.digest(), fmt)
    if key in _memory:
        return _memory[key]
    path = CACHE_DIR / f"{spec.digest()}-{_code_digest()}.{fmt}"
    if fmt in LIBREOFFICE_FORMATS and path.is_file():
        data = path.read_bytes()
    else:
        data = _render_uncached(spec, fmt)
        if fmt in LIBREOFFICE_FORMATS:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.part")
            partial.write_bytes(data)
            partial.replace(path)  # atomic: parallel test workers never read half a file
    _memory[key] = data
    return data


def render_all(spec: ReportSpec, formats: Iterable[str] = FORMATS) -> dict[str, bytes]:
    return {fmt: render(spec, fmt) for fmt in formats}
