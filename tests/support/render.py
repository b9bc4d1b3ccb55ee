"""Print a `ReportSpec` in every format the crawler meets, with real tools.

Formats (`FORMATS`, each with `filename(spec, fmt)` and `render(spec, fmt)`, which caches):

- ``html`` / ``html-gbk``: a full article page of the Ningxia CMS (`render_html`).
- ``docx``: python-docx, tables with real merged cells (`render_docx`).
- ``pdf``: LibreOffice's PDF export of that DOCX (`render_pdf`).
- ``doc``: LibreOffice's Word 97 export of that DOCX (`render_doc`).
- ``wps``: the same DOC bytes under a ``.wps`` name (`render_wps`; see its docstring).
- ``txt`` / ``md``: tab-separated and markdown text, as other tools extract reports.

Every table is laid out once (`tests.support.layout.report_layout`) in the official national
template's shape, with the rowspans and colspans that Word exports and the CMS editor produce,
and then written out by each format, so a figure sits in the same grid cell in all of them.

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
from reportparser import template_labels
from tests.support.layout import Block, LayoutTable, report_layout
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


_LABELS_SOURCE: Final = Path(template_labels.__file__)  # the printed labels layout.py lays out


def _code_digest() -> str:
    """Renderings change when this code changes: the cache key includes its source."""
    here = Path(__file__).parent
    sources = (*(here / name for name in ("render.py", "layout.py", "spec.py")), _LABELS_SOURCE)
    blob = b"".join(path.read_bytes() for path in sources)
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
