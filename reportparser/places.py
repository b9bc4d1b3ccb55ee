"""Which division a report belongs to: place names in its title or body, resolved by year and
by the site it was found on.

One Aho–Corasick automaton (`ahocorasick_rs`) holds every name and short form of every division
since 1981, built once on first use: finding the places a text names costs the same with the
national table (6 800 rows, 15 000 forms) as with one province. A regex per county, as before,
cost 419 CPU-ms for a report whose title named no county (Python's regex cache holds 512).

`resolve` turns the names found into one division in force in the report's year:

* the title first (the organ before the report phrase: `淮安市洪泽区2020年…` → 洪泽区, with
  淮安市 confirming which 洪泽区), short forms only where a year or an organ word follows
  (`盐池2020年…`, `东乡县人民政府…`);
* else the county-level division the opening of the body names most;
* else the crawl's hint (the county whose site the report was found on).

A name several divisions share (朝阳区, 城关区, 鼓楼区) is decided by the names printed around it
(its prefecture or province), else by the site (the same county, else one in the site's
prefecture, else in its province); where nothing decides, `resolve` names the candidates and
returns no division, never a guess. A name no longer in force in the report's year (a county
made a district) is followed through the code changes to the division in force then.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import ahocorasick_rs

from reportparser.divisions import Division, DivisionTable, iter_names, table

# What may follow a short form in a title for it to be a place (盐池2020年…, 东乡县人民政府…,
# 平潭综合实验区…); anything else (城关镇, 大通道) is not read as a place.
_AFTER_SHORT: Final = re.compile(
    r"\d|[〇○零一二]{4}|人民政府|政府|县|区|市|旗|州|省|盟|综合实验区|新区|开发区"
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A place name found in a text: where, as printed, and every division it may name."""

    start: int
    end: int
    text: str
    full: bool  # the full name of at least one candidate (else a short form only)
    candidates: tuple[Division, ...]


@dataclass(frozen=True, slots=True)
class Placement:
    """The division a report belongs to, or why none was chosen."""

    division: Division | None
    source: str  # "title", "body", "hint" or "" (nothing named a place)
    ambiguous: tuple[Division, ...] = ()  # the candidates nothing decided between
    name: str = ""  # the name as printed that was ambiguous

    def describe_ambiguity(self) -> str:
        listed = ", ".join(f"{d.full_name} {d.code}" for d in self.ambiguous)
        return (
            f"「{self.name}」 names {len(self.ambiguous)} divisions ({listed}); nothing printed "
            "around it or on the site it came from decides which: county left empty"
        )


class PlaceMatcher:
    """Every form of every division, matched in one pass over a text."""

    def __init__(self, divisions: DivisionTable) -> None:
        self.table = divisions
        forms: dict[str, tuple[list[Division], list[bool]]] = {}
        for form, division, full in iter_names(divisions.rows):
            entry = forms.setdefault(form, ([], []))
            entry[0].append(division)
            entry[1].append(full)
        # pattern index → (form, a full name of some division, every division it may name)
        self._forms = [(form, any(fulls), tuple(rows)) for form, (rows, fulls) in forms.items()]
        self._automaton = ahocorasick_rs.AhoCorasick([form for form, _, _ in self._forms])

    def mentions(self, text: str, *, short_forms: bool = True) -> list[Mention]:
        """Place names in `text`, leftmost-longest, not overlapping. Short forms count only
        where `_AFTER_SHORT` follows them (or not at all without `short_forms`)."""
        found: list[Mention] = []
        for index, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True):
            form, full, rows = self._forms[index]
            if not full and (not short_forms or not _AFTER_SHORT.match(text, end)):
                continue
            found.append(Mention(start, end, form, full, rows))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        chosen: list[Mention] = []
        reach = -1
        for mention in found:
            if mention.start >= reach:
                chosen.append(mention)
                reach = mention.end
        return chosen

    def names_a_place(self, text: str) -> bool:
        """Whether `text` holds the full name of any division."""
        return any(
            self._forms[index][1]
            for index, _, _ in self._automaton.find_matches_as_indexes(text, overlapping=True)
        )

    def starts_with_place(self, text: str) -> Mention | None:
        """The full name `text` starts with, if any."""
        mentions = [m for m in self.mentions(text, short_forms=False) if m.start == 0]
        return mentions[0] if mentions else None

    # -- resolution ------------------------------------------------------------------------------
    def candidates(self, mention: Mention, year: int | None) -> list[Division]:
        """The divisions a mention names in `year`: those in force then, else those the named
        ones became (or had been) through code changes."""
        if year is None:
            rows = [d for d in mention.candidates if d.until is None] or list(mention.candidates)
        else:
            rows = [d for d in mention.candidates if d.in_force(year)] or [
                moved for d in mention.candidates for moved in self.table.in_year(d, year)
            ]
        return list({d.code: d for d in rows}.values())

    def decide(
        self,
        mention: Mention,
        year: int | None,
        *,
        context: Sequence[Mention] = (),
        hint: Division | None = None,
    ) -> list[Division]:
        """The candidates left once the names printed around the mention (`context`) and the
        site's county (`hint`) have had their say: one, or several when nothing decided."""
        options = self.candidates(mention, year)
        around = {d.code for other in context if other is not mention for d in other.candidates}
        stale = [d for d in mention.candidates if year is not None and not d.in_force(year)]
        if stale and (around or hint) and not self._fits(options, around, hint):
            # A name another division still bore that year, printed with the prefecture (or
            # found on the site) of one that had been renamed: 邢台市桥东区 in 2020 is 襄都区,
            # not 张家口's 桥东区; 南通市通州区 in 2008 is 通州市, not Beijing's 通州区.
            changed = {moved.code: moved for d in stale for moved in self.table.in_year(d, year)}
            options = self._fits(list(changed.values()), around, hint) or options
        if len(options) <= 1:
            return options
        if around:
            inside = self._fits(options, around, None)
            if inside:
                options = inside
        if len(options) > 1 and hint is not None:
            options = self._near(options, hint)
        return options

    def _fits(
        self, options: list[Division], around: set[str], hint: Division | None
    ) -> list[Division]:
        """The options under a division printed around the mention, else (nothing printed)
        the site's own place."""
        if around:
            return [d for d in options if around & {a.code for a in self.table.ancestors(d)}]
        if hint is None:
            return []
        same = [d for d in options if d.code == hint.code]  # most often: no history to walk
        if same:
            return same
        place = {d.code for d in self.table.history(hint.code)}
        return [d for d in options if d.code in place]

    def _near(self, options: list[Division], hint: Division) -> list[Division]:
        """The options closest to the site's county: itself (or the same place under another
        code), else in its prefecture, else in its province."""
        place = {d.code for d in self.table.history(hint.code)}
        same = [d for d in options if d.code in place]
        if same:
            return same
        hint_parent = hint.parent
        in_prefecture = [d for d in options if hint_parent and d.parent == hint_parent]
        if in_prefecture:
            return in_prefecture
        in_province = [d for d in options if d.code[:2] == hint.code[:2]]
        return in_province or options


@functools.cache
def matcher() -> PlaceMatcher:
    """The matcher over the packaged division table, built on first use."""
    return PlaceMatcher(table())


_LEVEL_RANK: Final = {"province": 0, "prefecture": 1, "county": 2}


def resolve(
    title_prefix: str,
    body_head: str,
    *,
    year: int | None,
    hint_code: str | None = None,
    hint_name: str | None = None,
    places: PlaceMatcher | None = None,
) -> Placement:
    """The division of a report (see the module docstring). `title_prefix` is the part of the
    title before its report phrase (`淮安市洪泽区2020年`), `body_head` the opening of the body;
    `places` another matcher than the national one (the benchmark's)."""
    places = places or matcher()
    hint = _hint(places.table, hint_code, hint_name, year)
    if title_prefix:
        mentions = places.mentions(title_prefix)
        if mentions:
            # The most specific name, else the last: 淮安市洪泽区 → 洪泽区 (淮安市 decides which).
            target = max(
                mentions,
                key=lambda m: (
                    max(_LEVEL_RANK[d.level] for d in places.candidates(m, year) or m.candidates),
                    m.start,
                ),
            )
            return _placement(
                places, mention=target, year=year, context=mentions, hint=hint, source="title"
            )
    in_body = [
        m
        for m in places.mentions(body_head, short_forms=False)
        if any(d.level == "county" for d in m.candidates)
    ]
    counted = Counter(m.text for m in in_body)
    if counted:
        first: dict[str, Mention] = {}
        for m in in_body:
            first.setdefault(m.text, m)
        best = max(counted, key=lambda text: (counted[text], -first[text].start))
        mention = first[best]
        mention = Mention(
            mention.start,
            mention.end,
            mention.text,
            mention.full,
            tuple(d for d in mention.candidates if d.level == "county"),
        )
        return _placement(places, mention=mention, year=year, context=(), hint=hint, source="body")
    if hint is not None:
        return Placement(hint, "hint")
    return Placement(None, "")


def _placement(
    places: PlaceMatcher,
    *,
    mention: Mention,
    year: int | None,
    context: Sequence[Mention],
    hint: Division | None,
    source: str,
) -> Placement:
    options = places.decide(mention, year, context=context, hint=hint)
    if len(options) == 1:
        return Placement(options[0], source)
    if not options:
        return Placement(None, source)
    ordered = tuple(sorted(options, key=lambda d: d.code))
    return Placement(None, source, ambiguous=ordered, name=mention.text)


def _hint(
    divisions: DivisionTable, code: str | None, name: str | None, year: int | None
) -> Division | None:
    """The crawl's county as it was in the report's year (its code then)."""
    row = divisions.get(code) if code else None
    if row is None and name:
        named = divisions.named(name, year) or divisions.named(name)
        row = named[0] if len(named) == 1 else None
    if row is None:
        return None
    in_year = divisions.in_year(row, year)
    return in_year[0] if len(in_year) == 1 else row
