from __future__ import annotations

import datetime as dt
import time

import pytest
from selectolax.lexbor import LexborHTMLParser

from reportparser.document import Cell, ExtractedDocument, Paragraph, Table
from reportparser.formats import ExtractionFailure, extract
from reportparser.formats.html import BODY_CLASSES, BODY_IDS, BODY_SELECTOR
from tests.reportparser.formats.conftest import FIXTURES


def _extract(
    markup: str | bytes, content_type: str | None = "text/html; charset=utf-8"
) -> ExtractedDocument:
    data = markup.encode("utf-8") if isinstance(markup, str) else markup
    result = extract(data, filename="t20230113_3916830.html", content_type=content_type)
    assert not isinstance(result, ExtractionFailure), result
    return result


def _tables(document: ExtractedDocument) -> list[Table]:
    return [block for block in document.blocks if isinstance(block, Table)]


def _paragraphs(document: ExtractedDocument) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, Paragraph)]


def _page(body: str, head: str = "", around: str = "") -> str:
    return (
        f"<html><head><meta charset='utf-8'>{head}</head><body>"
        f"<div class='nav'><a href='/'>首页</a><a href='/xxgk/'>政务公开</a></div>{around}"
        f"<div class='zz-xl-ct'>{body}</div>"
        "<div class='footer'>主办单位：某县人民政府办公室</div></body></html>"
    )


def test_gbk_fixture_page() -> None:
    data = (FIXTURES / "gbk-article-page.html").read_bytes()
    content_type = (FIXTURES / "gbk-article-page.html.content-type").read_text().strip()
    document = _extract(data, content_type)
    assert document.format == "html"
    assert document.title == "黄花乡2022年政府信息公开工作年度报告"
    assert document.published_at == dt.date(2023, 1, 30)
    assert document.publisher == "泾源县黄花乡人民政府"
    assert document.notes[0] == "encoding: gb18030"
    assert _paragraphs(document) == [
        "本报告由黄花乡人民政府编制。",
        "一、总体情况",
        "（一）主动公开情况",
        "二、收到和处理政府信息公开申请情况",
        "泾源县黄花乡人民政府",
        "2023年1月30日",
    ]
    active, requests = _tables(document)
    assert (active.n_rows, active.n_cols) == (6, 4)
    assert active.cells == (
        Cell("第二十条第（一）项", 0, 0, 1, 4),
        Cell("信息内容", 1, 0),
        Cell("本年制发\n件数", 1, 1),
        Cell("本年废止件数", 1, 2),
        Cell("现行有效件数", 1, 3),
        Cell("规章", 2, 0),
        Cell("0", 2, 1),
        Cell("", 2, 2),
        Cell("0", 2, 3),
        Cell("行政规范性文件", 3, 0),
        Cell("3", 3, 1),
        Cell("1", 3, 2),
        Cell("12", 3, 3),
        # rowspan="9" and colspan="9" run past the table's edge: clipped to it.
        Cell("行政许可", 4, 0, 2, 1),
        Cell("本年处理决定数量", 4, 1, 1, 3),
        Cell("1 234", 5, 1, 1, 3),
    )
    # The second table sits in a layout table: it comes out as itself.
    assert [[c.text if c else None for c in row] for row in requests.grid()][2] == [
        "一、本年新收政府信息公开申请数量",
        "5",
        "",
        "5",
    ]
    text = document.text()
    assert "不是正文" not in text and "宁ICP备" not in text and "互动交流" not in text


def test_declared_charset_of_the_header_wins_over_meta() -> None:
    page = _page("<p>盐池县人民政府办公室关于政府信息公开工作年度报告的说明</p>")
    data = page.replace("charset='utf-8'", "charset='utf-8'").encode("gb18030")
    document = _extract(data, "text/html; charset=gb2312")
    assert _paragraphs(document) == ["盐池县人民政府办公室关于政府信息公开工作年度报告的说明"]


def test_meta_charset_without_header() -> None:
    page = _page("<p>盐池县人民政府办公室关于政府信息公开工作年度报告</p>").replace(
        "charset='utf-8'", "charset='gbk'"
    )
    document = _extract(page.encode("gbk"), None)
    assert _paragraphs(document) == ["盐池县人民政府办公室关于政府信息公开工作年度报告"]


def test_a_wrong_declaration_loses_to_the_encoding_that_decodes() -> None:
    page = _page("<p>" + "盐池县人民政府办公室关于政府信息公开工作年度报告。" * 20 + "</p>")
    document = _extract(page.encode("utf-8"), "text/html; charset=gb2312")
    assert _paragraphs(document)[0].startswith("盐池县人民政府办公室")
    assert document.notes[0] == "encoding: utf-8"


@pytest.mark.parametrize(
    ("around", "head", "date", "publisher"),
    [
        ("<div>发布时间:2026-01-23</div>", "", dt.date(2026, 1, 23), None),
        (
            "<p>发布日期：2019-03-26 16:28 来源：盐池县人民政府</p>",
            "",
            dt.date(2019, 3, 26),
            "盐池县人民政府",
        ),
        (
            "<p>来源:同心县人民政府办公室 发表日期:2024-01-22</p>",
            "",
            dt.date(2024, 1, 22),
            "同心县人民政府办公室",
        ),
        (
            "<table><tr><th>索引号：</th><td>640323/2021-00012</td><th>发布机构：</th>"
            "<td>盐池县人民政府办公室</td></tr><tr><th>发布日期：</th><td>2021年01月28日</td></tr></table>",
            "",
            dt.date(2021, 1, 28),
            "盐池县人民政府办公室",
        ),
        (
            "<p>日期：2023-01-30</p>",
            "<meta name='PubDate' content='2023-02-01 09:30'>"
            "<meta name='ContentSource' content='泾源县人民政府'>",
            dt.date(2023, 2, 1),
            "泾源县人民政府",
        ),
        ("<p>浏览次数：12</p>", "", None, None),
        ("<p>来源:泾源县黄花乡人民政府浏览次数:12</p>", "", None, "泾源县黄花乡人民政府"),
    ],
)
def test_page_metadata(around: str, head: str, date: dt.date | None, publisher: str | None) -> None:
    document = _extract(_page("<p>正文第一段，内容足够长。</p>", head=head, around=around))
    assert (document.published_at, document.publisher) == (date, publisher)


@pytest.mark.parametrize(
    ("head", "around", "title"),
    [
        (
            "<meta name='ArticleTitle' content='盐池县2020年政府信息公开工作年度报告'>",
            "<h1>盐池县人民政府</h1>",
            "盐池县2020年政府信息公开工作年度报告",
        ),
        (
            "<title>贺兰县2020年政府信息公开工作年度报告_贺兰县人民政府</title>",
            "<h1>贺兰县人民政府</h1><h1>贺兰县2020年政府信息公开工作年度报告</h1>",
            "贺兰县2020年政府信息公开工作年度报告",
        ),
        (
            "<title>贺兰县2020年政府信息公开工作年度报告_贺兰县人民政府</title>",
            "",
            "贺兰县2020年政府信息公开工作年度报告",
        ),
        ("", "", None),
    ],
)
def test_page_title(head: str, around: str, title: str | None) -> None:
    assert _extract(_page("<p>正文</p>", head=head, around=around)).title == title


@pytest.mark.parametrize("doctype", ["", "<!DOCTYPE html>"])  # quirks and standards mode
def test_body_selector_catches_every_name(doctype: str) -> None:
    boxes = [f"<div class='view {name}'></div>" for name in BODY_CLASSES]
    boxes += [f"<div id='{ident}'></div>" for ident in BODY_IDS]
    root = LexborHTMLParser(f"{doctype}<html><body>{''.join(boxes)}</body></html>").root
    assert root is not None
    caught = root.css(BODY_SELECTOR)
    assert len(caught) == len(boxes)


@pytest.mark.parametrize("doctype", ["", "<!DOCTYPE html>"])  # quirks and standards mode
@pytest.mark.parametrize(
    "container",
    [
        *(f"div class='view {name}'" for name in BODY_CLASSES),
        *(f"div id='{ident}'" for ident in BODY_IDS),
    ],
)
def test_known_body_containers(container: str, doctype: str) -> None:
    # Every name is caught by `BODY_SELECTOR`, and beats the container catches that is no name
    # of ours (a class or id containing "cont" too).
    markup = (
        f"{doctype}<html><body><div class='contents' id='contentbox'>"
        "<ul class='menu'><li><a href='/'>首页</a></li>"
        "<li>政务公开栏目导航很长很长的文字</li></ul>"
        f"<{container}><p>一、总体情况</p><p>本年度共受理申请五件，全部按时办结。</p></div>"
        "<div class='links'>相关链接：国务院 宁夏回族自治区人民政府 网站地图 联系我们</div>"
        "</div></body></html>"
    )
    assert _paragraphs(_extract(markup)) == ["一、总体情况", "本年度共受理申请五件，全部按时办结。"]


def test_densest_block_without_known_container() -> None:
    prose = "".join(
        f"<p>第{i}段：全县各级行政机关认真贯彻落实政府信息公开条例。</p>" for i in range(6)
    )
    markup = (
        "<html><body><div id='hd'><a href='/'>首页</a> <a href='/a'>新闻中心</a>"
        " <a href='/b'>政务公开</a></div>"
        f"<div id='main'><div id='article'>{prose}<table border=1><tr><td>申请</td><td>5</td></tr>"
        "<tr><td>办结</td><td>5</td></tr></table></div><div id='side'><a href='/c'>热点新闻一</a>"
        "<a href='/d'>热点新闻二</a></div></div><footer>版权所有</footer></body></html>"
    )
    document = _extract(markup)
    assert _paragraphs(document)[0] == "第0段：全县各级行政机关认真贯彻落实政府信息公开条例。"
    assert len(_paragraphs(document)) == 6
    assert _tables(document)[0].cells[1] == Cell("5", 0, 1)
    assert document.notes[-1] == "body: <div class=None id='article'>"


def test_table_model_with_rowspans_from_above() -> None:
    body = (
        "<table><tr><td rowspan=3>（三）不予公开</td><td>1.属于国家秘密</td><td>0</td></tr>"
        "<tr><td>2.其他法律行政法规禁止公开</td><td>1</td></tr>"
        "<tr><td>3.危及“三安全一稳定”</td><td>2</td></tr>"
        "<tr><td colspan=2>（四）无法提供</td><td rowspan=0>3</td></tr>"
        "<tr><td>a</td><td>b</td></tr></table>"
    )
    table = _tables(_extract(_page(body)))[0]
    assert [[c.text if c else None for c in row] for row in table.grid()] == [
        ["（三）不予公开", "1.属于国家秘密", "0"],
        ["（三）不予公开", "2.其他法律行政法规禁止公开", "1"],
        ["（三）不予公开", "3.危及“三安全一稳定”", "2"],
        ["（四）无法提供", "（四）无法提供", "3"],
        ["a", "b", "3"],
    ]


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("<p><span>本年新收</span></p>", "本年新收"),  # Word's cell: its breaks need no marks
        (" <p> 本年 新收 </p>\n", "本年 新收"),
        ("<p>本年<br>新收</p>", "本年\n新收"),  # a break inside the only child
        ("<p>本年</p><p>新收</p>", "本年\n新收"),
        ("本年<p>新收</p>", "本年\n新收"),  # text beside the only child
        ("<p>本年</p>新收", "本年\n新收"),
        ("<span>本年</span><div>新收</div>", "本年\n新收"),
        ("<div><p>本年</p><p>新收</p></div>", "本年\n新收"),
        ("<span>本年</span><span>新收</span>", "本年新收"),
        ("\u200b<p>新收</p>", "新收"),
    ],
)
def test_cell_lines_with_and_without_marks(cell: str, text: str) -> None:
    """Cells of Word's pattern are read without marking their breaks (`_one_break`);
    one cell of another shape in the table has every cell read marked: the same texts."""
    for other in ("<p><span>5</span></p>", "1<br>2"):
        body = f"<table><tr><td>{cell}</td><td>{other}</td></tr></table>"
        table = _tables(_extract(_page(body)))[0]
        assert table.cells[0] == Cell(text, 0, 0)
        assert table.cells[1] == Cell("5" if other.startswith("<p>") else "1\n2", 0, 1)


def test_one_cell_frame_is_not_a_table() -> None:
    document = _extract(
        _page("<table><tr><td><p>一、总体情况</p><p>二、主动公开</p></td></tr></table>")
    )
    assert document.blocks == (Paragraph("一、总体情况"), Paragraph("二、主动公开"))


def test_page_that_is_not_a_report_gives_its_text() -> None:
    document = _extract(_page("<p>我县召开政务公开工作推进会</p><p>会议要求各部门提高认识。</p>"))
    assert _paragraphs(document) == ["我县召开政务公开工作推进会", "会议要求各部门提高认识。"]


def test_deeply_nested_html_in_bounded_time() -> None:
    markup = "<html><body>" + "<div>" * 100_000 + "深" + "</div>" * 100_000 + "</body></html>"
    started = time.perf_counter()
    result = extract(markup.encode(), filename="deep.html")
    assert time.perf_counter() - started < 10
    assert isinstance(result, ExtractedDocument | ExtractionFailure)


@pytest.mark.parametrize(
    "nested",
    [
        "<div>深" * 100_000,  # text at every level: no run of bare tags to cut
        "<div><font>深" * 50_000,
        "<table><tr><td>深" * 30_000,
    ],
)
def test_deep_nesting_with_text_at_every_level_in_bounded_time(nested: str) -> None:
    # lexbor has no depth limit, and a block start tag looks down the stack of open elements:
    # 100 000 nested <div>s parsed as they are cost it a minute.
    markup = "<html><body>" + nested + "<p>后</p></body></html>"
    started = time.perf_counter()
    result = extract(markup.encode(), filename="deep.html")
    assert time.perf_counter() - started < 10
    assert isinstance(result, ExtractedDocument | ExtractionFailure)


def test_gbk_mojibake_page_is_a_clear_failure() -> None:
    text = "盐池县人民政府办公室关于政府信息公开工作年度报告的通知，全年受理申请五件。" * 5
    mojibake = text.encode("utf-8").decode("gbk", errors="replace")
    result = extract(_page(f"<p>{mojibake}</p>").encode("utf-8"), filename="a.html")
    assert isinstance(result, ExtractionFailure)
    assert result.reason.startswith("mojibake: text decoded with the wrong charset")


def test_word_saved_as_web_page() -> None:
    # Word's "save as web page": no CMS container, a short title and a table carry the text,
    # <o:p> tags, conditional comments and a trailing row of empty width-setting cells.
    markup = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><body>
<div class=WordSection1>
<p class=MsoNormal align=center><b><span style='font-size:16.0pt'>
盐池县2020年政府信息公开工作年度报告<o:p></o:p></span></b></p>
<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0>
<tr><td width=100 rowspan=2><p class=MsoNormal><span>信息内容</span>
<span lang=EN-US><o:p></o:p></span></p></td>
<td width=300 colspan=3><p class=MsoNormal>本年新制作数量</p></td></tr>
<tr><td>1</td><td><p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p></td>
<td>3</td></tr>
<![if !supportMisalignedColumns]>
<tr height=0><td width=100 style='border:none'></td><td width=100 style='border:none'></td>
<td width=100 style='border:none'></td><td width=100 style='border:none'></td></tr>
<![endif]>
</table>
<p class=MsoNormal><span lang=EN-US style='font-family:宋体'>二、
<span style='mso-spacerun:yes'>&nbsp; </span></span>主动公开</p>
</div></body></html>"""
    document = _extract(markup)
    assert document.blocks == (
        Paragraph("盐池县2020年政府信息公开工作年度报告"),
        Table(
            cells=(
                Cell("信息内容", 0, 0, 2, 1),
                Cell("本年新制作数量", 0, 1, 1, 3),
                Cell("1", 1, 1),
                Cell("", 1, 2),
                Cell("3", 1, 3),
            ),
            n_rows=2,
            n_cols=4,
        ),
        Paragraph("二、 主动公开"),
    )


_REPORT_BODY = (
    "<p>盐池县2022年政府信息公开工作年度报告</p><p>一、总体情况</p>"
    "<table><tr><td>信息内容</td><td>本年新制发件数</td></tr><tr><td>规章</td><td>5</td></tr></table>"
)


@pytest.mark.parametrize(
    ("name", "before"),
    [
        ("a 30 MB data: image", '<img src="data:image/png;base64,' + "QUFB" * 2_700_000 + '">'),
        ("an 11 MB text node outside", "<div class='ad'>" + "QUFB" * 2_700_000 + "</div>"),
        ("300 nested divs", "<div>" * 300 + "目录" + "</div>" * 300),
        ("3000 nested spans", "<span>" * 3000 + "目录" + "</span>" * 3000),
        ("3000 nested divs", "<div>" * 3000 + "目录" + "</div>" * 3000),
    ],
)
def test_large_or_deep_content_before_the_report_keeps_the_report(name: str, before: str) -> None:
    # libxml2 stops at a 10 MB text node or attribute or at 256 levels without huge_tree, and
    # the page became `not_report` ("the document is empty").
    document = _extract(_page(_REPORT_BODY, around=before))

    assert "一、总体情况" in _paragraphs(document), name
    assert [c.text for c in _tables(document)[0].cells] == [
        "信息内容",
        "本年新制发件数",
        "规章",
        "5",
    ]


def test_a_huge_text_node_in_the_body_is_skipped_not_spent() -> None:
    document = _extract(_page("<p>" + "QUFB" * 2_700_000 + "</p>" + _REPORT_BODY))

    assert "一、总体情况" in _paragraphs(document)
    assert not document.cuts
    assert any("10,800,000 characters skipped" in note for note in document.notes)


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=ISO-8859-1", "text/html; charset=windows-1252", None]
)
@pytest.mark.parametrize("meta", ["iso-8859-1", "gbk"])
def test_a_gbk_page_declared_latin_is_read_as_gb18030(content_type: str | None, meta: str) -> None:
    page = _page(_REPORT_BODY).replace("charset='utf-8'", f"charset='{meta}'")

    document = _extract(page.encode("gbk"), content_type)

    assert "一、总体情况" in _paragraphs(document)
    assert document.notes[0] == "encoding: gb18030"


def test_a_latin_page_stays_latin() -> None:
    text = "Rapport annuel: the café's résumé, naïve façade, Zürich, Ærø. " * 20
    page = f"<html><body><div class='zz-xl-ct'><p>{text}</p></div></body></html>"

    document = _extract(page.encode("latin-1"), "text/html; charset=ISO-8859-1")

    assert _paragraphs(document)[0].startswith("Rapport annuel: the café's résumé")
