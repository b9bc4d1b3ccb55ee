"""Tables in plain text: PDF layouts, tab-separated and markdown rows, labels broken anywhere."""

from __future__ import annotations

from reportparser.readings import RowReading
from reportparser.result import FigureValue
from reportparser.texttable import build_stream, read_active, read_appeals, read_requests


def _stream_values(text: str) -> list[FigureValue]:
    stream = build_stream(text.splitlines())
    return [item.value for item in stream.items if item.is_value]


def _by_name(readings: list[RowReading]) -> dict[str, tuple[FigureValue, ...]]:
    return {r.name: r.values for r in readings}


def test_tokens_are_values_and_words_are_not() -> None:
    text = (
        "行政许可 171 +6 11119\n"
        "2020年 4万余条 100% 1.属于国家秘密 1、重复申请 (2)\n"
        "增加 68\t减少 4\t16280.5867 万元\t162805867 元"
    )
    assert _stream_values(text) == [171, 6, 11119, 68, -4, 16280.5867, 16280.5867]


def test_an_empty_cell_between_numbers_is_a_printed_empty_value() -> None:
    assert _stream_values("0\t1\t0\t\t1\t\n| 规章 | 0 | | 4 |\n|---|---|---|---|") == [
        0,
        1,
        0,
        None,
        1,
        0,
        None,
        4,
    ]


def test_empty_markers_are_values_printed_empty() -> None:
    assert _stream_values("行政许可 / — 无") == [None, None, None]


def test_prose_is_not_a_table_row() -> None:
    prose = (
        "同时，公开行政许可事项 484 项，比上一年减少 4 项，处理决定 57487 项；\n"
        "其他对外管理服务事项 220 项，比上一年增加 68 项\n"
        "受理政府信息公开申请 56 件，行政复议 1 件。\n"
    )
    stream = build_stream(prose.splitlines())
    assert read_active(stream, "2019") == []
    assert read_appeals(stream) == []


def test_active_rows_with_tabs_and_words_for_the_sign() -> None:
    text = (
        "信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n"
        "行政许可\t484\t减少 4\t57487\n"
        "其他对外管理服务\n"
        "事项\t220\t增加 68\t78370\n"
    )
    readings = _by_name(read_active(build_stream(text.splitlines()), "2019"))
    assert readings == {
        "active.licensing": (484, -4, 57487),
        "active.other_services": (220, 68, 78370),
    }


def test_fee_amount_header_in_yuan() -> None:
    text = "信息内容 本年收费金额（单位：元）\n行政事业性收费 3810500\n"
    assert _by_name(read_active(build_stream(text.splitlines()), "2021")) == {
        "active.fees": (381.05,)
    }


JINGYUAN_LIKE = """一、本年新收政府信息公开申请数
量
3 0 0 0 0 0 3
二、上年结转政府信息公开申请数 0 0 0 0 0 0 0



量
三、
本年
度办
理结
果
（一）予以公开 1 0 0 0 0 0 1
（六）其
他处理
1.申请人无正当原
因逾期不补正、行
政机关不再处理
0 0 0 0 0 0 0
2.申请人逾期未按
通知要求缴纳费
用、行政机关不再
0 0 0 0 0 0 0
处理其政府信息
公开申请
3.其他
（七）总计 3 0 0 0 0 0 3
四、结转下年度继续办理 0 0 0 0 0 0 0
"""


def test_labels_broken_by_pages_and_numbers_and_a_row_without_numbers() -> None:
    readings = _by_name(read_requests(build_stream(JINGYUAN_LIKE.splitlines()), "2021"))
    assert readings == {
        "requests.new": (3, 0, 0, 0, 0, 0, 3),
        "requests.carried_over": (0,) * 7,
        "requests.disclosed": (1, 0, 0, 0, 0, 0, 1),
        "requests.other_no_correction": (0,) * 7,
        "requests.other_unpaid_fee": (0,) * 7,
        "requests.other_misc": (),
        "requests.handled_total": (3, 0, 0, 0, 0, 0, 3),
        "requests.carried_forward": (0,) * 7,
    }


def test_numbers_printed_before_the_end_of_their_label() -> None:
    text = (
        "\t\t4.无正当理由大量反复申请\t1\t0\t0\t0\t0\t0\t1\n"
        "\t\t5.要求行政机关\t2\t0\t0\t0\t0\t0\t2\n"
        "\t\t确认或重新出具已获取信息\t\t\t\t\t\t\t\n"
        "\t(六) 其他处理\t\t3\t0\t0\t0\t0\t0\t3\n"
        "\t(七) 总计\t\t6\t0\t0\t0\t0\t0\t6\n"
    )
    text = (
        "一、本年新收政府信息公开申请数量 6 0 0 0 0 0 6\n"
        "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0\n" + text
    )
    readings = _by_name(read_requests(build_stream(text.splitlines()), "2019"))
    assert readings["requests.not_processed_excessive"][0] == 1
    assert readings["requests.not_processed_confirmation"][0] == 2
    assert readings["requests.other_handling"][0] == 3


def test_a_row_with_a_lost_cell_keeps_its_numbers_in_order() -> None:
    text = (
        "一、本年新收政府信息公开申请数量 5 0 0 0 0 0 5\n"
        "二、上年结转政府信息公开申请数量 0 0 0 0 0 0\n"
        "（一）予以公开 3 0 0 0 0 0 3\n"
    )
    readings = read_requests(build_stream(text.splitlines()), "2019")
    carried = next(r for r in readings if r.name == "requests.carried_over")
    assert (carried.values, carried.exact) == ((0,) * 6, False)


def test_appeals_values_after_their_spread_out_header() -> None:
    header = "\n".join(
        "四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼".splitlines()
        + list("结果维持结果纠正其他结果尚未审结总计")
    )
    text = (
        header
        + "\n未经复议直接起诉 复议后起诉\n"
        + " ".join(str(i) for i in range(1, 16))
        + "\n五、存在的主要问题及改进情况\n"
    )
    [reading] = read_appeals(build_stream(text.splitlines()))
    assert reading.exact
    assert reading.values == tuple(range(1, 16))
    assert reading.keys[5] == "appeals.litigation_direct.upheld"
