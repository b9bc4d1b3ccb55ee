"""Report metadata: title, year, county, agency and scope, publication date, template.

The document's own content decides; `Hints` (what the crawler saw on the page or list) only
fill gaps. The agency is the organ that *issues* the report, named by the title
(`盐池县扶贫开发办公室2020年…` → that office, a department report; `盐池县2020年…` → the county
government). The office that compiled a county report (`盐池县人民政府办公室综合全县…编制本报告`)
or published it on the site is never taken for the agency.

The division (county, prefecture or province) is resolved by `reportparser.places`. Text as
other tools leave it is cleaned first: list-title prefixes (`附件1：`, `转载：`, `【公示】`, `★`,
a date), the header lines of crawl dumps (`标题:`, `栏目:`, `发布时间:`) and markdown marks
(`#`, `**`) never reach the title or the agency.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from reportparser.dates import find_date, read_date
from reportparser.divisions import Division, Level, short_names, table
from reportparser.places import Placement, matcher, resolve
from reportparser.values import chinese_number, squash, tidy

Scope = Literal["county", "department"]

REPORT_TITLE: Final = re.compile(
    r"(?:政府信息公开|政务公开|信息公开)[^。]{0,14}?(?:年度报告|年报|工作报告)"
)
# Titles of documents *about* reports: notices, explanations, news, lists.
NOT_A_REPORT_TITLE: Final = re.compile(
    r"通知|通报|公告|解读|图解|问答|新闻|发布会|会议|培训|目录|指南|意见|方案|要点|函$|征求|统计表|"
    r"更正|勘误|说明$"
)
_TITLE_NOISE: Final = re.compile(
    r"^(?:索引|发布|来源|日期|时间|浏览|字号|分享|打印|【|当前位置|首页)"
)
SENTENCE_MARKS: Final = frozenset("。,;!?")
_ORGAN_END: Final = re.compile(
    r"(?:人民政府|政府|办公室|办公厅|局|委员会|委|办|镇|乡|街道办事处|街道|中心|院|所|站|队|会|"
    r"县|区|市|旗|厅|署|处|公司)$"
)
_YEAR: Final = re.compile(r"((?:19|20)\d{2})年")
_CN_YEAR: Final = re.compile(r"([〇○零一二三四五六七八九]{4})年")
_YEAR_PHRASE: Final = re.compile(r"(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})年度?")
_REPORT_PHRASE: Final = re.compile(r"政府信息公开|政务公开|信息公开|政府信息")
_YEAR_SCAN: Final = 1500
_STATISTICS_PERIOD: Final = re.compile(r"((?:19|20)\d{2})年1月1日(?:起)?至(?:\1年)?12月31日")

MAX_HEAD_LINES: Final = 15

# What list pages and reposts put before a title: `附件1：`, `附件一`, `附件2-`, `转载：`,
# `(转载)`, `【公示】`, `[置顶]`, `★`, a date (`2021-01-28 `, `[2021.01.28]`, `20210128`). No organ
# name starts with 附件, so its separator may be missing (tidy() drops the space after it).
_JUNK_PREFIX: Final = re.compile(
    r"^(?:附\s*件\s*[\d一二三四五六七八九十]{0,3}\s*[:：.、\-－—–]?|"
    r"(?:转载|转发|来源|置顶|推荐|最新|图文)\s*[:：]|"
    r"[(（](?:转载|转发|置顶|推荐|最新|图文|公示)[)）]|【[^】]{0,10}】|"
    r"\[[^\]]{0,12}\]|［[^］]{0,12}］|[★☆●○◆◇■□▲△※·•▪►▶]+|"
    r"\(?(?:19|20)\d{2}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?\)?|"
    r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d))\s*"
)
# Markdown as other tools write it: `# 标题`, `## 一、…`, `**盐池县人民政府**`, `#…办公室##`.
_MARKDOWN_HEADING: Final = re.compile(r"^\s*(?:#{1,6}|>)\s*|\s*#{1,6}\s*$")
_MARKDOWN_EMPHASIS: Final = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
# Header lines of crawl dumps and text exports: `标题: …`, `栏目: …`, `发布时间: …`.
_HEADER_LINE: Final = re.compile(
    r"^(标题|题目|文章标题|栏目|所属栏目|发布时间|发布日期|发文日期|成文日期|来源|作者|链接|网址|"
    r"原文链接|URL|url|索引号|文号)\s*[:：]\s*(.*)$"
)
_HEADER_TITLE: Final = frozenset({"标题", "题目", "文章标题"})
_HEADER_DATE: Final = frozenset({"发布时间", "发布日期", "发文日期", "成文日期"})


def plain(line: str) -> str:
    """A line without markdown marks."""
    if "#" in line or "*" in line or "_" in line or line.lstrip().startswith(">"):
        line = _MARKDOWN_EMPHASIS.sub("", _MARKDOWN_HEADING.sub("", line))
    return line


def clean_title(title: str) -> str:
    """A title without list-page prefixes and markdown marks, whitespace-normalised."""
    text = tidy(plain(title))
    while (match := _JUNK_PREFIX.match(text)) and match.end() < len(text):
        text = text[match.end() :]
    return text


@dataclass(frozen=True, slots=True)
class HeaderFields:
    """What the header lines of a crawl dump say (`标题:`, `发布时间:`)."""

    title: str | None = None
    published: dt.date | None = None
    lines: int = 0  # how many of the first lines are header lines


def header_fields(head: Sequence[str]) -> HeaderFields:
    """The header lines at the top of a text (a crawl dump's `标题:`, `栏目:`, `发布时间:` …)."""
    title: str | None = None
    published: dt.date | None = None
    count = 0
    for line in head:
        if not line.strip():
            continue
        match = _HEADER_LINE.match(plain(line).strip())
        if match is None:
            break
        count += 1
        label, value = match.group(1), match.group(2).strip()
        if label in _HEADER_TITLE and value and title is None:
            title = clean_title(value)
        elif label in _HEADER_DATE and published is None:
            published = parse_date(value)
    return HeaderFields(title, published, count)


def _title_part(line: str) -> bool:
    """A short line that can be the first part of a title split over lines (`泾源县人民政府`)."""
    s = squash(plain(line))
    if not s or len(s) > 30 or _TITLE_NOISE.match(s) or (SENTENCE_MARKS | {":"}) & set(s):
        return False
    return bool(_ORGAN_END.search(s) or _YEAR_PHRASE.fullmatch(s) or matcher().names_a_place(s))


def _clean_container_title(title: str) -> str | None:
    """A page/file title without its site suffix (`…年度报告_盐池县人民政府`)."""
    for part in re.split(r"[_|｜]|\s[-–—]\s", title):
        if REPORT_TITLE.search(squash(part)):
            return tidy(part)
    return None


def find_title(head: Sequence[str], container: str | None, hint: str | None) -> str | None:
    """The report title: a crawl dump's `标题:` line, else from the first lines of the body
    (joined when split over lines), else the container's title, else the hint."""
    header = header_fields(head)
    if header.title and REPORT_TITLE.search(squash(header.title)):
        return header.title
    lines = [line for line in head if line.strip()][header.lines : MAX_HEAD_LINES]
    found = _body_title(lines)
    if found:
        return found
    for candidate in (container, hint):
        if candidate:
            cleaned = _clean_container_title(candidate)
            if cleaned:
                return clean_title(cleaned)
    return header.title


def _body_title(raw: Sequence[str]) -> str | None:
    """The title among the first lines, each line `clean_title`d. A line is cleaned when
    first looked at: the title is nearly always the first line or two, and cleaning all of
    them (long paragraphs too) cost more than the search."""
    cleaned: dict[int, str] = {}

    def line_at(k: int) -> str:
        line = cleaned.get(k)
        if line is None:
            line = cleaned[k] = clean_title(raw[k])
        return line

    n_lines = len(raw)
    for i in range(n_lines):
        line = line_at(i)
        s = squash(line)
        if len(s) > 80 or _TITLE_NOISE.match(s) or SENTENCE_MARKS & set(s):
            continue
        parts = [line]
        end = i
        if not REPORT_TITLE.search(s):
            if i + 1 < n_lines and REPORT_TITLE.search(s + squash(line_at(i + 1))):
                following = squash(line_at(i + 1))
                if len(following) > 40 or SENTENCE_MARKS & set(following):
                    continue
                parts.append(line_at(i + 1))
                end = i + 1
            else:
                continue
        start = i
        while start > 0 and end - start < 3 and _title_part(line_at(start - 1)):
            start -= 1
            parts.insert(0, line_at(start))
        title = tidy("".join(part.strip() for part in parts))
        if len(squash(title)) <= 80:
            return title
    return None


def is_report_title(title: str | None) -> bool:
    if not title:
        return False
    s = squash(title)
    return bool(REPORT_TITLE.search(s)) and not NOT_A_REPORT_TITLE.search(s)


def year_of(text: str | None) -> int | None:
    if not text:
        return None
    s = squash(text)
    match = _YEAR.search(s)
    if match:
        return int(match.group(1))
    match = _CN_YEAR.search(s)
    if match:
        return chinese_number(match.group(1))
    return None


def find_year(title: str | None, body_head: str, hint_title: str | None) -> int | None:
    """The year the report covers: its title's year, else its statistics period, else the
    hint's title, else the year the opening of the report names most."""
    year = year_of(title)
    if year is None:
        match = _STATISTICS_PERIOD.search(body_head)
        year = int(match.group(1)) if match else None
    if year is None:
        year = year_of(hint_title)
    if year is None:
        years = Counter(int(y) for y in _YEAR.findall(body_head[:_YEAR_SCAN]))
        year = years.most_common(1)[0][0] if years else None
    return year if year is None or 1990 <= year <= 2100 else None


# -- County ---------------------------------------------------------------------------------------


def find_county(
    title: str | None,
    body_head: str,
    *,
    year: int | None = None,
    hint_county: str | None = None,
    hint_code: str | None = None,
) -> Placement:
    """The division the report belongs to: named in the title, else the county the body names
    most, else the crawl's county; in force in `year` (see `reportparser.places`)."""
    return resolve(
        _title_prefix(title), body_head, year=year, hint_code=hint_code, hint_name=hint_county
    )


# -- Agency and scope -----------------------------------------------------------------------------

_COMPILED_FOR_COUNTY: Final = re.compile(
    r"(?:综合|汇总|会同)[^。]{0,30}?(?:全县|全区|全市|全旗|全省|各乡镇|县政府各部门|区政府各部门|"
    r"市政府各部门|县直各部门)"
)
_WE_COUNTY: Final = re.compile(r"我县|全县|我区|全区|我市|全市|我旗|我省|全省")
_WE_DEPARTMENT: Final = re.compile(
    r"我局|本局|我办|本办|我委|本委|我镇|本镇|我乡|本乡|本单位|我单位|本部门|我中心|本中心"
)
_SIGNATURE_ORGAN: Final = re.compile(r"^[\u4e00-\u9fff()]{3,30}$")
# A zone governed by a 管理委员会 rather than a 人民政府 (平潭综合实验区, 经济技术开发区, 新区).
_ZONE: Final = re.compile(
    r"^(?P<zone>.{2,24}?(?:综合实验区|开发区|新区|实验区|示范区))(?P<body>管理委员会|管委会)?$"
)
_GOVERNMENT_OFFICES: Final = ("人民政府办公室", "政府办公室", "人民政府办公厅", "政府办公厅")


def _title_prefix(title: str | None) -> str:
    """What a title prints before its report phrase, year included (`盐池2020年`)."""
    if not title:
        return ""
    s = squash(clean_title(title)).removeprefix("关于")
    match = _REPORT_PHRASE.search(s)
    return s[: match.start()] if match else ""


def title_organ(title: str | None) -> str:
    """The organ a title names before its report phrase, without the year (`盐池县2020年…` →
    `盐池县`, `2020年盐池县政府信息公开…` → `盐池县`)."""
    organ = _YEAR_PHRASE.sub("", _title_prefix(title))
    return organ.strip("《》“”\"'()[]【】-—:,、 ").removesuffix("关于")


# What may follow a division's name or short form in its government's own name: 盐池县 +
# 人民政府, 盐池 + 县人民政府; a short form with another level (洪泽 + 区, for 洪泽县 in a year
# before it became a district) still names the same place.
_GOVERNMENT_RESTS: Final = frozenset(
    {"", "人民政府", "政府"}
    | {level + rest for level in "县区市旗州省" for rest in ("", "人民政府", "政府")}
)


# The name forms below are pure in the division (the packaged table does not change) and a
# report asks for them several times; the reports of a crawl come county by county. Bounded:
# a few hundred divisions' forms.
@functools.lru_cache(maxsize=512)
def _names(division: Division) -> tuple[str, ...]:
    """Every form of every name the division's code bore, its own first: a 2019 report of
    邢台's 桥东区 may print 襄都区, its name from 2020 (the matcher files it under 桥东区)."""
    names = dict.fromkeys((division.name, *(d.name for d in table().rows_of(division.code))))
    return tuple(form for name in names for form in (name, *short_names(name)))


@functools.lru_cache(maxsize=512)
def _longest_names_first(division: Division) -> tuple[str, ...]:
    return tuple(sorted(_names(division), key=len, reverse=True))


@functools.lru_cache(maxsize=512)
def _ancestor_forms(division: Division) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The forms of the names of the division's prefecture and province, longest first, and
    what may follow one of them (the division's names and those forms again)."""
    forms = tuple(
        sorted(
            (form for a in table().ancestors(division) for form in (a.name, *short_names(a.name))),
            key=len,
            reverse=True,
        )
    )
    return forms, (*_names(division), *forms)


def _without_ancestors(organ: str, division: Division) -> str:
    """The organ without the province or prefecture in front of the division's name
    (`江苏省淮安市洪泽区教育局` → `洪泽区教育局`), when the division's name follows them."""
    forms, followers = _ancestor_forms(division)
    rest = organ
    while True:
        for form in forms:
            if rest.startswith(form) and rest[len(form) :].startswith(followers):
                rest = rest[len(form) :]
                break
        else:
            return rest


def resolve_agency(organ: str, county: Division | None) -> tuple[str | None, Scope | None]:
    """The full name of the organ and the report's scope; `county` is the report's division
    (a county, or the prefecture or province whose report it is)."""
    if not organ:
        return None, None
    if county is None:
        if re.fullmatch(r".+(?:县|区|市|旗)(?:人民)?政府", organ) or re.fullmatch(
            r".+(?:县|区|旗)", organ
        ):
            base = re.sub(r"(?:人民)?政府$", "", organ)
            return f"{base}人民政府", "county"
        return organ, "department"
    organ = _without_ancestors(organ, county)
    name = county.name
    rest: str | None = None
    for form in _longest_names_first(county):
        if organ.startswith(form):
            rest = organ[len(form) :]
            break
    if rest is not None and rest in _GOVERNMENT_RESTS:
        return f"{name}人民政府", "county"
    if rest is not None:
        return _township_organ(name + rest), "department"
    if name in organ or matcher().starts_with_place(organ):
        # `中共盐池县委办公室`, or another division's organ (`上海市人民政府办公厅` on 隆德's
        # site): as printed, never prefixed with this division's name.
        return _township_organ(organ), "department"
    level = name[-1]
    # `县教育局` names the county by its level only.
    full = name + organ[1:] if organ[0] == level and len(organ) > 2 else name + organ
    return _township_organ(full), "department"


def _township_organ(name: str) -> str:
    """A township named bare (`黄花乡`) issues its reports as its government."""
    if name.endswith(("镇", "乡")):
        return name + "人民政府"
    if name.endswith("街道"):
        return name + "办事处"
    return name


def _zone_agency(organ: str, county: Division | None, printed: str) -> str | None:
    """A zone's report: its 管理委员会 as printed (in the title, the body or on the page), else
    the zone as the title names it; never an invented `…人民政府`."""
    if county is not None:
        organ = _without_ancestors(organ, county)
    match = _ZONE.match(organ)
    if match is None:
        return None
    zone = match["zone"]
    if county is not None and zone in (county.name, *short_names(county.name)):
        return None
    if match["body"]:
        return organ
    for body in ("管理委员会", "管委会"):
        if zone + body in printed:
            return zone + body
    return zone


def _signature_organ(tail: Sequence[str]) -> str:
    """The organ signing the report: a short name line among the last lines, before a date."""
    # Only the last six non-blank lines can sign: squash those, not the whole tail.
    last = [line for line in tail if line.strip()][-6:]
    for line in reversed([squash(plain(line)) for line in last]):
        if _SIGNATURE_ORGAN.fullmatch(line) and _ORGAN_END.search(line) and not _YEAR.search(line):
            return line
    return ""


def find_agency(
    title: str | None,
    *,
    county: Division | None,
    body_head: str,
    body: str,
    tail: Sequence[str],
    publishers: Sequence[str | None],
) -> tuple[str | None, Scope | None]:
    """Agency and scope: the title's organ; else a county compilation sentence; else the
    signature or the page's publisher (the county's own offices count as the county there,
    since they publish the county report); else how the report speaks of itself."""
    organ = title_organ(title)
    signature = _signature_organ(tail)
    printed = "".join((organ, body_head, signature, *(squash(p) for p in publishers if p)))
    zone = _zone_agency(organ, county, printed) if organ else None
    if zone is not None:
        return zone, "county"
    agency, scope = resolve_agency(organ, county)
    if agency is not None:
        return agency, scope
    if county is not None and _COMPILED_FOR_COUNTY.search(body_head):
        return f"{county.name}人民政府", "county"
    for candidate in (signature, *(squash(plain(p)) for p in publishers if p)):
        if not candidate:
            continue
        if (
            county is not None
            and _without_ancestors(candidate, county).removeprefix(county.name)
            in _GOVERNMENT_OFFICES
        ):
            return f"{county.name}人民政府", "county"
        agency, scope = resolve_agency(candidate, county)
        if agency is not None:
            return agency, scope
    if county is not None and len(_WE_COUNTY.findall(body)) >= len(_WE_DEPARTMENT.findall(body)):
        return f"{county.name}人民政府", "county"
    return None, None


def level_of(division: Division | None) -> Level | None:
    return division.level if division is not None else None


# -- Publication date -----------------------------------------------------------------------------


def _find_date(s: str) -> tuple[dt.date | None, int]:
    """The first date in squashed text and the length of its printed form."""
    return find_date(s)


def parse_date(text: str) -> dt.date | None:
    """The date a header value states (`2021年1月28日`, `2021-01-28`, `二〇二一年一月二十八日`,
    or any form dateparser reads): reportparser.dates.read_date."""
    return read_date(text)


def signature_date(tail: Sequence[str], year: int | None) -> dt.date | None:
    """A date line among the last lines (the signature: a date, perhaps after the organ's
    name, not a sentence), plausible for a report of `year`."""
    for line in reversed(tail[-8:]):
        s = squash(line)
        if len(s) > 40 or SENTENCE_MARKS & set(s):
            continue
        date, length = _find_date(s)
        if (
            date is not None
            and len(s) - length <= 24
            and (year is None or year <= date.year <= year + 2)
        ):
            return date
    return None
