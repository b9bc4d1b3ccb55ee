"""Cross-year checks nobody does by hand, recorded as `warning.` findings on the later report.

* `warning.carried_forward_mismatch`: a unit's requests carried over into year Y+1
  (`requests.carried_over.total` of its Y+1 report) differ from what its year-Y report carried
  forward (`requests.carried_forward.total`);
* `warning.requests_jump`: requests received (`requests.new.total`) at least `JUMP_FACTOR` times
  the median of the unit's own earlier years (and at least `JUMP_MINIMUM`: 1 → 10 is noise).

A unit is a county code and an agency. The store runs the checks whenever a report is stored or
changed, for that report and for each of the unit's later years (their jump reads the median of
all their earlier years, so the order reports arrive in never matters); the findings have origin
`store`, and a report's are replaced when its recomputed ones differ. On PostgreSQL two writers of
one unit (two cluster nodes, a crawl and a parse worker) take turns on it: each reads the unit's
years only after the other has committed (`_lock_unit`).
"""

from __future__ import annotations

import statistics
import zlib
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import Connection, and_, bindparam, delete, func, select, text

from models.prepared import Prepared
from models.schema import figures_table, findings_table, reports_table
from models.types import Number
from reportparser.result import Finding

CARRIED_RULE: Final = "warning.carried_forward_mismatch"
JUMP_RULE: Final = "warning.requests_jump"
RULES: Final = (CARRIED_RULE, JUMP_RULE)
JUMP_FACTOR: Final = 10
JUMP_MINIMUM: Final = 100

NEW: Final = "requests.new.total"
CARRIED_OVER: Final = "requests.carried_over.total"
CARRIED_FORWARD: Final = "requests.carried_forward.total"
KEYS: Final = (NEW, CARRIED_OVER, CARRIED_FORWARD)

Figures = Mapping[str, Number | None]


def _number(value: object) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def cross_year_findings(year: int, history: Mapping[int, Figures]) -> list[Finding]:
    """The findings of the unit's report of `year`, given the unit's figures by year (its own
    included)."""
    figures = history.get(year, {})
    findings: list[Finding] = []
    previous = history.get(year - 1)
    if previous is not None:
        forward = _number(previous.get(CARRIED_FORWARD))
        over = _number(figures.get(CARRIED_OVER))
        if forward is not None and over is not None and forward != over:
            findings.append(
                Finding(
                    CARRIED_RULE,
                    f"requests carried over from {year - 1} ({over:g}) differ from those the "
                    f"{year - 1} report carried forward ({forward:g})",
                    previous.get(CARRIED_FORWARD),
                    figures.get(CARRIED_OVER),
                )
            )
    new = _number(figures.get(NEW))
    earlier = [
        value
        for earlier_year, earlier_figures in history.items()
        if earlier_year < year
        and (value := _number(earlier_figures.get(NEW))) is not None
        and value > 0
    ]
    if new is not None and earlier:
        baseline = statistics.median(earlier)
        if new >= JUMP_MINIMUM and new >= JUMP_FACTOR * baseline:
            findings.append(
                Finding(
                    JUMP_RULE,
                    f"requests received ({new:g}) are {new / baseline:.0f}× the median of the "
                    f"unit's {len(earlier)} earlier years ({baseline:g})",
                    baseline,
                    figures.get(NEW),
                )
            )
    return findings


# The statements are built once (models.prepared): building and cache-keying SQLAlchemy
# constructs per call cost twenty times the SQL they run (2.5 CPU-ms a stored report, issue 9).
_r = reports_table.c
_f = figures_table.c
_g = findings_table.c
_UNIT: Final = Prepared.of(
    select(_r.county_code, _r.agency, _r.year).where(_r.id == bindparam("report_id"))
)
_HISTORY: Final = Prepared.of(
    select(_r.id, _r.year, _f.key, _f.value)
    .select_from(reports_table)
    .outerjoin(
        figures_table,
        and_(
            _f.report_id == _r.id,
            # Bound one by one, not an expanding IN: a prepared statement's SQL is fixed.
            _f.key.in_([bindparam(f"key_{i}", key) for i, key in enumerate(KEYS)]),
        ),
    )
    .where(_r.county_code == bindparam("county_code"), _r.agency == bindparam("agency"))
)
_EXISTING: Final = Prepared.of(
    select(_g.report_id, _g.rule, _g.message, _g.expected, _g.actual)
    .select_from(findings_table.join(reports_table, _g.report_id == _r.id))
    .where(
        _r.county_code == bindparam("county_code"),
        _r.agency == bindparam("agency"),
        _g.origin == "store",
        _g.rule.in_([bindparam(f"rule_{i}", rule) for i, rule in enumerate(RULES)]),
    )
    .order_by(_g.report_id, _g.position)
)
_DELETE: Final = Prepared.of(
    delete(findings_table).where(
        _g.report_id == bindparam("report_id"),
        _g.origin == "store",
        _g.rule.in_([bindparam(f"rule_{i}", rule) for i, rule in enumerate(RULES)]),
    )
)
_NEXT_POSITION: Final = Prepared.of(
    select(func.coalesce(func.max(_g.position) + 1, 0)).where(
        _g.report_id == bindparam("report_id"), _g.origin == "store"
    )
)
_INSERT: Final = Prepared.of(
    findings_table.insert(),
    column_keys=tuple(c.name for c in findings_table.columns if c.name != "id"),
)


def apply_cross_year(
    conn: Connection,
    report_id: int,
    unit: tuple[str, str, int] | None = None,
    *,
    new: bool = False,
) -> None:
    """Recompute the cross-year findings of report `report_id` and of its unit's later years.

    `unit`: the report's (county_code, agency, year) when the caller knows them (one query
    less); `new`: the report was inserted in this transaction, so it has no findings of the
    store's to replace yet.
    """
    if unit is None:
        row = _UNIT.first(conn, {"report_id": report_id})
        if row is None:
            return
        unit = (row.county_code, row.agency, row.year)
    county_code, agency, year = unit
    _lock_unit(conn, county_code, agency)
    ids: dict[int, int] = {}
    history: dict[int, dict[str, Any]] = {}
    for unit_id, unit_year, key, value in _HISTORY.all(
        conn, {"county_code": county_code, "agency": agency}
    ):
        ids[unit_year] = unit_id
        figures = history.setdefault(unit_year, {})
        if key is not None:
            figures[key] = value
    # Every later year is recomputed, and only the years whose findings changed are written: a
    # unit's years usually arrive newest first, and most of them change nothing.
    stored: dict[int, list[tuple[Any, ...]]] = {}
    if not (new and len(ids) == 1):  # else the unit's one report was just inserted
        for row in _EXISTING.all(conn, {"county_code": county_code, "agency": agency}):
            stored.setdefault(row.report_id, []).append(tuple(row)[1:])
    for each, each_id in ids.items():
        if each < year:
            continue
        findings = cross_year_findings(each, history)
        if [(f.rule, f.message, f.expected, f.actual) for f in findings] == stored.get(each_id, []):
            continue
        _replace(conn, each_id, findings, fresh=new and each_id == report_id)


# The first key of the unit locks: a namespace, so that other advisory locks never collide.
_UNIT_LOCKS: Final = 0x4F47_5259  # "OGRY"
_LOCK: Final = text("SELECT pg_advisory_xact_lock(:space, :unit)")


def _lock_unit(conn: Connection, county_code: str, agency: str) -> None:
    """Hold the unit until this transaction ends (PostgreSQL; SQLite has one writer at a time).

    Under READ COMMITTED two transactions storing a unit's 2020 and 2021 reports at once each
    read the unit's years without the other's report, and the 2021 report would never be
    compared with 2020's. The second now waits here for the first to commit, and its read
    below, a statement begun after that, sees the first's report. Units whose hashes collide
    only take turns for nothing.
    """
    if conn.dialect.name != "postgresql":
        return
    unit = zlib.crc32(f"{county_code}\x1f{agency}".encode()) - 2**31  # a signed int4
    conn.execute(_LOCK, {"space": _UNIT_LOCKS, "unit": unit})


def _replace(conn: Connection, report_id: int, findings: list[Finding], *, fresh: bool) -> None:
    """The report's cross-year findings become `findings` (`fresh`: it has none yet, nor any
    other finding of the store's)."""
    if not fresh:
        _DELETE.run(conn, {"report_id": report_id})
    if not findings:
        return
    position = 0 if fresh else _NEXT_POSITION.scalar(conn, {"report_id": report_id})
    _INSERT.run_many(
        conn,
        [
            {
                "report_id": report_id,
                "origin": "store",
                "position": position + offset,
                "rule": finding.rule,
                "severity": "warning",
                "message": finding.message,
                "expected": finding.expected,
                "actual": finding.actual,
                "source_id": None,
            }
            for offset, finding in enumerate(findings)
        ],
    )
