"""Storage fixtures: a fresh database per test on SQLite (a file) and on PostgreSQL (a schema).

PostgreSQL: OGI_TEST_POSTGRES_URL when set (scripts/test sets it), else the server that
`scripts/pg-test-server start` starts. If it cannot start, the PostgreSQL cases are skipped
with the reason, or fail when OGI_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

from models.store import ReportStore
from tests.conftest import PROJECT_DIR

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("OGI_TEST_POSTGRES_URL")
    if url:
        return url
    try:
        started = subprocess.run(
            [str(PROJECT_DIR / "scripts" / "pg-test-server"), "start"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        stderr = getattr(exc, "stderr", "") or ""
        reason = f"PostgreSQL test server unavailable ({exc}; {stderr.strip()})"
        if os.environ.get("OGI_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(f"SKIPPING POSTGRESQL TESTS: {reason}")
    return started.stdout.strip().splitlines()[-1]


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A URL whose connections live in a schema of their own, dropped afterwards."""
    with fresh_schema(postgres_url) as url:
        yield url


@contextlib.contextmanager
def fresh_schema(postgres_url: str, prefix: str = "t") -> Iterator[str]:
    """`postgres_url` in a new schema of its own (`<prefix>_<random>`), dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


def _database_url(request: pytest.FixtureRequest, tmp_path: Path, engine: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{tmp_path / 'ogi-reports.sqlite3'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, never migrated, on each engine."""
    return _database_url(request, tmp_path, request.param)


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[ReportStore]:
    """A migrated store on each engine, with its blob directory in tmp_path."""
    with ReportStore(database_url, tmp_path / "blobs") as report_store:
        report_store.upgrade()
        yield report_store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[ReportStore]:
    with ReportStore(f"sqlite:///{tmp_path / 'ogi-reports.sqlite3'}", tmp_path / "blobs") as s:
        s.upgrade()
        yield s
