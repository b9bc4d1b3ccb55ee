"""Made-up reports whose every cell holds a different number.

The seeds are mostly zeros, so a parser that reads a column one place to the left still passes
them. `synthesize(template, seed)` makes a report of either template in which no two cells hold
the same number (signed changes and decimal amounts included) and the four hard consistency rules
of `reportparser.vocabulary.equations` hold, so any shifted row or column shows as a wrong figure
and any misread cell as a broken rule. Deterministic: the same (template, seed) gives the same spec.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Final, cast

from crawler.counties import select
from reportparser.result import ReportMeta
from reportparser.vocabulary import (
    ACTIVE_ROWS,
    APPEAL_OUTCOME_COLUMNS,
    APPEAL_ROWS,
    APPLICANT_COLUMNS,
    OUTCOME_ROWS,
    Scope,
    Template,
    figure_keys,
)
from tests.support.spec import ActiveLayout, ChangeStyle, ReportSpec, Value

# Reports are drawn for Ningxia's counties (the registry holds the whole country; these are
# the 22 the synthetic reports have always named).
COUNTIES: Final = tuple(select(province="宁夏回族自治区"))
YEARS: Final[dict[str, tuple[int, ...]]] = {"2019": (2019, 2020), "2021": tuple(range(2021, 2026))}

# Departments and townships that publish their own reports; the county name is prefixed.
DEPARTMENTS: Final = (
    "教育局",
    "财政局",
    "自然资源局",
    "住房和城乡建设局",
    "卫生健康局",
    "市场监督管理局",
    "民政局",
    "农业农村局",
    "生态环境局",
    "人力资源和社会保障局",
    "交通运输局",
    "审批服务管理局",
)

_OVERVIEW: Final = (
    "{year}年，{who}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国"
    "政府信息公开条例》，紧紧围绕中心工作，坚持以公开为常态、不公开为例外，推进决策、执行、管理、"
    "服务、结果公开，不断提升政务公开质量。",
    "（一）主动公开。依托政府门户网站、政务新媒体、政府信息查阅点等平台，及时公开政策文件、"
    "财政预决算、重点领域等信息，做好政策解读和回应关切工作。",
    "（二）依申请公开。严格按照《宁夏回族自治区政府信息公开申请办理规范》受理、审核、答复"
    "政府信息公开申请，所有申请均在法定期限内答复，答复过程中未收取任何费用。",
    "（三）政府信息管理。落实公文公开属性源头认定机制，严格执行“三审三校”制度，"
    "对拟公开的信息进行保密审查，动态更新政府信息公开指南和目录。",
    "（四）平台建设。持续优化政府网站政务公开专栏，规范政务新媒体管理，"
    "实现政府网站与政务新媒体信息同步发布。",
    "（五）监督保障。将政务公开工作纳入年度目标责任考核，定期开展督查通报和业务培训，"
    "未发生政府信息公开责任追究情况。",
)
_PROBLEMS: Final = (
    "{year}年，{who}政务公开工作取得了一定成效，但也存在一些不足：一是公开内容的深度和广度还需"
    "拓展；二是政策解读形式较为单一；三是工作人员多为兼职，业务能力有待提高。",
    "下一步，将进一步深化重点领域信息公开，丰富政策解读形式，加强业务培训，"
    "不断提升政务公开工作质量和实效。",
)
_OTHER_2021: Final = (
    "{year}年未收取信息处理费。",
    "如需了解更多政府信息，请登录{site_name}网站查询。",
)
_OTHER_2019: Final = ("如需了解更多政府信息，请登录{site_name}网站查询。",)

# Cell values are drawn from these; sums go above them. Appeals are rare, so their values are
# small, which also keeps their sums narrow enough for the 15-column table.
_CELL_RANGE: Final = range(60, 1000)
_APPEAL_RANGE: Final = range(1, 60)


def synthesize(template: str, seed: int) -> ReportSpec:
    """A report of `template` ("2019" or "2021") made up from `seed`, every cell distinct."""
    if template not in YEARS:
        raise ValueError(f"no synthetic reports for template {template!r}")
    rng = random.Random(f"{template}:{seed}")
    meta, site_name = _meta(template, rng)
    for _ in range(1000):
        figures = _figures(template, rng)
        values = [v for k, v in figures.items() if v is not None]
        distinct = len({abs(v) for v in values}) == len(values)
        counts_ok = all(v >= 0 for k, v in figures.items() if v is not None and "change" not in k)
        if distinct and counts_ok:
            break
    else:  # pragma: no cover - the value ranges make a clash-free draw near certain
        raise RuntimeError("could not draw distinct values")
    assert tuple(figures) == figure_keys(template)
    who = meta.agency or ""
    fill = {"year": meta.year, "who": who, "site_name": site_name}
    other = _OTHER_2021 if template == "2021" else _OTHER_2019
    prose = {
        "intro": (_intro(meta),),
        "overview": tuple(p.format(**fill) for p in _OVERVIEW),
        "problems": tuple(p.format(**fill) for p in _PROBLEMS),
        "other": tuple(p.format(**fill) for p in other),
    }
    change_style: ChangeStyle = rng.choice(("signed", "words"))
    layout: ActiveLayout = "small_tables" if seed % 2 else "one_table"
    return ReportSpec(
        name=f"synthetic-{template}-{seed}",
        meta=meta,
        figures=figures,
        prose=prose,
        change_style=change_style,
        amount_unit=rng.choice(("", " 万元")) if template == "2019" else "",
        active_layout=layout,
    )


def _meta(template: str, rng: random.Random) -> tuple[ReportMeta, str]:
    county = rng.choice(COUNTIES)  # Ningxia's: every seed keeps the report it always gave
    year = rng.choice(YEARS[template])
    government = f"{county.name}人民政府"
    scope: Scope
    if rng.random() < 0.5:
        scope = "county"
        agency = government
        title_owner = rng.choice((county.name, government))
    else:
        scope = "department"
        agency = f"{county.name}{rng.choice(DEPARTMENTS)}"
        title_owner = agency
    published = dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
    meta = ReportMeta(
        county=county.name,
        county_code=county.code,
        year=year,
        agency=agency,
        scope=scope,
        template=cast(Template, template),
        title=f"{title_owner}{year}年政府信息公开工作年度报告",
        published_at=published,
    )
    return meta, government


def _intro(meta: ReportMeta) -> str:
    if meta.scope == "county":
        # The office that compiles a county report is named here; it is not the report's agency.
        compiler = f"{meta.county}人民政府办公室综合全县各乡镇和县政府各部门"
    else:
        compiler = f"{meta.agency}"
    return (
        f"根据《中华人民共和国政府信息公开条例》规定，{compiler}{meta.year}年政府信息公开"
        "工作情况编制本报告。本报告中所列数据的统计期限自"
        f"{meta.year}年1月1日起至{meta.year}年12月31日止。"
    )


def _figures(template: str, rng: random.Random) -> dict[str, Value]:
    pool = iter(rng.sample(_CELL_RANGE, len(_CELL_RANGE)))
    appeal_pool = iter(rng.sample(_APPEAL_RANGE, len(_APPEAL_RANGE)))
    figures: dict[str, Value] = {}

    for row, columns in ACTIVE_ROWS[template]:
        for column in columns:
            key = f"active.{row}.{column}"
            if column == "amount":
                # A decimal amount in 万元, as the 2019 procurement and 2021 fee cells print.
                figures[key] = next(pool) * 10 + rng.randint(1, 99) / 100
            elif column == "change":
                value = next(pool)
                figures[key] = value if rng.random() < 0.6 else -value
            else:
                figures[key] = next(pool)

    outcomes = OUTCOME_ROWS[template]
    cell: dict[tuple[str, str], int] = {}
    for row in (*outcomes, "carried_over", "carried_forward"):
        for column in APPLICANT_COLUMNS:
            cell[row, column] = next(pool)
    for column in APPLICANT_COLUMNS:
        handled = sum(cell[row, column] for row in outcomes)
        cell["handled_total", column] = handled
        # The balance rule: new + carried_over = handled_total + carried_forward.
        cell["new", column] = (
            handled + cell["carried_forward", column] - cell["carried_over", column]
        )
    for row in ("new", "carried_over", *outcomes, "handled_total", "carried_forward"):
        for column in APPLICANT_COLUMNS:
            figures[f"requests.{row}.{column}"] = cell[row, column]
        figures[f"requests.{row}.total"] = sum(cell[row, c] for c in APPLICANT_COLUMNS)

    for row in APPEAL_ROWS:
        values = [next(appeal_pool) for _ in APPEAL_OUTCOME_COLUMNS]
        for column, value in zip(APPEAL_OUTCOME_COLUMNS, values, strict=True):
            figures[f"appeals.{row}.{column}"] = value
        figures[f"appeals.{row}.total"] = sum(values)

    return {key: figures[key] for key in figure_keys(template)}
