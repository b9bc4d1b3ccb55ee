"""Documents filed beside the annual reports that are not reports: `not_report`, with the reason.

Letters and notices about the 年报 work quote the report's name and list its sections; work
plans (工作要点) promise to publish it; tables of contents and a column's index of reports name
it again and again. None of them is a report, however often it says "年度报告". Real reports
of every template (the seeds, a legacy report) stay reports.
"""

from __future__ import annotations

from typing import Final

import pytest

from reportparser import parse_bytes
from tests.conftest import SEEDS_DIR
from tests.support.legacy import as_html, as_text, legacy_report
from tests.support.render import SiteChrome, render_article

_SECTIONS_2019: Final = (
    "（一）总体情况；（二）主动公开政府信息情况；（三）收到和处理政府信息公开申请情况；"
    "（四）政府信息公开行政复议、行政诉讼情况；（五）存在的主要问题及改进情况；"
    "（六）其他需要报告的事项。"
)
_SECTIONS_LEGACY: Final = (
    "（一）概述；（二）主动公开政府信息情况；（三）依申请公开政府信息情况；"
    "（四）政府信息公开的收费及减免情况；（五）因政府信息公开申请提起行政复议、行政诉讼的情况；"
    "（六）政府信息公开工作存在的主要问题及改进措施。"
)

LETTER: Final = f"""盐池县人民政府办公室
关于报送2017年政府信息公开工作
年度报告的函
各乡镇人民政府，县政府各部门、各直属机构：
根据《中华人民共和国政府信息公开条例》和自治区人民政府办公厅《关于做好2017年政府信息公开工作年度报告编制和发布工作的通知》要求，现就报送2017年政府信息公开工作年度报告有关事项函告如下：
一、报送内容。各单位年度报告应当包括以下内容：{_SECTIONS_LEGACY}
二、报送时间。请于2018年1月20日前将年度报告电子版报送县政府办公室，并于1月31日前在本单位网站公开。
三、有关要求。各单位要高度重视，指定专人负责，确保数据真实准确，按时报送。
联系人：张丽，联系电话：0953-6012345。
特此函告。
盐池县人民政府办公室
2018年1月5日
"""

NOTICE: Final = f"""盐池县人民政府办公室关于做好2020年政府信息公开工作年度报告编制和发布工作的通知
各乡镇人民政府，县直各部门：
为做好2020年政府信息公开工作年度报告编制和发布工作，根据《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》要求，现将有关事项通知如下。
一、年度报告内容。年度报告应当包括：{_SECTIONS_2019}
二、发布时间。各单位应于2021年1月31日前在本单位网站政府信息公开专栏发布年度报告。
特此通知。
盐池县人民政府办公室
2021年1月8日
"""

WORK_PLAN: Final = f"""2018年盐池县政府信息公开工作要点
为深入贯彻落实《中华人民共和国政府信息公开条例》，进一步做好全县政府信息公开工作，制定本要点。
一、加大主动公开力度。围绕重点领域，及时主动公开政府信息。
二、规范依申请公开工作。严格按照法定时限答复政府信息公开申请。
三、做好政府信息公开工作年度报告编制发布工作。年度报告应当包括：{_SECTIONS_LEGACY}各单位于2019年1月31日前发布2018年政府信息公开工作年度报告。
四、加强监督保障。将政府信息公开工作纳入年度目标责任考核。
"""

CONTENTS: Final = """盐池县2016年政府信息公开工作年度报告
目  录
一、概述……………………………………………………1
二、主动公开政府信息情况…………………………………2
三、依申请公开政府信息情况………………………………3
四、政府信息公开的收费及减免情况………………………4
五、因政府信息公开申请提起行政复议、行政诉讼的情况……4
六、政府信息公开工作存在的主要问题及改进措施…………5
附件：政府信息公开情况统计表……………………………6
"""

INDEX: Final = "\n".join(
    [
        "政府信息公开年报",
        "本栏目发布县政府及各部门政府信息公开工作年度报告。年度报告包括总体情况、"
        "主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼"
        "情况、存在的主要问题及改进情况、其他需要报告的事项等内容。",
        *(
            f"{who}{year}年政府信息公开工作年度报告 {year + 1}-01-2{n}"
            for n, (who, year) in enumerate(
                [("盐池县", 2020), ("盐池县教育局", 2020), ("盐池县财政局", 2020), ("盐池县", 2019)]
            )
        ),
    ]
)

NOT_REPORTS: Final = {
    "letter": (LETTER, "letter"),
    "notice": (NOTICE, "notice"),
    "work-plan": (WORK_PLAN, "work plan"),
    "contents": (CONTENTS, "table of contents"),
    "index": (INDEX, "report titles (an index"),
}


@pytest.mark.parametrize("case", NOT_REPORTS)
def test_documents_about_the_annual_report_are_not_reports(case: str) -> None:
    text, reason = NOT_REPORTS[case]
    result = parse_bytes(text.encode("utf-8"), filename="page.txt")
    assert result.status == "not_report", result.meta
    assert result.reason is not None and reason in result.reason, result.reason


def test_a_letter_on_a_cms_page_filed_in_the_annual_report_column() -> None:
    lines = LETTER.splitlines()
    title = "".join(lines[1:3])
    body = "".join(f"<p>{line}</p>" for line in lines[3:])
    chrome = SiteChrome(
        site_name="盐池县人民政府",
        host="www.yanchi.gov.cn",
        breadcrumb=(("政府信息公开", "../../"), ("政府信息公开年报", "../")),
        publisher="盐池县人民政府办公室",
    )
    result = parse_bytes(render_article(title, body, chrome), filename="t20180105_1.html")
    assert result.status == "not_report"
    assert result.reason is not None and "letter" in result.reason


_LEGACY = legacy_report(
    requests=("2015年，我县共受理政府信息公开申请7件，均已按时办结。",),
    appeals=("2015年，我县未发生因政府信息公开申请提起行政复议、行政诉讼的情况。",),
)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(as_text(_LEGACY), id="legacy-text"),
        pytest.param(as_html(_LEGACY), id="legacy-html"),
        pytest.param(
            CONTENTS.encode("utf-8") + as_text(_LEGACY), id="legacy-with-its-table-of-contents"
        ),
        *(
            pytest.param((SEEDS_DIR / f"{name}.txt").read_bytes(), id=name)
            for name in ("helan-2020-county", "yanchi-2020-poverty-office")
        ),
    ],
)
def test_real_reports_stay_reports(data: bytes) -> None:
    name = "report.html" if data.lstrip().startswith(b"<!DOCTYPE") else "report.txt"
    result = parse_bytes(data, filename=name)
    assert result.status == "report", result.reason
