"""Benchmark: store N generated reports (≈200 figures, a few findings each), then re-store them.

    .venv/bin/python bench/bench_store.py [--reports 10000] [--engine sqlite|postgresql|both]

Prints reports/s for the first store (every report new) and for the re-store of the same,
unchanged reports, on SQLite (a file in a temporary directory) and on PostgreSQL (a throw-away
schema on OGI_TEST_POSTGRES_URL, else on the server `scripts/pg-test-server start` runs). The
baseline, measured in the same run on the same machine, is plain sqlite3 / psycopg writing the
same rows (one transaction and one executemany per report, no dedup, no ORM): the ratio is the
price of the store's logic, printed per wall second and per CPU second of this process (the one
to compare on a busy machine). The store's rows are counted and a sample read back before any
figure is trusted. A third run stores the same reports on a fresh database the way a crawl does
when its store calls queue up: `--batch` documents a transaction (`ReportStore.write_batch`).
Goals: ≥ 500 reports/s on SQLite (issue 3); store CPU ≤ 2.6× the raw
driver's, the ratio issue 9 measured (lower is better).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from sqlalchemy import create_engine, func, make_url, select  # noqa: E402

from crawler.counties import select as select_counties  # noqa: E402
from models.crossyear import RULES as CROSS_YEAR_RULES  # noqa: E402
from models.records import FetchRecord, Listing  # noqa: E402
from models.schema import findings_table  # noqa: E402
from models.store import ReportStore  # noqa: E402
from reportparser.result import Finding, ParseResult, ReportMeta  # noqa: E402
from reportparser.vocabulary import figure_keys  # noqa: E402

Document = tuple[FetchRecord, ParseResult]


# The 22 counties the baseline figures were measured on.
COUNTIES = select_counties(province="宁夏回族自治区")


def generate(count: int) -> list[Document]:
    """Distinct reports: 22 counties × years × agencies, both templates, one decimal each."""
    documents = []
    fetched_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for number in range(count):
        county = COUNTIES[number % len(COUNTIES)]
        year = 2008 + (number // len(COUNTIES)) % 18
        agency = f"{county.name}第{number // (len(COUNTIES) * 18)}局"
        template = "2021" if year >= 2021 else "2019"
        keys = figure_keys(template)
        figures: dict[str, int | float | None] = {
            key: (number + position) % 997 for position, key in enumerate(keys)
        }
        figures["active.fees.amount" if template == "2021" else "active.procurement.amount"] = (
            number + 0.1234
        )
        figures[keys[-1]] = None
        findings = (
            Finding(
                "requests.balance", f"column total: {number} ≠ {number + 1}", number, number + 1
            ),
            Finding("warning.inferred", "requests.new.other filled in by the balance rule"),
            Finding("warning.prose_mismatch", "the prose says 12 requests, the table 13", 12, 13),
        )
        meta = ReportMeta(
            county=county.name,
            county_code=county.code,
            year=year,
            agency=agency,
            scope="department",
            template=template,  # type: ignore[arg-type]
            title=f"{agency}{year}年政府信息公开工作年度报告",
            published_at=dt.date(year + 1, 1, 20),
        )
        url = f"https://{county.site}/xxgk/nb/{year + 1}01/t{year + 1}0120_{number}.html"
        fetch = FetchRecord(
            url=url,
            county_code=county.code,
            kind="page",
            sha256=hashlib.sha256(url.encode()).hexdigest(),
            size=40_000,
            fetched_at=fetched_at,
            content_type="text/html; charset=utf-8",
            listing=Listing(meta.title, f"{year + 1}-01-20"),
        )
        documents.append((fetch, ParseResult("report", "html", meta, figures, findings)))
    return documents


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # CPU seconds of this process (SQLite works inside it)


def timed(label: str, count: int, action: Callable[[], None]) -> Timing:
    """Run `action`; print wall-clock reports/s, and reports per CPU second of this process
    (the figure to compare on a busy machine: SQLite works inside this process)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    action()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(
        f"  {label:<36} {count:>6} reports in {elapsed:7.2f} s = {count / elapsed:7.0f} reports/s"
        f"  ({count / cpu:7.0f} per CPU s, {cpu * 1000 / count:.2f} CPU-ms each)"
    )
    return Timing(elapsed, cpu)


def store_all(store: ReportStore, documents: list[Document], expected: str) -> None:
    for fetch, result in documents:
        outcome = store.record_document(fetch, result).outcome
        if outcome != expected:
            raise SystemExit(f"{fetch.url}: {outcome}, expected {expected}")


def store_batches(store: ReportStore, documents: list[Document], size: int) -> None:
    """As the crawl stores them when calls queue up: `size` documents a transaction."""
    for start in range(0, len(documents), size):
        batch = documents[start : start + size]
        calls = [("record_document", (fetch, result), {}) for fetch, result in batch]
        for (fetch, _), outcome in zip(batch, store.write_batch(calls), strict=True):
            if getattr(outcome, "outcome", outcome) != "new":
                raise SystemExit(f"{fetch.url}: {outcome}, expected new")


def _rows(documents: list[Document]) -> list[tuple[int, list[tuple[int, str, object]]]]:
    return [
        (i, [(i, key, value) for key, value in result.figures.items()])
        for i, (_, result) in enumerate(documents, start=1)
    ]


def baseline_sqlite(path: Path, documents: list[Document]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, title TEXT)")
    connection.execute(
        "CREATE TABLE figures (report_id INTEGER, key TEXT, value NUMERIC, "
        "PRIMARY KEY (report_id, key))"
    )
    for report_id, rows in _rows(documents):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO reports VALUES (?, ?)", (report_id, "t"))
        connection.executemany("INSERT INTO figures VALUES (?, ?, ?)", rows)
        connection.execute("COMMIT")
    connection.close()


def baseline_postgres(url: str, documents: list[Document]) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.execute("CREATE TABLE bench_reports (id INTEGER PRIMARY KEY, title TEXT)")
        cursor.execute(
            "CREATE TABLE bench_figures (report_id INTEGER, key TEXT, value NUMERIC, "
            "PRIMARY KEY (report_id, key))"
        )
        raw.commit()
        for report_id, rows in _rows(documents):
            cursor.execute("INSERT INTO bench_reports VALUES (%s, %s)", (report_id, "t"))
            cursor.executemany("INSERT INTO bench_figures VALUES (%s, %s, %s)", rows)
            raw.commit()
    engine.dispose()


def bench_engine(
    name: str,
    url: str,
    blob_dir: Path,
    documents: list[Document],
    baseline: Callable[[], None],
    *,
    batched_url: str,
    batch: int,
) -> None:
    print(f"{name}: {make_url(url).render_as_string(hide_password=True)}")
    base = timed("baseline (raw driver, figures only)", len(documents), baseline)
    with ReportStore(url, blob_dir) as store:
        store.upgrade()
        new = timed("store, all new", len(documents), lambda: store_all(store, documents, "new"))
        again = timed(
            "re-store, unchanged", len(documents), lambda: store_all(store, documents, "unchanged")
        )
        counts = store.counts()
        check_rows(store, documents, counts)
    with ReportStore(batched_url, blob_dir) as store:
        store.upgrade()
        batched = timed(
            f"store, all new, {batch} a transaction",
            len(documents),
            lambda: store_batches(store, documents, batch),
        )
        check_rows(store, documents, store.counts())
    print(
        f"  rows: {counts['reports']} reports, {counts['figures']} figures, "
        f"{counts['findings']} findings, {counts['sources']} sources (checked)"
    )
    print(
        f"  wall reports/s, store/baseline: {base.wall / new.wall:.2f}; "
        f"re-store/store: {new.wall / again.wall:.2f}"
    )
    print(
        f"  CPU per report, store / raw driver: {new.cpu / base.cpu:.2f}x "
        f"(issue 9, SQLite: 2.6x before); re-store / raw driver: {again.cpu / base.cpu:.2f}x; "
        f"in batches of {batch} (write_batch, as a crawl): {batched.cpu / base.cpu:.2f}x"
    )


def check_rows(store: ReportStore, documents: list[Document], counts: dict[str, int]) -> None:
    """The store holds what was written: every report, figure, finding and source once, and a
    sample of reports read back equal to what went in. The store's own cross-year findings
    (origin `store`: years of one agency compared) come on top of the parser's and are not
    counted against them."""
    with store.reader() as conn:
        counts = dict(counts)
        counts["findings"] = conn.execute(
            select(func.count()).where(findings_table.c.origin == "parser")
        ).scalar_one()
    expected = {
        "reports": len(documents),
        "sources": len(documents),
        "figures": sum(len(result.figures) for _, result in documents),
        "findings": sum(len(result.findings) for _, result in documents),
    }
    wrong = {name: (counts[name], want) for name, want in expected.items() if counts[name] != want}
    if wrong:
        raise SystemExit(f"row counts (got, want): {wrong}")
    for fetch, result in documents[:: max(1, len(documents) // 50)]:
        assert result.meta is not None and result.meta.year is not None
        assert result.meta.agency is not None
        stored = store.report(fetch.county_code, result.meta.year, result.meta.agency)
        if stored is None or stored.figures != result.figures or stored.source_url != fetch.url:
            raise SystemExit(f"{fetch.url}: stored report differs from what was written")
        parsed = [f.rule for f in stored.findings if f.rule not in CROSS_YEAR_RULES]
        if parsed != [f.rule for f in result.findings]:
            raise SystemExit(f"{fetch.url}: stored findings differ from what was written")


def postgres_url() -> str | None:
    url = os.environ.get("OGI_TEST_POSTGRES_URL")
    if url:
        return url
    try:
        started = subprocess.run(
            [str(PROJECT_DIR / "scripts" / "pg-test-server"), "start"],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"postgresql: skipped, the test server did not start ({exc})")
        return None
    return started.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--batch", type=int, default=10, help="documents a transaction in the batched run"
    )
    args = parser.parse_args()
    documents = generate(args.reports)
    figures = sum(len(result.figures) for _, result in documents)
    print(f"{len(documents)} generated reports, {figures / len(documents):.0f} figures each")
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        root = Path(tmp)
        if args.engine in ("sqlite", "both"):
            bench_engine(
                "sqlite",
                f"sqlite:///{root / 'bench.sqlite3'}",
                root / "blobs",
                documents,
                lambda: baseline_sqlite(root / "baseline.sqlite3", documents),
                batched_url=f"sqlite:///{root / 'batched.sqlite3'}",
                batch=args.batch,
            )
        if args.engine in ("postgresql", "both"):
            url = postgres_url()
            if url is not None:
                schemas = [f"bench_{uuid.uuid4().hex[:12]}" for _ in range(2)]
                admin = create_engine(url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    for schema in schemas:
                        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
                scoped_url, batched_url = (
                    make_url(url)
                    .update_query_dict({"options": f"-csearch_path={schema}"})
                    .render_as_string(hide_password=False)
                    for schema in schemas
                )
                try:
                    bench_engine(
                        "postgresql",
                        scoped_url,
                        root / "pg-blobs",
                        documents,
                        lambda: baseline_postgres(scoped_url, documents),
                        batched_url=batched_url,
                        batch=args.batch,
                    )
                finally:
                    with admin.connect() as conn:
                        for schema in schemas:
                            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                    admin.dispose()


if __name__ == "__main__":
    main()
