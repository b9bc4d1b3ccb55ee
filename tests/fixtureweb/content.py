"""What the bundled fixture web holds: four county sites, a blocked one, a spam mirror.

`sites()` returns fresh `Site` objects (the writer fills in paths and doc ids). Every report is a
`ReportSpec`: the four seeds, and synthetic ones (`tests.support.synth`) re-labelled with this
web's county, year and agency. The cases each site exercises are listed in `tests/fixtureweb/
README.md`.

One piece past 600 lines: it is what the bundled web holds, one function per site built from the
same few helpers (`report`, `article`, `guide_columns`), read beside the README's table of cases;
a module per site would scatter that list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Final

from crawler.counties import BY_SLUG, County
from reportparser.result import ReportMeta
from tests.fixtureweb.site import AttachmentFormat, Column, Entry, Site
from tests.support.render import SiteChrome, render_article, render_html
from tests.support.spec import ReportSpec, seed_spec
from tests.support.synth import synthesize

D = dt.date
SPAM_HOST: Final = "www.yanchi-gov.cn.example"
SPAM_PATH: Final = "/ycxxxgkpt/content.jsp?urltype=news.NewsContentUrl&wbtreeid=1225&wbnewsid=23160"
PENGYANG_TENANT: Final = "62"
PENGYANG_SEARCH_CODE: Final = "17dc5a3e9b0"

ROBOTS_YANCHI: Final = "User-agent: *\nDisallow: /preview/\nDisallow: /module/\n"
ROBOTS_OPEN: Final = "User-agent: *\nDisallow:\n"

CHALLENGE_BODY: Final = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    '<script type="text/javascript">var _$k="8sR1fK0x";document.cookie="FSSBBIl1UgzbN7N80T='
    '"+_$k+";path=/";setTimeout(function(){location.reload()},200);</script></head>'
    "<body></body></html>"
)


def template_for(year: int) -> str:
    return "2019" if year <= 2020 else "2021"


def _prose(county: County, agency: str, year: int, scope: str) -> dict[str, tuple[str, ...]]:
    compiler = (
        f"{county.name}人民政府办公室综合全县各乡镇和县政府各部门" if scope == "county" else agency
    )
    who = "全县" if scope == "county" else f"{agency}"
    other = (
        (
            f"{year}年度未收取信息处理费。",
            f"如需了解更多政府信息，请登录{county.name}人民政府网站查询。",
        )
        if year >= 2021
        else (f"如需了解更多政府信息，请登录{county.name}人民政府网站查询。",)
    )
    return {
        "intro": (
            f"根据《中华人民共和国政府信息公开条例》规定，{compiler}{year}年政府信息公开工作情况"
            f"编制本报告。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
        ),
        "overview": (
            f"{year}年，{who}坚持以公开为常态、不公开为例外，推进决策、执行、管理、服务、结果公开，"
            "依托政府门户网站、政务新媒体和政府信息查阅点及时公开政策文件和重点领域信息。",
            "严格按照法定程序受理、审核、答复政府信息公开申请，所有申请均在法定期限内答复。",
        ),
        "problems": (
            f"{year}年政务公开工作仍存在公开内容深度不够、政策解读形式单一等不足，"
            "下一步将加强业务培训，不断提升政务公开工作质量。",
        ),
        "other": other,
    }


def synthetic(
    county: County,
    year: int,
    seed: int,
    published: dt.date,
    *,
    agency: str | None = None,
    title_owner: str | None = None,
) -> tuple[ReportSpec, dict[str, Any]]:
    """A made-up report of `county` for `year`: the county's own unless `agency` is given."""
    template = template_for(year)
    scope = "department" if agency else "county"
    agency = agency or f"{county.name}人民政府"
    owner = title_owner or (county.name if scope == "county" else agency)
    base = synthesize(template, seed)
    meta = ReportMeta(
        county=county.name,
        county_code=county.code,
        year=year,
        agency=agency,
        scope=scope,  # type: ignore[arg-type]
        template=template,  # type: ignore[arg-type]
        title=f"{owner}{year}年政府信息公开工作年度报告",
        published_at=published,
    )
    slug = "county" if scope == "county" else f"dept-{seed}"
    spec = replace(
        base,
        name=f"{county.slug}-{year}-{slug}",
        meta=meta,
        prose=_prose(county, agency, year, scope),
    )
    return spec, {"kind": "synthetic", "template": template, "seed": seed}


def seeded(name: str) -> tuple[ReportSpec, dict[str, Any]]:
    return seed_spec(name), {"kind": "seed", "name": name}


def report(
    spec_and_ref: tuple[ReportSpec, dict[str, Any]],
    date: dt.date,
    *,
    attachments: tuple[AttachmentFormat, ...] = (),
    inline: bool = True,
    direct: bool = False,
    onclick: bool = False,
    page_date: dt.date | None = None,
    encoding: str = "utf-8",
    docid: int | None = None,
) -> Entry:
    spec, ref = spec_and_ref
    published = page_date or date
    if spec.meta.published_at != published:
        spec = replace(spec, meta=replace(spec.meta, published_at=published))
    return Entry(
        title=spec.title,
        date=date,
        spec=spec,
        spec_ref=ref,
        attachments=attachments,
        inline=inline,
        direct=direct,
        onclick=onclick,
        page_date=page_date,
        encoding=encoding,
        docid=docid,
    )


def article(kind: str, title: str, date: dt.date, *paragraphs: str, publisher: str = "") -> Entry:
    return Entry(
        title=title,
        date=date,
        kind=kind,  # type: ignore[arg-type]
        paragraphs=paragraphs or (f"{title}。",),
        publisher=publisher,
    )


def link(kind: str, title: str, date: dt.date, href: str) -> Entry:
    return Entry(title=title, date=date, kind=kind, href=href)  # type: ignore[arg-type]


def guide_columns(county: County) -> tuple[Column, Column, Column, Column]:
    """The four sidebar columns around the 年报 one, with a little content each."""
    name = county.name
    return (
        Column(
            "政府信息公开指南",
            "zfxxgkzn",
            [
                article(
                    "notice",
                    f"{name}人民政府信息公开指南",
                    D(2020, 6, 1),
                    "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。",
                )
            ],
        ),
        Column(
            "政府信息公开制度",
            "zfxxgkzd",
            [
                article(
                    "notice",
                    f"{name}政府信息公开保密审查制度",
                    D(2019, 11, 5),
                    "为规范政府信息公开保密审查工作，制定本制度。",
                )
            ],
        ),
        Column(
            "法定主动公开内容",
            "fdzdgknr",
            [
                article(
                    "notice",
                    f"{name}2022年财政预算执行情况",
                    D(2022, 8, 10),
                    "现将2022年上半年财政预算执行情况公开如下。",
                ),
                article(
                    "notice",
                    f"{name}2021年部门决算公开说明",
                    D(2021, 9, 1),
                    "根据预决算公开要求，现将部门决算情况说明如下。",
                ),
            ],
        ),
        Column(
            "依申请公开",
            "ysqgk",
            [
                article(
                    "notice",
                    f"{name}政府信息公开申请表",
                    D(2019, 5, 15),
                    "申请人可通过当面、信函、网络等方式提交政府信息公开申请。",
                )
            ],
        ),
    )


def news_column(county: County, count: int) -> Column:
    entries = [
        article(
            "news",
            f"{county.name}召开{title}",
            D(2022, 12, 1) - dt.timedelta(days=23 * i),
            f"近日，{county.name}召开{title}，安排部署相关工作。",
        )
        for i, title in enumerate(
            (
                "政务公开工作推进会",
                "优化营商环境工作会议",
                "安全生产专题会议",
                "乡村振兴工作推进会",
                "民生实事项目调度会",
                "秋冬季森林草原防火工作会议",
                "政府常务会议",
                "信访工作联席会议",
            )[:count]
        )
    ]
    return Column("新闻中心", "xwzx", entries, style="index", page_size=3)


# -- 盐池: list-style columns, header-table metadata, div.zz-xl-ct ------------------------------


def yanchi() -> Site:
    c = BY_SLUG["yanchi"]
    annual = Column(
        "政府信息公开年报",
        "zfxxgknb",
        [
            article(
                "notice",
                "盐池县人民政府办公室关于做好2022年度政府信息公开工作年度报告编制发布工作的通知",
                D(2022, 12, 28),
                "各乡镇人民政府，县政府各部门：现就做好2022年度政府信息公开工作年度报告编制发布工作通知如下。",
                "一、各单位应于2023年1月31日前向社会公布本单位年度报告。",
                publisher="盐池县人民政府办公室",
            )
        ],
        children=[
            Column(
                "县人民政府",
                "xrmzf",
                [
                    report(synthetic(c, 2022, 101, D(2023, 1, 18)), D(2023, 1, 18)),
                    link(
                        "forbidden",
                        "盐池县2022年政府信息公开工作年度报告（预览稿）",
                        D(2023, 1, 16),
                        "/preview/xxgk/zfxxgknb/xrmzf/202301/t20230116_draft.html",
                    ),
                    report(
                        synthetic(c, 2021, 102, D(2022, 1, 25)),
                        D(2022, 1, 25),
                        attachments=("pdf",),
                    ),
                    report(seeded("yanchi-2020-county"), D(2021, 1, 28)),
                    article(
                        "notice",
                        "关于盐池县2019年政府信息公开工作年度报告的更正说明",
                        D(2020, 2, 10),
                        "我县2019年政府信息公开工作年度报告中部分表述有误，现予更正。",
                        publisher="盐池县人民政府办公室",
                    ),
                    report(
                        synthetic(c, 2019, 103, D(2020, 1, 21)),
                        D(2020, 1, 21),
                        attachments=("docx",),
                        inline=False,
                    ),
                    link(
                        "offsite",
                        "盐池县2017年政府信息公开工作年度报告",
                        D(2018, 3, 20),
                        f"http://{SPAM_HOST}{SPAM_PATH}",
                    ),
                ],
                page_size=4,
            ),
            Column(
                "政府部门",
                "zfbm",
                [
                    report(
                        synthetic(c, 2022, 104, D(2023, 2, 15), agency="盐池县教育局"),
                        D(2023, 2, 15),
                        attachments=("wps",),
                        inline=False,
                        onclick=True,
                    ),
                    article(
                        "news",
                        "县财政局召开2022年度政务公开工作推进会",
                        D(2022, 12, 20),
                        "12月20日，县财政局召开政务公开工作推进会，部署年度报告编制工作。",
                        publisher="盐池县财政局",
                    ),
                    link(
                        "broken",
                        "盐池县民政局2021年政府信息公开工作年度报告",
                        D(2022, 3, 1),
                        "/xxgk/zfxxgknb/zfbm/202203/t20220301_3869279.html",
                    ),
                    report(
                        synthetic(c, 2021, 105, D(2022, 1, 27), agency="盐池县财政局"),
                        D(2022, 1, 27),
                        attachments=("pdf",),
                        direct=True,
                    ),
                    report(seeded("yanchi-2020-poverty-office"), D(2021, 1, 20)),
                ],
            ),
            Column(
                "乡(镇)人民政府",
                "xzrmzf",
                children=[
                    Column(
                        "花马池镇",
                        "hmcz",
                        [
                            report(
                                synthetic(
                                    c,
                                    2022,
                                    106,
                                    D(2023, 2, 8),
                                    agency="盐池县花马池镇人民政府",
                                    title_owner="花马池镇人民政府",
                                ),
                                D(2023, 2, 8),
                                attachments=("doc",),
                                inline=False,
                            ),
                            report(
                                synthetic(
                                    c,
                                    2021,
                                    107,
                                    D(2022, 2, 16),
                                    agency="盐池县花马池镇人民政府",
                                    title_owner="花马池镇",
                                ),
                                D(2022, 2, 16),
                            ),
                        ],
                    ),
                    Column("大水坑镇", "dskz"),
                ],
            ),
        ],
    )
    guide, rules, active, apply = guide_columns(c)
    draft, _ = synthetic(c, 2022, 199, D(2023, 1, 16))
    draft = replace(draft, name="yanchi-2022-county-draft")
    draft_chrome = SiteChrome(site_name=f"{c.name}人民政府", host=c.site, body_class="zz-xl-ct")
    return Site(
        county=c,
        platform_slug="xxgk",
        body_class="zz-xl-ct",
        meta_style="table",
        sidebar=[guide, rules, active, annual, apply],
        news=news_column(c, 7),
        robots=ROBOTS_YANCHI,
        friends=(
            ("宁夏回族自治区人民政府", "https://www.nx.gov.cn/"),
            ("泾源县人民政府", "https://www.nxjy.gov.cn/"),
            ("贺兰县人民政府", "https://www.nxhl.gov.cn/"),
        ),
        files={
            "/preview/xxgk/zfxxgknb/xrmzf/202301/t20230116_draft.html": render_html(
                draft, chrome=draft_chrome
            ),
        },
    )


# -- 泾源: a redirect to the platform, news-style pagination, per-unit sub-columns ---------------


def jingyuan() -> Site:
    c = BY_SLUG["jingyuan"]
    annual = Column(
        "政府信息公开年报",
        "zfxxgknb",
        style="index",
        children=[
            Column(
                "县人民政府",
                "xrmzf",
                [
                    report(
                        synthetic(c, 2023, 201, D(2024, 1, 26)),
                        D(2024, 1, 19),
                        page_date=D(2024, 1, 26),
                    ),
                    report(
                        synthetic(c, 2022, 202, D(2023, 1, 20)),
                        D(2023, 1, 20),
                        attachments=("pdf",),
                    ),
                    article(
                        "notice",
                        "泾源县关于做好2022年度政府信息公开工作年度报告编制和发布工作的通知",
                        D(2022, 12, 26),
                        "各乡镇人民政府，县政府各部门：请于2023年1月31日前完成年度报告编制和发布。",
                        publisher="泾源县人民政府办公室",
                    ),
                    report(seeded("jingyuan-2021-county"), D(2022, 1, 24)),
                    report(
                        synthetic(c, 2020, 203, D(2021, 2, 3)),
                        D(2021, 2, 3),
                        attachments=("doc",),
                        inline=False,
                        onclick=True,
                    ),
                ],
                style="index",
                page_size=3,
            ),
            Column(
                "政府部门",
                "zfbm",
                style="index",
                children=[
                    Column(
                        "县教育体育局",
                        "jytyj_62801",
                        [
                            report(
                                synthetic(c, 2022, 204, D(2023, 2, 10), agency="泾源县教育体育局"),
                                D(2023, 2, 10),
                                attachments=("docx",),
                                inline=False,
                            )
                        ],
                        style="index",
                    ),
                    Column(
                        "县财政局",
                        "czj_62805",
                        [
                            report(
                                synthetic(c, 2021, 205, D(2022, 2, 18), agency="泾源县财政局"),
                                D(2022, 2, 18),
                            )
                        ],
                        style="index",
                    ),
                ],
            ),
            Column(
                "乡(镇)人民政府",
                "xzrmzf",
                style="index",
                children=[
                    Column(
                        "黄花乡",
                        "hhx_62895",
                        [
                            article(
                                "news",
                                "黄花乡召开2023年政务公开工作部署会",
                                D(2023, 3, 2),
                                "3月2日，黄花乡召开政务公开工作部署会。",
                                publisher="泾源县黄花乡人民政府",
                            ),
                            report(
                                synthetic(
                                    c,
                                    2022,
                                    206,
                                    D(2023, 1, 30),
                                    agency="泾源县黄花乡人民政府",
                                    title_owner="泾源县黄花乡",
                                ),
                                D(2023, 1, 13),
                                page_date=D(2023, 1, 30),
                                docid=3916830,
                            ),
                        ],
                        style="index",
                    ),
                    Column(
                        "香水镇",
                        "xsz_62890",
                        [
                            report(
                                synthetic(
                                    c,
                                    2023,
                                    207,
                                    D(2024, 2, 20),
                                    agency="泾源县香水镇人民政府",
                                    title_owner="香水镇人民政府",
                                ),
                                D(2024, 2, 20),
                                attachments=("pdf",),
                                direct=True,
                            )
                        ],
                        style="index",
                    ),
                ],
            ),
        ],
    )
    guide, rules, active, apply = guide_columns(c)
    return Site(
        county=c,
        platform_slug="xxgk_13518",
        body_class="zz-xl-sec",
        meta_style="line",
        sidebar=[guide, rules, active, annual, apply],
        news=news_column(c, 4),
        robots=ROBOTS_OPEN,
        home_platform_href="/xxgk/",
        sidecars={"/xxgk/": {"status": 302, "headers": {"Location": "/xxgk_13518/"}}},
        friends=(
            ("固原市人民政府", "https://www.nxgy.gov.cn/"),
            ("盐池县人民政府", "https://www.yanchi.gov.cn/"),
            ("彭阳县人民政府", "https://www.pengyang.gov.cn/"),
        ),
    )


# -- 贺兰: one flat list with an opaque slug, a GBK page, a township sub-column, no robots.txt --


def helan() -> Site:
    c = BY_SLUG["helan"]
    annual = Column(
        "政府信息公开年报",
        "xxgknb_7812",
        [
            report(
                synthetic(c, 2022, 301, D(2023, 2, 21), agency="贺兰县卫生健康局"),
                D(2023, 2, 21),
                attachments=("pdf",),
                inline=False,
            ),
            report(
                synthetic(c, 2022, 302, D(2023, 1, 31), title_owner="贺兰县人民政府"),
                D(2023, 1, 31),
                attachments=("wps",),
                inline=False,
            ),
            article(
                "news",
                "贺兰县举办2022年政务公开业务培训会",
                D(2022, 6, 15),
                "6月15日，贺兰县举办政务公开业务培训会，各部门信息公开工作人员参加培训。",
                publisher="贺兰县人民政府办公室",
            ),
            report(
                synthetic(c, 2021, 303, D(2022, 2, 22), agency="贺兰县住房和城乡建设局"),
                D(2022, 2, 22),
            ),
            report(
                synthetic(c, 2021, 304, D(2022, 1, 26)),
                D(2022, 1, 26),
                attachments=("docx",),
            ),
            report(seeded("helan-2020-county"), D(2021, 1, 29)),
            article(
                "news",
                "贺兰县政务服务中心推行“一窗受理”",
                D(2020, 5, 10),
                "贺兰县政务服务中心全面推行“一窗受理、集成服务”改革。",
                publisher="贺兰县审批服务管理局",
            ),
            report(
                synthetic(c, 2019, 305, D(2020, 1, 22)),
                D(2020, 1, 22),
                encoding="gbk",
            ),
        ],
        children=[
            Column(
                "习岗镇",
                "xgz_7830",
                [
                    report(
                        synthetic(
                            c,
                            2021,
                            306,
                            D(2022, 3, 8),
                            agency="贺兰县习岗镇人民政府",
                            title_owner="习岗镇人民政府",
                        ),
                        D(2022, 3, 8),
                    )
                ],
            )
        ],
        page_size=3,
    )
    guide, rules, active, apply = guide_columns(c)
    return Site(
        county=c,
        platform_slug="xxgk_7799",
        body_class="zz-xl-ct",
        meta_style="line",
        sidebar=[guide, rules, active, annual, apply],
        news=news_column(c, 3),
        robots=None,
        friends=(("银川市人民政府", "https://www.yinchuan.gov.cn/"),),
    )


# -- 彭阳: no 年报 column; its reports are found through the site search ------------------------


def pengyang() -> Site:
    c = BY_SLUG["pengyang"]
    hidden = Column(
        "政府信息公开年报",
        "zfgknb2",
        children=[
            Column(
                "县人民政府",
                "xrmzf",
                children=[
                    Column(
                        "县人民政府",
                        "xrmzf_62700",
                        [
                            report(synthetic(c, 2022, 401, D(2023, 1, 19)), D(2023, 1, 19)),
                            article(
                                "notice",
                                "彭阳县关于做好2022年度政府信息公开工作年度报告编制发布工作的通知",
                                D(2022, 12, 20),
                                "请各单位于2023年1月31日前发布本单位年度报告。",
                                publisher="彭阳县人民政府办公室",
                            ),
                            report(synthetic(c, 2021, 402, D(2022, 1, 20)), D(2022, 1, 20)),
                        ],
                    )
                ],
            ),
            Column(
                "政府部门",
                "zfbm",
                children=[
                    Column(
                        "县审批服务管理局",
                        "spj_62720",
                        [
                            report(
                                synthetic(
                                    c, 2022, 403, D(2023, 2, 14), agency="彭阳县审批服务管理局"
                                ),
                                D(2023, 2, 14),
                            )
                        ],
                    )
                ],
            ),
        ],
    )
    guide, rules, active, apply = guide_columns(c)
    search_front = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>站内搜索</title>'
        f'<script>var searchConfig={{tenantId:"{PENGYANG_TENANT}",'
        f'code:"{PENGYANG_SEARCH_CODE}",api:"/irs/front/search"}};</script>'
        '</head><body><div id="search"></div></body></html>\n'
    )
    return Site(
        county=c,
        platform_slug="xxgk_13872",
        body_class="zz-xl-sec",
        meta_style="line",
        sidebar=[guide, rules, active, apply],
        hidden=[hidden],
        news=news_column(c, 3),
        robots=ROBOTS_OPEN,
        search_params=(("code", PENGYANG_SEARCH_CODE), ("tenantId", PENGYANG_TENANT)),
        files={"/nxsearch/search.html": search_front.encode()},
        sidecars={"/irs/front/search": {"route": "trs-search", "index": "search-index.json"}},
    )


def spam_page() -> bytes:
    """The spam mirror's copy of 盐池's dead 2017 report page, re-branded with ads."""
    spec, _ = synthetic(BY_SLUG["yanchi"], 2020, 501, D(2018, 3, 20))
    spec = replace(
        spec,
        meta=replace(spec.meta, year=2017, title="盐池县2017年政府信息公开工作年度报告"),
    )
    chrome = SiteChrome(
        site_name="盐池县人民政府门户网",
        host=SPAM_HOST,
        breadcrumb=(("信息公开", "/ycxxxgkpt/"),),
        extra_head='<meta name="keywords" content="盐池,政府,彩票,快三">',
    )
    body = (
        '<p class="ad"><a href="http://ads.example/">【广告】快三开奖 实时更新</a></p>'
        f'<p style="text-indent:2em">{spec.title}</p>'
        '<p style="text-indent:2em">2017年，全县共主动公开政府信息3126条，'
        "受理政府信息公开申请12件，"
        "全部按期答复。</p>"
    )
    return render_article(spec.title, body, replace(chrome, published_at=D(2018, 3, 20)))


def sites() -> list[Site]:
    return [yanchi(), jingyuan(), helan(), pengyang()]
