"""What storing one fetched document does, step by step, inside one transaction."""

from __future__ import annotations

import collections
import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Dialect, Row, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from models.canonical import META_KEYS, CanonicalReport, hints_json, year_in_title
from models.completeness import completeness
from models.crossyear import apply_cross_year
from models.records import FetchRecord, Outcome, StoreResult
from models.schema import (
    figures_table,
    findings_table,
    metadata,
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


@dataclass(frozen=True, slots=True)
class _Statements:
    """The hot statements, built once per dialect: only their parameters change per call."""

    source_by_url: Any  # locks the row on PostgreSQL
    source_upsert: Any
    report_by_key: Any  # locks the row on PostgreSQL
    report_insert: Any  # ON CONFLICT DO NOTHING: a concurrent writer may have inserted the key
    source_link: Any  # sets report_id and outcome


@functools.cache
def _statements(dialect: Dialect) -> _Statements:
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    s = sources_table.c
    r = reports_table.c
    source_by_url = select(sources_table).where(s.url == bindparam("url"))
    report_by_key = select(reports_table).where(
        r.county_code == bindparam("county_code"),
        r.year == bindparam("year"),
        r.agency == bindparam("agency"),
    )
    if dialect.name == "postgresql":
        # NO KEY UPDATE: rows that reference these (findings, figures) only need KEY SHARE,
        # which it does not block, so two writers of one report cannot deadlock over them.
        source_by_url = source_by_url.with_for_update(key_share=True)
        report_by_key = report_by_key.with_for_update(key_share=True)
    source_insert = insert(sources_table)
    source_upsert = source_insert.on_conflict_do_update(
        index_elements=["url"],
        # report_id stays: a source found again keeps its report until _link_source says.
        set_={
            name: source_insert.excluded[name] for name in _SOURCE_UPSERT_SET if name != "report_id"
        },
    ).returning(s.id)
    report_insert = (
        insert(reports_table)
        .on_conflict_do_nothing(index_elements=["county_code", "year", "agency"])
        .returning(r.id)
    )
    source_link = (
        update(sources_table)
        .where(s.id == bindparam("b_id"))
        .values(
            report_id=bindparam("b_report_id"),
            outcome=bindparam("b_outcome"),
            updated_at=bindparam("b_updated_at"),
        )
    )
    return _Statements(source_by_url, source_upsert, report_by_key, report_insert, source_link)


@dataclass(frozen=True, slots=True)
class _DriverStatement:
    """A Core statement compiled once for SQLite, run on the sqlite3 cursor of the transaction.

    The per-document writes (a new source, a new report, the source's link to it) cost more in
    SQLAlchemy's execution machinery (execution context, events, result set-up) than in SQLite
    itself; the statement and the columns' own bind processors are what Core would use.
    """

    sql: str
    names: tuple[str, ...]  # bind parameter names in positional order
    processors: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def compile(
        cls, statement: Any, dialect: Dialect, column_keys: Sequence[str] | None = None
    ) -> _DriverStatement:
        compiled = statement.compile(
            dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None
        )
        assert compiled.positional, "SQLite's paramstyle is positional"
        names = tuple(compiled.positiontup or ())
        processors = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        return cls(str(compiled), names, processors)

    def fetch(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Execute with `params` (by bind name); the first row, if any."""
        values = [
            params[name] if process is None else process(params[name])
            for name, process in zip(self.names, self.processors, strict=True)
        ]
        driver = conn.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            cursor.execute(self.sql, values)
            row: tuple[Any, ...] | None = cursor.fetchone()
        finally:
            cursor.close()
        return row

    def run(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Execute with `params` (by bind name); the first column of the first row, if any."""
        row = self.fetch(conn, params)
        return None if row is None else row[0]


@dataclass(frozen=True, slots=True)
class _DriverQuery:
    """A Core SELECT of whole table rows compiled once for SQLite, run on the sqlite3 cursor;
    the row comes back as a named tuple of the values Core's result processors give."""

    statement: _DriverStatement
    make_row: Callable[[Iterable[Any]], Any]  # the named tuple's _make
    processors: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def compile(cls, statement: Any, dialect: Dialect) -> _DriverQuery:
        columns = list(statement.selected_columns)
        processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
        row = collections.namedtuple("_Row", [column.key for column in columns])  # type: ignore[misc]
        return cls(_DriverStatement.compile(statement, dialect), row._make, processors)

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        raw = self.statement.fetch(conn, params)
        if raw is None:
            return None
        return self.make_row(
            value if process is None else process(value)
            for value, process in zip(raw, self.processors, strict=True)
        )


@dataclass(frozen=True, slots=True)
class _SqliteWrites:
    source_by_url: _DriverQuery
    source_insert: _DriverStatement
    report_insert: _DriverStatement
    source_link: _DriverStatement


@functools.cache
def _sqlite_writes(dialect: Dialect) -> _SqliteWrites:
    statements = _statements(dialect)
    source_columns = tuple(c.name for c in sources_table.columns if c.name != "id")
    report_columns = tuple(c.name for c in reports_table.columns if c.name != "id")
    return _SqliteWrites(
        _DriverQuery.compile(statements.source_by_url, dialect),
        _DriverStatement.compile(statements.source_upsert, dialect, source_columns),
        _DriverStatement.compile(statements.report_insert, dialect, report_columns),
        _DriverStatement.compile(statements.source_link, dialect),
    )


@dataclass(frozen=True, slots=True)
class _DriverInsert:
    sql: str
    columns: tuple[str, ...]  # every column but an autoincrement id, in table order
    positional: bool  # parameters are a tuple in `columns` order, else a dict
    copy: str  # PostgreSQL's COPY of the same columns


@functools.cache
def _driver_insert(dialect: Dialect, table_name: str) -> _DriverInsert:
    """Core's INSERT INTO `table_name` compiled for `dialect`, for exec_driver_sql."""
    table = metadata.tables[table_name]
    columns = tuple(c.name for c in table.columns if c.name != "id")
    compiled = table.insert().inline().compile(dialect=dialect, column_keys=list(columns))
    if compiled.positional:
        assert tuple(compiled.positiontup or ()) == columns, compiled.positiontup
    copy = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    return _DriverInsert(str(compiled), columns, bool(compiled.positional), copy)


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
            apply_cross_year(self.conn, result.report_id)
        return result

    # -- source ----------------------------------------------------------------------------------
    def _previous_source(self) -> Row[Any] | None:
        if self.sqlite:
            # A named tuple with Row's attributes (all this writer reads of it).
            row: Row[Any] | None = _sqlite_writes(self.conn.dialect).source_by_url.first(
                self.conn, {"url": self.fetch.url}
            )
            return row
        query = _statements(self.conn.dialect).source_by_url
        return self.conn.execute(query, {"url": self.fetch.url}).first()

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
            if self.sqlite:
                source_id = _sqlite_writes(self.conn.dialect).source_insert.run(self.conn, row)
                assert source_id is not None  # an upsert always returns its row
                return int(source_id)
            statement = _statements(self.conn.dialect).source_upsert
            return int(self.conn.execute(statement, row).scalar_one())
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
        if self.sqlite:
            _sqlite_writes(self.conn.dialect).source_link.run(self.conn, params)
        else:
            self.conn.execute(_statements(self.conn.dialect).source_link, params)

    # -- report ----------------------------------------------------------------------------------
    def _lock_report(self, report: CanonicalReport) -> Row[Any] | None:
        county_code, year, agency = report.key
        query = _statements(self.conn.dialect).report_by_key
        params = {"county_code": county_code, "year": year, "agency": agency}
        return self.conn.execute(query, params).first()

    def _store_report(
        self, report: CanonicalReport, source_id: int, previous: Row[Any] | None
    ) -> StoreResult:
        # A document seen before usually has its report: look it up. A new one usually makes a
        # new report: try the insert first (the unique key arbitrates), look up on conflict.
        known = previous is not None and previous.report_id is not None
        current = self._lock_report(report) if known else None
        if current is None:
            values = self._report_values(report, source_id, revision=1, created=True)
            if self.sqlite:
                report_id = _sqlite_writes(self.conn.dialect).report_insert.run(self.conn, values)
            else:
                statement = _statements(self.conn.dialect).report_insert
                report_id = self.conn.execute(statement, values).scalar()
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
                self.conn.execute(
                    update(reports_table)
                    .where(reports_table.c.id == report_id)
                    .values(parser_version=self.parser_version, source_id=source_id)
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
        current_fetched_at = self.conn.execute(
            select(sources_table.c.fetched_at).where(sources_table.c.id == current.source_id)
        ).scalar()
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
        f = figures_table.c
        rows = self.conn.execute(select(f.key, f.value).where(f.report_id == report_id))
        return {row.key: row.value for row in rows}

    def _parser_findings(self, report_id: int) -> list[dict[str, Any]]:
        f = findings_table.c
        rows = self.conn.execute(
            select(f.rule, f.message, f.expected, f.actual)
            .where(f.report_id == report_id, f.origin == "parser")
            .order_by(f.position, f.id)
        )
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
        """Rows of `table` straight to the driver: the hot path (~200 figure rows a report).

        Values are already normalised by canonicalize, so FigureNumber's bind step is not
        needed. SQLite: one executemany of Core's INSERT compiled for the dialect (about twice
        the rows per CPU second of a Core executemany). PostgreSQL: COPY in the same
        transaction (about four times the reports per second of psycopg's pipelined
        executemany); a float goes as its shortest repr, which NUMERIC reads exactly.
        """
        if not rows:
            return
        insert = _driver_insert(self.conn.dialect, table)
        if self.postgres:
            driver = self.conn.connection.driver_connection
            assert driver is not None
            with driver.cursor() as cursor, cursor.copy(insert.copy) as copy:
                for row in rows:
                    copy.write_row(row)
        elif insert.positional:
            # Straight on the transaction's sqlite3 cursor: exec_driver_sql's execution
            # context costs as much as SQLite's executemany of a report's figures.
            driver = self.conn.connection.driver_connection
            assert driver is not None
            cursor = driver.cursor()
            try:
                cursor.executemany(insert.sql, rows)
            finally:
                cursor.close()
        else:
            self.conn.exec_driver_sql(
                insert.sql, [dict(zip(insert.columns, row, strict=True)) for row in rows]
            )

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
        self.conn.execute(
            update(reports_table).where(reports_table.c.id == report_id).values(updated_at=self.now)
        )

    def _drop_disagreement(self, report_id: int, source_id: int) -> bool:
        f = findings_table.c
        deleted = self.conn.execute(
            delete(findings_table).where(
                f.report_id == report_id,
                f.origin == "store",
                f.rule == DISAGREEMENT_RULE,
                f.source_id == source_id,
            )
        )
        return bool(deleted.rowcount)

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
