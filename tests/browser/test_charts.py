"""Server-rendered SVG charts: the points carry the numbers, gaps stay gaps, text is escaped."""

from __future__ import annotations

import pytest
from lxml import etree

from browser.charts import Series, line_chart, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


def points(svg: str) -> list[tuple[str, int, str]]:
    root = etree.fromstring(svg.encode())
    return [
        (c.get("data-series"), int(c.get("data-year")), c.get("data-value"))
        for c in root.iter(f"{SVG}circle")
    ]


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (7, 10), (11, 20), (250, 500), (69859, 100000), (0.3, 0.5)]
)
def test_nice_ceiling(value: float, top: float) -> None:
    assert nice_ceiling(value) == pytest.approx(top)


def test_points_carry_the_values_and_missing_years_are_gaps() -> None:
    svg = line_chart(
        [
            Series("requests", "本年新收申请", ((2019, 59010), (2020, None), (2021, 69859))),
            Series("amount", "万元", ((2021, 16280.5867), (2022, 3))),
        ],
        title="盐池县",
    )
    assert points(svg) == [
        ("requests", 2019, "59010"),
        ("requests", 2021, "69859"),
        ("amount", 2021, "16280.5867"),
        ("amount", 2022, "3"),
    ]
    root = etree.fromstring(str(svg).encode())
    # 2019 and 2021 are not joined across the missing 2020; the second series is one line.
    assert len(list(root.iter(f"{SVG}polyline"))) == 1
    years = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "year"]
    assert years == ["2019", "2020", "2021", "2022"]


def test_text_is_escaped_and_an_empty_chart_says_so() -> None:
    svg = line_chart([Series("x", "<script>alert(1)</script>", ())], title="a & b")
    assert "<script>" not in svg
    root = etree.fromstring(str(svg).encode())
    assert root.find(f"{SVG}title").text == "a & b"
    assert points(svg) == []
    assert "no figures stored" in svg
