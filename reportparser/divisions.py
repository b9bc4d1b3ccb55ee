"""Administrative divisions of China (GB/T 2260): every province-, prefecture- and county-level
code since 1981, with its name, level, parent, years in force and the codes that replaced it.

This is reference data, not crawler configuration: the parser needs it to turn "盐池县" or
"淮安市洪泽区" in a report's title into the code in force in the report's year. The table is
`reportparser/data/divisions-areacodes.csv` (provenance and the yearly refresh in
`reportparser/data/README.md`); it is read once, on first use, so that importing this module
(every command does, through the registry) costs nothing.

A code can have several rows: the same code under another name or parent (状态 `变更`), e.g.
320829 洪泽县 under 淮阴市 (1983–1999), then under 淮安市 (2000–2015). Each row is a `Division`
with the years it was in force, `since` ≤ year < `until`; a report for year Y is filed under the
row in force in Y, so a 2012 report of a county that became a district in 2016 keeps its 2012
code, and `successors` / `predecessors` follow one place across code changes.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Final, Literal

Level = Literal["province", "prefecture", "county"]
LinkKind = Literal["successor", "transfer"]

DATA_PACKAGE: Final = "reportparser.data"
DATA_FILE: Final = "divisions-areacodes.csv"
COLUMNS: Final = (
    "代码",
    "一级行政区",
    "二级行政区",
    "名称",
    "级别",
    "状态",
    "启用时间",
    "变更/弃用时间",
    "新代码",
)
_LEVELS: Final[dict[str, Level]] = {"省级": "province", "地级": "prefecture", "县级": "county"}
_DIRECT: Final = "直辖"  # 二级行政区 of a county under its province directly
_FAR_FUTURE: Final = 9999  # a year every division in force today is in force in
_NEW_CODE: Final = re.compile(r"(\d{6})(?:\[(\d{4})\])?")

# The 55 minority nationalities, as autonomous divisions print them (族 may follow).
ETHNIC_GROUPS: Final = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)  # fmt: skip
_AUTONOMOUS: Final = ("自治县", "自治旗", "自治州", "自治区")
_TRAILING_GROUP: Final = re.compile(
    "(?:各|" + "|".join(sorted(ETHNIC_GROUPS, key=len, reverse=True)) + ")族?$"
)
_LEVEL_SUFFIXES: Final = (
    "特别行政区",
    "地区",
    "林区",
    "特区",
    "省",
    "市",
    "县",
    "区",
    "旗",
    "盟",
    "州",
)


@dataclass(frozen=True, slots=True)
class Link:
    """A code that took over this division (`successor`, when it ended) or part of its land
    (`transfer`, while it went on), in `year`."""

    code: str
    year: int
    kind: LinkKind


@dataclass(frozen=True, slots=True)
class Division:
    """One row of the table: a division under one name and parent for a span of years."""

    code: str
    name: str
    level: Level
    province: str  # the province-level division's name (itself for a province)
    prefecture: str | None  # the prefecture's name; None for provinces and for 直辖 counties
    parent: str | None  # the parent's code: the prefecture, or the province for 直辖 counties
    since: int  # first year in force
    until: int | None  # first year no longer in force; None: in force today
    links: tuple[Link, ...] = field(default=())

    def in_force(self, year: int | None) -> bool:
        """In force at the end of `year` (None: today)."""
        if year is None:
            return self.until is None
        return self.since <= year and (self.until is None or year < self.until)

    @property
    def full_name(self) -> str:
        """The name after its province and prefecture: 甘肃省临夏回族自治州东乡族自治县."""
        if self.level == "province":
            return self.name
        if self.level == "prefecture" or self.prefecture is None:
            return self.province + self.name
        return self.province + self.prefecture + self.name

    @property
    def successors(self) -> tuple[str, ...]:
        return tuple(link.code for link in self.links if link.kind == "successor")

    @property
    def short_name(self) -> str:
        """The name as running text shortens it: 盐池县 → 盐池, 淮安市 → 淮安, 东乡族自治县 →
        东乡, 积石山保安族东乡族撒拉族自治县 → 积石山, 宁夏回族自治区 → 宁夏. A name too short
        to shorten (沛县, 城区) is its own short name."""
        forms = short_names(self.name)
        return forms[0] if forms else self.name


@functools.cache
def short_names(name: str) -> tuple[str, ...]:
    """The forms other than the full name that reports write for a division named `name`,
    most usual first (empty when there is none).

    An autonomous county drops its nationalities as well: 大通回族土族自治县 → 大通, and
    `大通县`, the form its own documents often use. 东乡族自治县 is named after its
    nationality: its short form is 东乡 (and 东乡县), never 东乡族自治.
    """
    forms: list[str] = []
    for suffix in _AUTONOMOUS:
        if name.endswith(suffix) and len(name) > len(suffix):
            core = name[: -len(suffix)]
            stripped = core
            # Strip nationalities from the end while a place name of two characters or more
            # is left (长白朝鲜族 → 长白, not 长: 白 is a nationality too).
            while (match := _TRAILING_GROUP.search(stripped)) and match.start() >= 2:
                stripped = stripped[: match.start()]
            if stripped == core:  # named after its nationality: 东乡族, 鄂伦春
                stripped = core.removesuffix("族")
            if len(stripped) >= 2:
                forms.append(stripped)
                if suffix in ("自治县", "自治旗"):
                    forms.append(stripped + suffix[-1])
            return tuple(forms)
    for suffix in _LEVEL_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return (name[: -len(suffix)],)
    return ()


class DivisionTable:
    """Every division row, with the lookups the parser and the registry need."""

    def __init__(self, rows: Iterable[Division]) -> None:
        self.rows: tuple[Division, ...] = tuple(rows)
        by_code: dict[str, list[Division]] = defaultdict(list)
        by_name: dict[str, list[Division]] = defaultdict(list)
        predecessors: dict[str, list[Division]] = defaultdict(list)
        for row in self.rows:
            by_code[row.code].append(row)
            by_name[row.name].append(row)
            for link in row.links:
                if link.kind == "successor" and link.code != row.code:
                    predecessors[link.code].append(row)
        for rows_of_code in by_code.values():
            rows_of_code.sort(key=lambda d: d.since)
        self._by_code = dict(by_code)
        self._by_name = dict(by_name)
        self._predecessors = dict(predecessors)

    def __len__(self) -> int:
        return len(self.rows)

    def rows_of(self, code: str) -> tuple[Division, ...]:
        """Every row of a code, oldest first."""
        return tuple(self._by_code.get(code, ()))

    def get(self, code: str, year: int | None = None) -> Division | None:
        """The row of `code` in force in `year`; without a year (or when the code was not in
        force that year), its latest row. None for an unknown code."""
        rows = self._by_code.get(code)
        if not rows:
            return None
        if year is not None:
            for row in rows:
                if row.in_force(year):
                    return row
        return rows[-1]

    def named(self, name: str, year: int | None = None) -> list[Division]:
        """The divisions called `name` (full name), in force in `year` when one is given."""
        return [d for d in self._by_name.get(name, ()) if year is None or d.in_force(year)]

    def parent_of(self, division: Division) -> Division | None:
        if division.parent is None:
            return None
        return self.get(division.parent, _year_in(division))

    def prefecture_of(self, division: Division) -> Division | None:
        """The prefecture a county belongs to (None for 直辖 counties and higher levels)."""
        if division.level != "county" or division.prefecture is None:
            return None
        return self.parent_of(division)

    def province_of(self, division: Division) -> Division:
        """The province-level division a division belongs to (itself for a province)."""
        return self.get(division.code[:2] + "0000", _year_in(division)) or division

    def ancestors(self, division: Division) -> list[Division]:
        """Prefecture (if any) then province: the divisions whose names may precede its name."""
        found: list[Division] = []
        parent = self.parent_of(division)
        while parent is not None and parent is not division and len(found) < 3:
            found.append(parent)
            parent = self.parent_of(parent)
        return found

    def in_year(self, division: Division, year: int | None) -> list[Division]:
        """The division(s) the place was in `year`: itself when in force; else, following the
        code changes forwards (successors) or backwards (predecessors), those in force then."""
        if year is None or division.in_force(year):
            return [division]
        found: dict[str, Division] = {}
        frontier = [division]
        seen: set[tuple[str, int]] = set()
        forwards = division.until is not None and year >= division.until
        while frontier:
            current = frontier.pop()
            if (current.code, current.since) in seen:
                continue
            seen.add((current.code, current.since))
            if current.in_force(year):
                found.setdefault(current.code, current)
                continue
            if forwards:
                nexts = [r for c in current.successors for r in self.rows_of(c) if r is not current]
            else:
                # A code that went on under another name (邢台 桥东区 → 襄都区, 2020) is that
                # place before; a division split among several (邢台县) only gave it land.
                earlier = [r for r in self.rows_of(current.code) if r.since < current.since]
                nexts = [
                    r
                    for r in self._predecessors.get(current.code, ())
                    if not (earlier and len(r.successors) > 1)
                ]
                nexts += earlier
            frontier.extend(nexts)
        return list(found.values())

    def today(self, division: Division) -> list[Division]:
        """The division(s) in force today that the place became (itself when in force)."""
        return self.in_year(division, _FAR_FUTURE)

    def history(self, code: str) -> list[Division]:
        """Every row of the place `code` names, across its code changes, oldest first."""
        seen: dict[tuple[str, int], Division] = {}
        frontier = list(self.rows_of(code))
        while frontier:
            row = frontier.pop()
            key = (row.code, row.since)
            if key in seen:
                continue
            seen[key] = row
            frontier.extend(self.rows_of(row.code))
            frontier.extend(r for c in row.successors for r in self.rows_of(c))
            frontier.extend(self._predecessors.get(row.code, ()))
        return sorted(seen.values(), key=lambda d: (d.since, d.code))

    def counties(self, year: int | None = None) -> list[Division]:
        """County-level divisions in force in `year` (None: today)."""
        return [d for d in self.rows if d.level == "county" and d.in_force(year)]


def _year_in(division: Division) -> int:
    """A year the row was in force: its parent is looked up as it was then."""
    return division.until - 1 if division.until is not None else division.since


def parse_links(text: str, until: int | None, code: str) -> tuple[Link, ...]:
    """`新代码`: `320813` (took over when the row ended), `130108[2001]` (took part of it in
    2001); several are `;`-separated. A code naming itself only marks a renamed row."""
    if not text:
        return ()
    links: list[Link] = []
    for match in _NEW_CODE.finditer(text):
        new, year = match.group(1), match.group(2)
        if year is None or (until is not None and int(year) == until):
            links.append(Link(new, until if until is not None else int(year or 0), "successor"))
        elif new != code:
            links.append(Link(new, int(year), "transfer"))
    return tuple(links)


def read_rows(text: str) -> list[Division]:
    """Parse the table's CSV text (the columns `COLUMNS`, with or without a BOM)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    if tuple(next(reader, ())) != COLUMNS:
        raise ValueError(f"{DATA_FILE}: expected the columns {', '.join(COLUMNS)}")
    raw = [row for row in reader if row]
    # (province, prefecture name) → [(code, since, until)] of its prefecture-level rows
    prefectures: dict[tuple[str, str], list[tuple[str, int, int | None]]] = defaultdict(list)
    for p_code, p_province, _, p_name, p_level, _, p_since, p_until, _ in raw:
        if p_level == "地级":
            prefectures[p_province, p_name].append(
                (p_code, int(p_since), int(p_until) if p_until else None)
            )
    divisions: list[Division] = []
    for code, province, second, name, level_name, _, start, end, new in raw:
        level = _LEVELS[level_name]
        since = int(start)
        until = int(end) if end else None
        prefecture: str | None = None
        parent: str | None = code[:2] + "0000"
        if level == "province":
            parent = None
        elif level == "prefecture":
            prefecture = name
        elif second not in ("", _DIRECT):
            prefecture = second
            parent = _parent_code(prefectures[province, second], code, since, until)
        divisions.append(
            Division(code, name, level, province, prefecture, parent, since, until,
                     parse_links(new, until, code))
        )  # fmt: skip
    return divisions


def _parent_code(
    candidates: list[tuple[str, int, int | None]], code: str, since: int, until: int | None
) -> str:
    """The prefecture row of that name whose years overlap the county's (its own code prefix
    first), else the code prefix."""
    if len(candidates) == 1:
        return candidates[0][0]

    def rank(candidate: tuple[str, int, int | None]) -> tuple[bool, bool]:
        other, start, stop = candidate
        overlaps = (stop is None or since < stop) and (until is None or start < until)
        return (not overlaps, other[:4] != code[:4])

    return min(candidates, key=rank)[0] if candidates else code[:4] + "00"


@functools.cache
def table() -> DivisionTable:
    """The packaged table, read on first use."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return DivisionTable(read_rows(text))


def get(code: str, year: int | None = None) -> Division | None:
    """Shorthand for `table().get(code, year)`."""
    return table().get(code, year)


def is_known(code: str) -> bool:
    return bool(table().rows_of(code))


def prefecture_of(division: Division) -> Division | None:
    return table().prefecture_of(division)


def province_of(division: Division) -> Division:
    return table().province_of(division)


def iter_names(divisions: Iterable[Division]) -> Iterator[tuple[str, Division, bool]]:
    """(form, division, is_full_name) for every name and short form of `divisions`."""
    for division in divisions:
        yield division.name, division, True
        for form in short_names(division.name):
            yield form, division, False
