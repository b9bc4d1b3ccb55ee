"""Sites beyond Ningxia: counties of other provinces on the same TRS-style layout, with the
SiteIDCode / SiteName metas real government sites print, and what the national registry gets
wrong.

* 上海市普陀区 (310107) on www.putuo.gov.cn, SiteIDCode 3101070001. The site list gives that
  host to 舟山市普陀区 (330903) too: crawled as 330903, the site says it is 310107's, so nothing
  is stored for 330903. Its column reposts 上海市's own report (a province-level division).
* 淮安市洪泽区 (320813) on www.hongze.gov.cn, whose SiteIDCode still carries 洪泽县's code
  (320829, before it became a district in 2016). Titles name it with its prefecture in front
  (`淮安市洪泽区…`); its column reposts 淮安市's report and 江苏省人民政府办公厅's.
* 东乡族自治县 (622926): the host the list gives is the prefecture's site (SiteIDCode of
  临夏回族自治州, 6229000001); a crawl must store none of the reports it holds.

Reposted reports keep their own division and level (a province's report is never a department
of 普陀区). `sites()` adds these to the bundled web; `MISMATCHED` are the counties whose crawl
must end in `site_mismatch`.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from crawler.counties import BY_COUNTY_CODE, County
from tests.fixtureweb.content import (
    ROBOTS_OPEN,
    article,
    guide_columns,
    news_column,
    report,
    synthetic,
)
from tests.fixtureweb.site import Column, Site, repost_level

D = dt.date
PUTUO: Final = BY_COUNTY_CODE["310107"]
PUTUO_ZHOUSHAN: Final = BY_COUNTY_CODE["330903"]  # the registry's second county on that host
HONGZE: Final = BY_COUNTY_CODE["320813"]
DONGXIANG: Final = BY_COUNTY_CODE["622926"]
COUNTIES: Final = (PUTUO, PUTUO_ZHOUSHAN, HONGZE, DONGXIANG)
MISMATCHED: Final = (PUTUO_ZHOUSHAN, DONGXIANG)
# Governments whose reports the columns repost: not registry counties, only their names.
SHANGHAI: Final = County(slug="shanghai", code="310000", site="", name="上海市", province="上海市")
HUAIAN: Final = County(slug="huaian", code="320800", site="", name="淮安市", province="江苏省")
JIANGSU: Final = County(slug="jiangsu", code="320000", site="", name="江苏省", province="江苏省")


def putuo() -> Site:
    c = PUTUO
    annual = Column(
        "政府信息公开年报",
        "zfxxgknb",
        [
            report(
                synthetic(
                    c, 2022, 601, D(2023, 1, 17), title_owner="上海市普陀区"
                ),  # the district with its province in front
                D(2023, 1, 17),
            ),
            report(
                repost_level(synthetic(SHANGHAI, 2022, 602, D(2023, 1, 30)), "province"),
                D(2023, 1, 30),
            ),
            report(
                synthetic(
                    c,
                    2021,
                    603,
                    D(2022, 1, 25),
                    agency="普陀区教育局",
                    title_owner="上海市普陀区教育局",
                ),
                D(2022, 1, 25),
                attachments=("pdf",),
                inline=False,
            ),
            article(
                "notice",
                "普陀区关于做好2022年度政府信息公开工作年度报告编制工作的通知",
                D(2022, 12, 15),
                "区政府各委、办、局，各街道办事处、镇政府：请于2023年1月31日前发布年度报告。",
                publisher="上海市普陀区人民政府办公室",
            ),
        ],
        page_size=3,
    )
    guide, rules, active, apply = guide_columns(c)
    return Site(
        county=c,
        platform_slug="zwgk",
        body_class="TRS_Editor",
        meta_style="line",
        sidebar=[guide, rules, active, annual, apply],
        news=news_column(c, 3),
        robots=ROBOTS_OPEN,
        site_id="3101070001",
        name="上海市普陀区人民政府",
        friends=(("上海市人民政府", "https://www.shanghai.gov.cn/"),),
    )


def hongze() -> Site:
    c = HONGZE
    annual = Column(
        "政府信息公开年报",
        "xxgknb_4107",
        [
            report(
                synthetic(c, 2022, 701, D(2023, 1, 29), title_owner="淮安市洪泽区"),
                D(2023, 1, 29),
                attachments=("docx",),
            ),
            report(
                repost_level(synthetic(HUAIAN, 2022, 702, D(2023, 2, 3)), "prefecture"),
                D(2023, 2, 3),
            ),
            report(
                repost_level(
                    synthetic(JIANGSU, 2021, 703, D(2022, 2, 10), agency="江苏省人民政府办公厅"),
                    "province",
                ),
                D(2022, 2, 10),
            ),
            report(synthetic(c, 2021, 704, D(2022, 1, 27)), D(2022, 1, 27)),
        ],
        page_size=3,
    )
    guide, rules, active, apply = guide_columns(c)
    return Site(
        county=c,
        platform_slug="xxgk",
        body_class="zz-xl-ct",
        meta_style="table",
        sidebar=[guide, rules, active, annual, apply],
        news=news_column(c, 2),
        robots=ROBOTS_OPEN,
        site_id="3208290001",  # assigned before 洪泽县 became 洪泽区
        name="淮安市洪泽区人民政府",
    )


def dongxiang_on_the_prefecture_site() -> Site:
    """The registry's host for 东乡族自治县 is 临夏州's site: its reports must not be filed."""
    c = DONGXIANG
    annual = Column(
        "政府信息公开年报",
        "zfxxgknb",
        [report(synthetic(c, 2022, 801, D(2023, 1, 20)), D(2023, 1, 20))],
    )
    guide, rules, active, apply = guide_columns(c)
    return Site(
        county=c,
        platform_slug="xxgk",
        sidebar=[guide, rules, active, annual, apply],
        robots=ROBOTS_OPEN,
        site_id="6229000001",
        name="临夏回族自治州人民政府",
    )


def sites() -> list[Site]:
    return [putuo(), hongze(), dongxiang_on_the_prefecture_site()]
