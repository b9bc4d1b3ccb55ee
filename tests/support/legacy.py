"""Free-form reports of 2008–2018 (`template: legacy`), as county sites published them.

Before the 2019 template, a report was prose in six sections, in the shape the 2008 regulations
suggested (概述; 主动公开; 依申请公开; 收费及减免; 行政复议、行政诉讼; 问题及改进), each
county in its own words, and many appended the statistics table of the State Council's
general office (政府信息公开情况统计表: 统计指标 | 单位 | 统计数). `legacy_report` writes such
a report from the sentences a test chooses; `statistics_rows` gives the table's rows with their
printed values; `as_text`, `as_html` and `as_docx` print a report.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from docx import Document

from tests.support.layout import LayoutCell, LayoutTable
from tests.support.render import SiteChrome, html_table, render_article

SECTIONS: Final = (
    "一、概述",
    "二、主动公开政府信息情况",
    "三、依申请公开政府信息情况",
    "四、政府信息公开的收费及减免情况",
    "五、因政府信息公开申请提起行政复议、行政诉讼的情况",
    "六、政府信息公开工作存在的主要问题及改进措施",
)

# Sentences of section 一 as county reports wrote them: work done, with figures that are not
# figures of the vocabulary (items published, visits, trainings).
OVERVIEW: Final = (
    "{year}年，{county}认真贯彻落实《中华人民共和国政府信息公开条例》，按照自治区、市政府的"
    "统一部署，以“公开为原则，不公开为例外”，紧紧围绕县委、县政府中心工作，不断完善工作机制，"
    "拓宽公开渠道，丰富公开内容，政府信息公开工作取得了明显成效。",
    "（一）加强组织领导。调整充实了县政府信息公开工作领导小组，由县政府分管副县长任组长，"
    "县政府办公室主任任副组长，各乡镇、各部门主要负责人为成员，领导小组办公室设在县政府办公室，"
    "配备专职工作人员{staff}名，形成了主要领导亲自抓、分管领导具体抓、工作人员抓落实的工作格局。",
    "（二）完善制度建设。先后制定和完善了政府信息主动公开、依申请公开、保密审查、考核评议、"
    "责任追究等制度，进一步规范了政府信息公开的范围、程序和方式，做到了有章可循。",
    "（三）拓宽公开渠道。以县政府门户网站为第一平台，辅以政务微博、政务微信、公开栏、"
    "电子显示屏、县档案馆和图书馆政府信息查阅点等多种形式，方便群众及时、准确获取政府信息，"
    "全年网站访问量达{visits}万人次。",
    "（四）加强业务培训。举办全县政府信息公开业务培训班{trainings}期，培训各乡镇、各部门"
    "信息公开工作人员{trainees}人次，工作人员业务能力进一步提高。",
    "（五）强化监督考核。将政府信息公开工作纳入全县年度目标责任考核，定期对各乡镇、各部门"
    "网站信息更新情况进行检查通报，对发现的问题及时督促整改。",
)
ACTIVE: Final = (
    "{year}年，全县共主动公开政府信息{published}条，其中通过政府网站公开{web}条，通过政务微博、"
    "微信公开{weibo}条，通过公开栏、电子显示屏等其他方式公开{other}条。",
    "（一）重点领域信息公开。围绕财政预决算和“三公”经费、保障性住房、食品药品安全、环境保护、"
    "安全生产、征地拆迁、价格收费等重点领域，及时主动公开相关信息，回应社会关切。",
    "（二）规范性文件公开。全年制发并公开县政府规范性文件{documents}件，均在政府网站"
    "“政府文件”栏目集中发布，便于群众查阅。",
)
PROBLEMS: Final = (
    "一年来，我县政府信息公开工作虽然取得了一定成绩，但也存在一些问题：一是部分单位对政府信息"
    "公开工作重视不够，信息更新不及时；二是公开内容不够全面，深度有待加强；三是工作人员多为兼职，"
    "业务水平有待提高。",
    "下一步，我们将进一步加强组织领导，健全工作机制，加大重点领域信息公开力度，加强业务培训和"
    "监督考核，推动全县政府信息公开工作再上新台阶。",
)
FEES: Final = ("{year}年，我县在政府信息公开工作中未收取任何费用，也未发生减免费用的情况。",)


def _fill(sentences: Sequence[str], values: Mapping[str, object]) -> tuple[str, ...]:
    return tuple(sentence.format(**values) for sentence in sentences)


@dataclass(frozen=True)
class LegacyReport:
    """A legacy report: a title and the paragraphs of its six sections, in order, and the
    statistics table's rows (label, unit, printed value) when it appends one."""

    title: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    statistics: tuple[tuple[str, str, str], ...] = ()
    statistics_title: str = "政府信息公开情况统计表"
    signature: tuple[str, ...] = field(default=())

    def paragraphs(self) -> list[str]:
        out: list[str] = []
        for heading, paragraphs in self.sections:
            out.append(heading)
            out.extend(paragraphs)
        return out


def legacy_report(
    *,
    county: str = "盐池县",
    year: int = 2015,
    requests: Sequence[str],
    appeals: Sequence[str],
    statistics: Sequence[tuple[str, str, str]] = (),
    overview_rounds: int = 1,
) -> LegacyReport:
    """A county report for `year` whose sections 三 and 五 say `requests` and `appeals`;
    `overview_rounds` repeats section 一's work paragraphs (a long report)."""
    values = {
        "year": year,
        "county": county,
        "staff": 2,
        "visits": 36,
        "trainings": 2,
        "trainees": 120,
        "published": 1286,
        "web": 1093,
        "weibo": 152,
        "other": 41,
        "documents": 12,
    }
    overview = _fill(OVERVIEW, values) * overview_rounds
    sections = (
        (SECTIONS[0], overview),
        (SECTIONS[1], _fill(ACTIVE, values)),
        (SECTIONS[2], tuple(requests)),
        (SECTIONS[3], _fill(FEES, values)),
        (SECTIONS[4], tuple(appeals)),
        (SECTIONS[5], PROBLEMS),
    )
    return LegacyReport(
        title=f"{county}{year}年政府信息公开工作年度报告",
        sections=sections,
        statistics=tuple(statistics),
        signature=(f"{county}人民政府办公室", f"{year + 1}年3月25日"),
    )


def as_text(report: LegacyReport, *, one_line: bool = False) -> bytes:
    """UTF-8 text: the title, then the body one paragraph a line, or all of it on one line (a
    crawl dump of a page whose text sits in one element); the table tab-separated."""
    body = report.paragraphs()
    lines = [report.title, "".join(body) if one_line else "\n".join(body)]
    if report.statistics:
        lines.append(report.statistics_title)
        lines.append("统计指标\t单位\t统计数")
        lines.extend("\t".join(row) for row in report.statistics)
    lines.extend(report.signature)
    return "\n".join(lines).encode("utf-8")


def statistics_table(report: LegacyReport) -> LayoutTable:
    rows = [tuple(LayoutCell(text, header=True) for text in ("统计指标", "单位", "统计数"))]
    rows += [tuple(LayoutCell(text) for text in row) for row in report.statistics]
    return LayoutTable(3, tuple(rows), (10.0, 2.5, 3.5))


def as_html(report: LegacyReport, *, one_paragraph: bool = False) -> bytes:
    """A CMS article page: one <p> per paragraph (or the whole body in one), the table as Word
    saves it."""
    paragraphs = report.paragraphs()
    if one_paragraph:
        paragraphs = ["".join(paragraphs)]
    body = [f'<p style="text-indent:2em">{text}</p>' for text in paragraphs]
    if report.statistics:
        body.append(f'<p style="text-align:center">{report.statistics_title}</p>')
        body.append(html_table(statistics_table(report)))
    body += [f'<p style="text-align:right">{line}</p>' for line in report.signature]
    chrome = SiteChrome(site_name="盐池县人民政府", host="www.yanchi.gov.cn")
    return render_article(report.title, "\n".join(body), chrome)


def as_docx(report: LegacyReport) -> bytes:
    document = Document()
    document.add_paragraph(report.title)
    for text in report.paragraphs():
        document.add_paragraph(text)
    if report.statistics:
        document.add_paragraph(report.statistics_title)
        table = document.add_table(rows=len(report.statistics) + 1, cols=3)
        table.style = "Table Grid"
        for r, row in enumerate((("统计指标", "单位", "统计数"), *report.statistics)):
            for c, text in enumerate(row):
                table.cell(r, c).text = text
    for line in report.signature:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
