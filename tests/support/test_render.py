from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from typing import Final

import docx
import pytest
from lxml import html as lxml_html

from reportparser.vocabulary import OUTCOME_ROWS, REQUEST_COLUMNS, figure_keys
from tests.conftest import load_expected
from tests.support.layout import LayoutTable, report_layout, requests_table
from tests.support.render import SiteChrome, filename, render, render_html, render_text
from tests.support.spec import SEED_NAMES, ReportSpec, seed_spec
from tests.support.synth import synthesize

SPECS: Final = {
    "seed-helan": lambda: seed_spec("helan-2020-county"),
    "seed-jingyuan": lambda: seed_spec("jingyuan-2021-county"),
    "synthetic-2019": lambda: synthesize("2019", 1),
    "synthetic-2019-one-table": lambda: synthesize("2019", 2),
    "synthetic-2021": lambda: synthesize("2021", 1),
    "synthetic-2021-one-table": lambda: synthesize("2021", 2),
}


def dense(rows: list[list[tuple[str, int, int]]]) -> list[list[str | None]]:
    """Resolve (text, rowspan, colspan) rows as a browser does; spanned positions repeat."""
    grid: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in grid:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[r + dr, c + dc] = text
            c += colspan
    n_cols = max(c for _, c in grid) + 1
    return [[grid.get((r, c)) for c in range(n_cols)] for r in range(len(rows))]


def html_tables(page: bytes, encoding: str = "utf-8") -> list[list[list[str | None]]]:
    tree = lxml_html.fromstring(page.decode(encoding))
    tables = []
    for table in tree.iter("table"):
        if "MsoNormalTable" not in (table.get("class") or ""):
            continue
        rows = [
            [
                (
                    td.text_content().replace("\xa0", "").strip(),
                    int(td.get("rowspan", "1")),
                    int(td.get("colspan", "1")),
                )
                for td in tr.iter("td")
            ]
            for tr in table.iter("tr")
        ]
        tables.append(dense(rows))
    return tables


def expected_grid(table: LayoutTable) -> list[list[str | None]]:
    return dense([[(c.text, c.rowspan, c.colspan) for c in row] for row in table.rows])


def layout_tables(spec: ReportSpec) -> list[LayoutTable]:
    return [b for b in report_layout(spec) if isinstance(b, LayoutTable)]


@pytest.mark.parametrize("which", SPECS)
def test_every_figure_is_in_its_template_cell(which: str) -> None:
    """Read the requests table back by labels and find each value where the template puts it."""
    spec = SPECS[which]()
    grid = html_tables(render_html(spec))[-2]
    assert grid[0][3] == "申请人情况"
    assert grid[1][3:] == ["自然人", "法人或其他组织", *["法人或其他组织"] * 4, "总计"]
    assert grid[2][4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert "勾稽关系" in (grid[0][0] or "") and grid[2][2] == grid[0][0]
    rows = ["new", "carried_over", *OUTCOME_ROWS[spec.template], "handled_total", "carried_forward"]
    assert len(grid) == 3 + len(rows)
    for r, row in enumerate(rows, start=3):
        for c, column in enumerate(REQUEST_COLUMNS, start=3):
            assert grid[r][c] == spec.cell_text(f"requests.{row}.{column}"), (row, column)


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_requests_label_spans_follow_the_template(template: str) -> None:
    table = requests_table(synthesize(template, 1))
    spans = {
        cell.text: (cell.rowspan, cell.colspan)
        for row in table.rows
        for cell in row
        if cell.rowspan > 1 or cell.colspan > 1
    }
    outcomes = len(OUTCOME_ROWS[template])
    assert spans["三、本年度办理结果"] == (outcomes + 1, 1)
    assert spans["（三）不予公开"] == (8, 1)
    assert spans["（四）无法提供"] == (3, 1)
    assert spans["（五）不予处理"] == (5, 1)
    assert spans["（七）总计"] == (1, 2)
    assert spans["一、本年新收政府信息公开申请数量"] == (1, 3)
    assert spans["法人或其他组织"] == (1, 5)
    if template == "2021":
        assert spans["（六）其他处理"] == (3, 1)
    else:
        assert spans["（六）其他处理"] == (1, 2)


@pytest.mark.parametrize("which", SPECS)
def test_appeals_table_is_one_row_of_fifteen(which: str) -> None:
    spec = SPECS[which]()
    grid = html_tables(render_html(spec))[-1]
    assert grid[0] == ["行政复议"] * 5 + ["行政诉讼"] * 10
    assert grid[1][5:] == ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5
    assert grid[2][5:10] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    keys = [k for k in figure_keys(spec.template) if k.startswith("appeals.")]
    assert grid[3] == [spec.cell_text(k) for k in keys]


@pytest.mark.parametrize("which", SPECS)
def test_active_section_cells(which: str) -> None:
    spec = SPECS[which]()
    texts = [cell for table in html_tables(render_html(spec))[:-2] for row in table for cell in row]
    for key in figure_keys(spec.template):
        if key.startswith("active.") and spec.figures[key] is not None:
            assert spec.cell_text(key) in texts, key
    headers = "本年新制作数量" if spec.template == "2019" else "本年收费金额（单位：万元）"
    assert headers in texts


def test_change_and_amount_printing() -> None:
    helan = seed_spec("helan-2020-county")
    assert helan.cell_text("active.licensing.change") == "减少 4"
    assert helan.cell_text("active.other_services.change") == "增加 68"
    assert helan.cell_text("active.fees.change") == "8"
    assert helan.cell_text("active.procurement.amount") == "16280.5867 万元"
    assert helan.cell_text("appeals.litigation_direct.pending") == ""
    yanchi = seed_spec("yanchi-2020-county")
    assert yanchi.cell_text("active.licensing.change") == "+6"


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_spec_matches_its_expected_file(name: str) -> None:
    spec = seed_spec(name)
    expected = load_expected(name)
    optional = set(expected.get("optional", ()))
    assert spec.optional == optional
    assert set(spec.figures) == set(expected["figures"])
    for key, value in spec.figures.items():
        assert value == (None if key in optional else expected["figures"][key]), key
    for key in ("county", "county_code", "year", "agency", "scope", "template"):
        assert getattr(spec.meta, key) == expected["meta"][key]
    assert spec.title.endswith("年政府信息公开工作年度报告")
    assert spec.prose["overview"] and spec.prose["problems"] and spec.prose["other"]
    assert tuple(spec.expected_findings) == tuple(expected["findings"])


def test_html_page_carries_cms_metadata_and_chrome() -> None:
    spec = synthesize("2021", 1)
    chrome = SiteChrome(
        body_class="zz-xl-sec",
        breadcrumb=(
            ("政府信息公开", "/xxgk_13518/"),
            ("政府信息公开年报", "/xxgk_13518/zfxxgknb/"),
        ),
        attachments=(("报告全文.pdf", "./P020220124000001.pdf"),),
        meta_style="table",
        index_no="640424/2022-00001",
        published_at=dt.date(2022, 1, 30),
    )
    page = render_html(spec, chrome=chrome)
    tree = lxml_html.fromstring(page.decode("utf-8"))
    assert tree.findtext(".//h1") == spec.title
    meta = {m.get("name"): m.get("content") or "" for m in tree.iter("meta") if m.get("name")}
    assert meta["ArticleTitle"] == spec.title
    assert meta["PubDate"].startswith("2022-01-30")
    assert meta["ContentSource"] == spec.meta.agency
    assert tree.find_class("zz-xl-sec") and not tree.find_class("zz-xl-ct")
    assert "发布日期：" in tree.text_content() and "640424/2022-00001" in tree.text_content()
    links = [a.get("href") for a in tree.iter("a")]
    assert "./P020220124000001.pdf" in links and "/xxgk_13518/zfxxgknb/" in links
    default = lxml_html.fromstring(render_html(spec).decode("utf-8"))
    assert default.find_class("zz-xl-ct")
    assert f"发布日期：{spec.meta.published_at}" in default.text_content()


def test_attachment_only_page_leaves_the_report_out() -> None:
    spec = synthesize("2019", 1)
    chrome = SiteChrome(attachments=(("附件", "./P0201.pdf"),))
    tree = lxml_html.fromstring(render_html(spec, chrome=chrome, include_report=False))
    assert not list(tree.iter("table"))
    assert "见附件" in tree.text_content()


def test_gbk_page_declares_gbk_and_says_the_same() -> None:
    spec = seed_spec("yanchi-2020-county")
    utf8 = render_html(spec)
    gbk = render(spec, "html-gbk")
    assert b"charset=gbk" in gbk
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert gbk.decode("gbk") == utf8.decode("utf-8").replace("charset=utf-8", "charset=gbk")
    lying = render_html(spec, encoding="gbk", declared_charset="utf-8")
    assert b"charset=utf-8" in lying and lying.decode("gbk")


@pytest.mark.parametrize("which", SPECS)
def test_docx_tables_have_real_merged_cells(which: str) -> None:
    spec = SPECS[which]()
    document = docx.Document(io.BytesIO(render(spec, "docx")))
    layouts = layout_tables(spec)
    assert len(document.tables) == len(layouts)
    for table, layout in zip(document.tables, layouts, strict=True):
        want = expected_grid(layout)
        got = [[table.cell(r, c).text for c in range(layout.n_cols)] for r in range(len(want))]
        assert got == want
    xml = document.tables[-2]._tbl.xml
    assert 'w:vMerge w:val="restart"' in xml and "w:gridSpan" in xml


def test_text_renderings_hold_every_cell() -> None:
    spec = synthesize("2019", 3)
    tsv = render_text(spec, "tsv").decode()
    markdown = render_text(spec, "markdown").decode()
    for key in figure_keys("2019"):
        assert spec.cell_text(key) in tsv
        assert spec.cell_text(key) in markdown
    assert "\t（三）不予公开\t1.属于国家秘密\t" in tsv
    assert "| （本列数据的勾稽关系为" in markdown


def test_filenames_carry_the_format_suffix() -> None:
    spec = synthesize("2021", 1)
    assert filename(spec, "wps") == "synthetic-2021-1.wps"
    assert filename(spec, "html-gbk") == "synthetic-2021-1.html"


@pytest.mark.libreoffice
@pytest.mark.timeout(600)
@pytest.mark.parametrize("which", ["seed-helan", "synthetic-2019", "synthetic-2021"])
def test_pdf_shows_every_value(which: str) -> None:
    spec = SPECS[which]()
    pdf = render(spec, "pdf")
    assert pdf.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    tokens = set(re.findall(r"[+-]?\d+(?:\.\d+)?", text))
    for key in figure_keys(spec.template):
        value = spec.figures[key]
        if value is not None:
            assert re.sub(r"[^\d.+-]", "", spec.cell_text(key)).lstrip("+") in tokens | {
                t.lstrip("+") for t in tokens
            }, key
    assert "申请人情况" in text and "未经复议直接起诉" in text


@pytest.mark.libreoffice
@pytest.mark.timeout(600)
def test_doc_and_wps_are_word97_files() -> None:
    spec = synthesize("2021", 1)
    doc = render(spec, "doc")
    assert doc.startswith(bytes.fromhex("d0cf11e0a1b11ae1"))  # OLE compound document
    assert render(spec, "wps") == doc
