"""What storing one fetched document does, step by step, inside one transaction.

One piece past 600 lines on purpose: the steps (source, report, figures, revisions, sources
that disagree) share one `DocumentWriter`'s transaction, clock and previous rows, and decide
together which outcome a document gets. How statements are built and run is models.prepared.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Connection, Dialect, Row, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from models.canonical import META_KEYS, CanonicalReport, hints_json, year_in_title
from models.completeness import completeness
from models.crossyear import apply_cross_year
from models.prepared import Prepared, insert_rows
from models.records import FetchRecord, Outcome, StoreResult
from models.schema import (
    figures_table,
    findings_table,
    reports_table,
    revisions_table,
    sources_table,
)
from models.types import Number
from reportparser.result import ParseResult

DISAGREEMENT_RULE: Final = "warning.sources_disagree"
_MAX_KEYS_IN_MESSAGE: Final = 12


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """Naive datetimes are taken to be UTC, as the UtcDateTime column type does."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


# A source found again keeps its report until _link_source says otherwise.
_SOURCE_UPSERT_SET: Final = tuple(
    c.name for c in sources_table.columns if c.name not in ("id", "url", "created_at", "report_id")
)
_SOURCE_COLUMNS: Final = tuple(c.name for c in sources_table.columns if c.name != "id")
_REPORT_COLUMNS: Final = tuple(c.name for c in reports_table.columns if c.name != "id")
_s = sources_table.c
_r = reports_table.c
_f = figures_table.c
_g = findings_table.c


def _insert(dialect: Dialect) -> Any:
    """The dialect's INSERT, which has on_conflict_do_update / _do_nothing."""
    return postgresql.insert if dialect.name == "postgresql" else sqlite.insert


def _locked(query: Any, dialect: Dialect) -> Any:
    # On PostgreSQL, NO KEY UPDATE: rows that reference these (findings, figures) only need
    # KEY SHARE, which it does not block, so two writers of one report cannot deadlock over them.
    return query.with_for_update(key_share=True) if dialect.name == "postgresql" else query


def _source_upsert(dialect: Dialect) -> Any:
    statement = _insert(dialect)(sources_table)
    # report_id stays: a source found again keeps its report until _link_source says.
    return statement.on_conflict_do_update(
        index_elements=["url"],
        set_={name: statement.excluded[name] for name in _SOURCE_UPSERT_SET},
    ).returning(_s.id)


# The statements of every document, built once (models.prepared); only their parameters change.
_SOURCE_BY_URL: Final = Prepared(
    lambda d: _locked(select(sources_table).where(_s.url == bindparam("url")), d)
)
_SOURCE_INSERT: Final = Prepared(_source_upsert, column_keys=_SOURCE_COLUMNS)
_SOURCE_LINK: Final = Prepared.of(
    update(sources_table)
    .where(_s.id == bindparam("b_id"))
    .values(
        report_id=bindparam("b_report_id"),
        outcome=bindparam("b_outcome"),
        updated_at=bindparam("b_updated_at"),
    )
)
_SOURCE_FETCHED_AT: Final = Prepared.of(select(_s.fetched_at).where(_s.id == bindparam("id")))
_REPORT_BY_KEY: Final = Prepared(
    lambda d: _locked(
        select(reports_table).where(
            _r.county_code == bindparam("county_code"),
            _r.year == bindparam("year"),
            _r.agency == bindparam("agency"),
        ),
        d,
    )
)
# ON CONFLICT DO NOTHING: a concurrent writer may have inserted the key.
_REPORT_INSERT: Final = Prepared(
    lambda d: (
        _insert(d)(reports_table)
        .on_conflict_do_nothing(index_elements=["county_code", "year", "agency"])
        .returning(_r.id)
    ),
    column_keys=_REPORT_COLUMNS,
)
_REPORT_VERSION: Final = Prepared.of(
    update(reports_table)
    .where(_r.id == bindparam("b_id"))
    .values(parser_version=bindparam("b_parser_version"), source_id=bindparam("b_source_id"))
)
_REPORT_TOUCH: Final = Prepared.of(
    update(reports_table)
    .where(_r.id == bindparam("b_id"))
    .values(updated_at=bindparam("b_updated_at"))
)
_FIGURES: Final = Prepared.of(
    select(_f.key, _f.value).where(_f.report_id == bindparam("report_id"))
)
_PARSER_FINDINGS: Final = Prepared.of(
    select(_g.rule, _g.message, _g.expected, _g.actual)
    .where(_g.report_id == bindparam("report_id"), _g.origin == "parser")
    .order_by(_g.position, _g.id)
)
_DROP_DISAGREEMENT: Final = Prepared.of(
    delete(findings_table).where(
        _g.report_id == bindparam("report_id"),
        _g.origin == "store",
        _g.rule == DISAGREEMENT_RULE,
        _g.source_id == bindparam("source_id"),
    )
)


class DocumentWriter:
    """One `ReportStore.record_document` call, inside its transaction (see its docstring)."""

    def __init__(
        self,
        conn: Connection,
        fetch: FetchRecord,
        result: ParseResult,
        *,
        report: CanonicalReport | None,
        invalid: str | None,
        parser_version: str,
    ) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.sqlite = conn.dialect.name == "sqlite"
        self.fetch = fetch
        self.result = result
        self.report = report
        self.invalid = invalid
        self.parser_version = parser_version
        self.now = utcnow()
        self.fetched_at = as_utc(fetch.fetched_at)

    def run(self) -> StoreResult:
        previous = self._previous_source()
        values = self._source_values(previous)
        report = self.report
        if report is None:
            outcome: Outcome = "not_report" if self.result.status == "not_report" else "failed"
            reason = self.invalid or self.result.reason or self.result.status
            self._save_source(previous, values, outcome, previous.report_id if previous else None)
            return StoreResult(outcome, None, detail=reason)
        if (
            previous is not None
            and previous.report_id is not None
            and previous.content_hash == report.content_hash
            and previous.parser_version == self.parser_version
        ):
            # This document's parse is what was already recorded: its report is untouched.
            self._save_source(previous, values, "unchanged", previous.report_id)
            return StoreResult("unchanged", previous.report_id, detail="same document")
        source_id = self._save_source(previous, values, None, None)
        result = self._store_report(report, source_id, previous)
        self._link_source(source_id, result)
        if result.outcome in ("new", "updated") and result.report_id is not None:
            county_code, year, agency = report.key
            apply_cross_year(
                self.conn,
                result.report_id,
                (county_code, agency, year),
                new=result.outcome == "new",
            )
        return result

    # -- source ----------------------------------------------------------------------------------
    def _previous_source(self) -> Row[Any] | None:
        row: Row[Any] | None = _SOURCE_BY_URL.first(self.conn, {"url": self.fetch.url})
        return row

    def _source_values(self, previous: Row[Any] | None) -> dict[str, Any]:
        fetch = self.fetch
        report = self.report
        listing = fetch.listing
        hints = hints_json(fetch.hints) if fetch.hints else None
        values: dict[str, Any] = {
            "county_code": fetch.county_code,
            "kind": fetch.kind,
            "final_url": fetch.final_url,
            "parent_url": fetch.parent_url,
            "http_status": fetch.http_status,
            "content_type": fetch.content_type,
            "etag": fetch.etag,
            "last_modified": fetch.last_modified,
            "sha256": fetch.sha256,
            "size": fetch.size,
            "fetched_at": self.fetched_at,
            "checked_at": self.fetched_at,
            "listing_title": listing.title if listing else None,
            "listing_date": listing.date if listing else None,
            "listing_signature": listing.signature() if listing else None,
            "hints": hints,
            "year_hint": None,
            "format": self.result.format,
            "engine": self.result.engine,
            "ocr_confidence": self.result.confidence,
            "parse_status": self.result.status,
            "reason": self.invalid or self.result.reason,
            "content_hash": report.content_hash if report else None,
            "parser_version": self.parser_version,
            "origin": fetch.origin,
        }
        if previous is not None:
            # A fetch that knows less than an earlier one (no list entry, no hints, an older
            # time) must not erase what was known. A check made against another origin (a
            # mirror) says nothing of this one.
            if previous.origin == fetch.origin:
                values["checked_at"] = max(values["checked_at"], previous.checked_at)
            if listing is None:
                for name in ("listing_title", "listing_date", "listing_signature"):
                    values[name] = getattr(previous, name)
            if hints is None:
                values["hints"] = previous.hints
        title = fetch.hints.title if fetch.hints else None
        values["year_hint"] = (
            report.meta["year"]
            if report
            else year_in_title(title) or year_in_title(values["listing_title"])
        )
        return values

    def _save_source(
        self,
        previous: Row[Any] | None,
        values: dict[str, Any],
        outcome: Outcome | None,
        report_id: int | None,
    ) -> int:
        """Insert or update the source row (writing nothing when nothing changed); its id."""
        if previous is None:
            row = {
                "url": self.fetch.url,
                **values,
                "outcome": outcome or "failed",  # set for real by _link_source
                "report_id": report_id,
                "created_at": self.now,
                "updated_at": self.now,
            }
            source_id = _SOURCE_INSERT.scalar(self.conn, row)
            assert source_id is not None  # an upsert always returns its row
            return int(source_id)
        changed = {name: v for name, v in values.items() if getattr(previous, name) != v}
        if report_id != previous.report_id and outcome is not None:
            changed["report_id"] = report_id
        if changed and outcome is not None and outcome != previous.outcome:
            changed["outcome"] = outcome
        if changed:
            changed["updated_at"] = self.now
            self.conn.execute(
                update(sources_table).where(sources_table.c.id == previous.id).values(changed)
            )
        return int(previous.id)

    def _link_source(self, source_id: int, result: StoreResult) -> None:
        params = {
            "b_id": source_id,
            "b_report_id": result.report_id,
            "b_outcome": result.outcome,
            "b_updated_at": self.now,
        }
        _SOURCE_LINK.run(self.conn, params)

    # -- report ----------------------------------------------------------------------------------
    def _lock_report(self, report: CanonicalReport) -> Row[Any] | None:
        county_code, year, agency = report.key
        params = {"county_code": county_code, "year": year, "agency": agency}
        row: Row[Any] | None = _REPORT_BY_KEY.first(self.conn, params)
        return row

    def _store_report(
        self, report: CanonicalReport, source_id: int, previous: Row[Any] | None
    ) -> StoreResult:
        # A document seen before usually has its report: look it up. A new one usually makes a
        # new report: try the insert first (the unique key arbitrates), look up on conflict.
        known = previous is not None and previous.report_id is not None
        current = self._lock_report(report) if known else None
        if current is None:
            values = self._report_values(report, source_id, revision=1, created=True)
            report_id = _REPORT_INSERT.scalar(self.conn, values)
            if report_id is not None:
                self._insert_figures(report_id, report.figures)
                self._insert_findings(report_id, report.findings)
                return StoreResult(
                    "new",
                    report_id,
                    figures_changed=len(report.figures),
                    findings_added=len(report.findings),
                )
            # The key exists (another source, or a concurrent writer): continue as an update.
            current = self._lock_report(report)
            assert current is not None
        report_id = int(current.id)
        moved = (
            f"; moved from report {previous.report_id}"
            if previous is not None
            and previous.report_id is not None
            and previous.report_id != report_id
            else ""
        )
        if current.content_hash == report.content_hash:
            if current.source_id in (source_id, None) and (
                current.parser_version != self.parser_version or current.source_id is None
            ):
                _REPORT_VERSION.run(
                    self.conn,
                    {
                        "b_id": report_id,
                        "b_parser_version": self.parser_version,
                        "b_source_id": source_id,
                    },
                )
            if self._drop_disagreement(report_id, source_id):
                self._touch(report_id)
            detail = "same content" if current.source_id == source_id else "another source"
            return StoreResult(
                "unchanged", report_id, detail=f"{detail} of report {report_id}{moved}"
            )
        if current.source_id in (source_id, None):
            same_bytes = previous is not None and previous.sha256 == self.fetch.sha256
            reason = "reparsed" if same_bytes else "document_changed"
            result = self._replace(current, report, source_id, reason)
            return StoreResult(
                "updated",
                report_id,
                result.revision,
                f"{reason}{moved}",
                result.figures_changed,
                result.findings_added,
                result.findings_removed,
            )
        # A different document of the same report disagrees: keep the more complete parse.
        current_fetched_at = _SOURCE_FETCHED_AT.scalar(self.conn, {"id": current.source_id})
        ours = (report.figure_count, -report.hard_finding_count, self.fetched_at)
        theirs = (
            current.figure_count,
            -current.hard_finding_count,
            current_fetched_at or dt.datetime.min.replace(tzinfo=dt.UTC),
        )
        old_figures = self._figures(report_id)
        differing = _differing_keys(meta_of(current), old_figures, report.meta, report.figures)
        if ours > theirs:
            result = self._replace(current, report, source_id, "more_complete_source", old_figures)
            self._drop_disagreement(report_id, source_id)
            self._record_disagreement(report_id, source_id, current.source_id, differing)
            return StoreResult(
                "updated",
                report_id,
                result.revision,
                f"more complete than source {current.source_id}{moved}",
                result.figures_changed,
                result.findings_added,
                result.findings_removed,
            )
        self._record_disagreement(report_id, current.source_id, source_id, differing)
        self._touch(report_id)
        return StoreResult(
            "unchanged",
            report_id,
            detail=f"kept report {report_id}: this parse is not more complete "
            f"({len(differing)} keys differ){moved}",
        )

    def _report_values(
        self, report: CanonicalReport, source_id: int, *, revision: int, created: bool
    ) -> dict[str, Any]:
        meta = report.meta
        values: dict[str, Any] = {
            "county_code": meta["county_code"],
            "year": meta["year"],
            "agency": meta["agency"],
            "county": meta["county"],
            "level": meta.get("level"),
            "scope": meta["scope"],
            "template": meta["template"],
            "title": meta["title"],
            "published_at": (
                dt.date.fromisoformat(meta["published_at"]) if meta["published_at"] else None
            ),
            "content_hash": report.content_hash,
            "parser_version": self.parser_version,
            "revision": revision,
            "figure_count": report.figure_count,
            "hard_finding_count": report.hard_finding_count,
            "completeness": completeness(
                report.figures, [finding["rule"] for finding in report.findings]
            ),
            "source_id": source_id,
            "updated_at": self.now,
        }
        if created:
            values["created_at"] = self.now
        return values

    def _figures(self, report_id: int) -> dict[str, Number | None]:
        return {row.key: row.value for row in _FIGURES.all(self.conn, {"report_id": report_id})}

    def _parser_findings(self, report_id: int) -> list[dict[str, Any]]:
        rows = _PARSER_FINDINGS.all(self.conn, {"report_id": report_id})
        return [
            {"rule": r.rule, "message": r.message, "expected": r.expected, "actual": r.actual}
            for r in rows
        ]

    def _insert_figures(self, report_id: int, figures: Mapping[str, Number | None]) -> None:
        self._insert_rows("figures", [(report_id, key, value) for key, value in figures.items()])

    def _insert_findings(self, report_id: int, findings: Sequence[dict[str, Any]]) -> None:
        self._insert_rows(
            "findings",
            [
                (
                    report_id,
                    "parser",
                    position,
                    finding["rule"],
                    _severity(finding["rule"]),
                    finding["message"],
                    finding["expected"],
                    finding["actual"],
                    None,
                )
                for position, finding in enumerate(findings)
            ],
        )

    def _insert_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        # Values are already normalised by canonicalize: FigureNumber's bind step is not needed.
        insert_rows(self.conn, table, rows)

    def _replace(
        self,
        current: Row[Any],
        report: CanonicalReport,
        source_id: int,
        reason: str,
        old_figures: dict[str, Number | None] | None = None,
    ) -> StoreResult:
        """Make `report` the current version; keep the current one as a revision row."""
        report_id = int(current.id)
        if old_figures is None:
            old_figures = self._figures(report_id)
        old_findings = self._parser_findings(report_id)
        self.conn.execute(
            revisions_table.insert().values(
                report_id=report_id,
                revision=current.revision,
                reason=reason,
                content_hash=current.content_hash,
                parser_version=current.parser_version,
                source_id=current.source_id,
                meta=meta_of(current),
                figures=old_figures,
                findings=old_findings,
                created_at=current.updated_at,
                superseded_at=self.now,
            )
        )
        self.conn.execute(
            update(reports_table)
            .where(reports_table.c.id == report_id)
            .values(
                self._report_values(report, source_id, revision=current.revision + 1, created=False)
            )
        )
        changed = self._apply_figures(report_id, old_figures, report.figures)
        f = findings_table.c
        self.conn.execute(
            delete(findings_table).where(f.report_id == report_id, f.origin == "parser")
        )
        self._insert_findings(report_id, report.findings)
        before = Counter((x["rule"], x["message"]) for x in old_findings)
        after = Counter((x["rule"], x["message"]) for x in report.findings)
        return StoreResult(
            "updated",
            report_id,
            revision=int(current.revision),
            figures_changed=changed,
            findings_added=sum((after - before).values()),
            findings_removed=sum((before - after).values()),
        )

    def _apply_figures(
        self,
        report_id: int,
        old: Mapping[str, Number | None],
        new: Mapping[str, Number | None],
    ) -> int:
        """Write only the difference between two figure maps; the number of keys changed."""
        f = figures_table.c
        removed = [key for key in old if key not in new]
        added = {key: value for key, value in new.items() if key not in old}
        changed = [
            {"b_report_id": report_id, "b_key": k, "b_value": v}
            for k, v in new.items()
            if k in old and not _same_value(old[k], v)
        ]
        if removed:
            self.conn.execute(
                delete(figures_table).where(f.report_id == report_id, f.key.in_(removed))
            )
        if added:
            self._insert_figures(report_id, added)
        if changed:
            self.conn.execute(
                update(figures_table)
                .where(f.report_id == bindparam("b_report_id"), f.key == bindparam("b_key"))
                .values(value=bindparam("b_value", type_=f.value.type)),
                changed,
            )
        return len(removed) + len(added) + len(changed)

    def _touch(self, report_id: int) -> None:
        _REPORT_TOUCH.run(self.conn, {"b_id": report_id, "b_updated_at": self.now})

    def _drop_disagreement(self, report_id: int, source_id: int) -> bool:
        params = {"report_id": report_id, "source_id": source_id}
        return bool(_DROP_DISAGREEMENT.run(self.conn, params))

    def _record_disagreement(
        self,
        report_id: int,
        kept_source_id: int | None,
        other_source_id: int | None,
        keys: list[str],
    ) -> None:
        """One `warning.sources_disagree` finding per disagreeing (not kept) source."""
        if other_source_id is None:
            return
        urls = dict(
            self.conn.execute(
                select(sources_table.c.id, sources_table.c.url).where(
                    sources_table.c.id.in_([kept_source_id, other_source_id])
                )
            ).all()
        )
        shown = ", ".join(keys[:_MAX_KEYS_IN_MESSAGE])
        if len(keys) > _MAX_KEYS_IN_MESSAGE:
            shown += f" (+{len(keys) - _MAX_KEYS_IN_MESSAGE} more)"
        message = (
            f"sources disagree on {len(keys)} keys: kept {urls.get(kept_source_id, '?')}, "
            f"other {urls.get(other_source_id, '?')}: {shown}"
        )
        self._drop_disagreement(report_id, other_source_id)
        f = findings_table.c
        position = self.conn.execute(
            select(func.coalesce(func.max(f.position) + 1, 0)).where(
                f.report_id == report_id, f.origin == "store"
            )
        ).scalar_one()
        self.conn.execute(
            findings_table.insert().values(
                report_id=report_id,
                origin="store",
                position=position,
                rule=DISAGREEMENT_RULE,
                severity="warning",
                message=message,
                expected=None,
                actual=None,
                source_id=other_source_id,
            )
        )


def _severity(rule: str) -> str:
    return "warning" if rule.startswith("warning.") else "hard"


def _same_value(a: Number | None, b: Number | None) -> bool:
    return a == b and (a is None) == (b is None) and type(a) is type(b)


def meta_of(row: Row[Any]) -> dict[str, Any]:
    meta = {name: getattr(row, name) for name in META_KEYS}
    if meta["published_at"] is not None:
        meta["published_at"] = meta["published_at"].isoformat()
    return meta


def _differing_keys(
    old_meta: Mapping[str, Any],
    old_figures: Mapping[str, Number | None],
    new_meta: Mapping[str, Any],
    new_figures: Mapping[str, Number | None],
) -> list[str]:
    meta = [name for name in META_KEYS if old_meta.get(name) != new_meta.get(name)]
    keys = sorted(
        key
        for key in old_figures.keys() | new_figures.keys()
        if key not in old_figures
        or key not in new_figures
        or not _same_value(old_figures[key], new_figures[key])
    )
    return meta + keys
