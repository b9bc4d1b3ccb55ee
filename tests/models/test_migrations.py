"""Alembic migrations: they build exactly the models' schema, and older databases upgrade."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from crawler.counties import BY_SLUG
from models import migrate
from models.schema import VIEW_NAMES, metadata
from models.store import ReportStore
from tests.models.build import make_fetch, make_result
from tests.models.conftest import fresh_schema

PROJECT_DIR = Path(__file__).resolve().parents[2]


def schema_differences(store: ReportStore) -> list[object]:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs: list[object] = compare_metadata(context, metadata)
    return diffs


def test_migrations_build_exactly_the_models(database_url: str, tmp_path: Path) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        assert migrate.current_revision(store.engine) is None

        migrate.upgrade(store.engine, by_scripts=True)  # every migration, not `create_new`

        assert migrate.current_revision(store.engine) == migrate.head_revision()
        assert schema_differences(store) == []
        migrate.check(store.engine)  # the same comparison, as `scrapy db check` runs it
        tables = set(inspect(store.engine).get_table_names())
        assert tables == set(metadata.tables) | {"alembic_version"}
        assert set(VIEW_NAMES) <= set(inspect(store.engine).get_view_names())


def test_upgrade_is_idempotent(database_url: str, tmp_path: Path) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        store.upgrade()
        store.record_document(make_fetch(), make_result())

        store.upgrade()

        assert store.counts()["reports"] == 1


def insert_old_report(store: ReportStore, county_code: str = "640323", received: int = 7) -> None:
    """A county and a report with one figure, in the columns every revision since 0001 has
    (the store's own writes follow the newest schema)."""
    at = "2026-11-01 08:00:00.000000"
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO counties (code, name, prefecture, province, site, slug) "
                "VALUES (:code, '盐池县', '吴忠市', '宁夏回族自治区', NULL, NULL)"
            ),
            {"code": county_code},
        )
        conn.execute(
            text(
                "INSERT INTO reports (id, county_code, year, agency, county, scope, template, "
                "title, published_at, content_hash, parser_version, revision, figure_count, "
                "hard_finding_count, source_id, created_at, updated_at) VALUES (1, :code, 2020, "
                "'盐池县人民政府', '盐池县', 'county', '2019', 't', NULL, :hash, '0.1', 1, 1, 0, "
                "NULL, :at, :at)"
            ),
            {"code": county_code, "hash": "0" * 64, "at": at},
        )
        conn.execute(
            text(
                "INSERT INTO figures (report_id, key, value) "
                "VALUES (1, 'requests.new.total', :value)"
            ),
            {"value": received},
        )


def test_older_database_upgrades_and_keeps_its_data(database_url: str, tmp_path: Path) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        migrate.upgrade(store.engine, "0001")
        assert migrate.current_revision(store.engine) == "0001"
        assert "report_headlines" not in inspect(store.engine).get_view_names()
        insert_old_report(store, received=make_result().figures["requests.new.total"])  # type: ignore[arg-type]

        store.upgrade()

        assert migrate.current_revision(store.engine) == migrate.head_revision()
        with store.engine.connect() as conn:
            received = conn.execute(
                text("SELECT requests_received FROM report_headlines")
            ).scalar_one()
        assert received == make_result().figures["requests.new.total"]
        assert store.counts()["reports"] == 1


def test_downgrade_to_base_and_back(database_url: str, tmp_path: Path) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        store.upgrade()

        migrate.downgrade(store.engine, "base")

        assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
        assert inspect(store.engine).get_view_names() == []
        store.upgrade()
        assert schema_differences(store) == []


def test_history_lists_the_migrations_in_order() -> None:
    revisions = [revision for revision, _, _ in migrate.history()]

    assert revisions[0] == "0001"
    assert revisions[-1] == migrate.head_revision()


def test_head_constant_is_the_scripts_head() -> None:
    # `migrate.upgrade` skips alembic for a database at HEAD: a new migration that did not move
    # HEAD would never run on an existing database.
    assert migrate.head_revision() == migrate.HEAD


def test_current_revision_reads_what_alembic_reads(database_url: str, tmp_path: Path) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:

        def alembic_current() -> str | None:
            with store.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()

        assert migrate.current_revision(store.engine) is None
        assert alembic_current() is None
        migrate.upgrade(store.engine, "0002")
        assert migrate.current_revision(store.engine) == alembic_current() == "0002"
        store.upgrade()
        assert migrate.current_revision(store.engine) == alembic_current() == migrate.HEAD


def test_upgrade_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    # A crawl opens its store twice (preflight, store process): at head, neither pays for
    # alembic's imports.
    database = tmp_path / "db.sqlite3"
    with ReportStore(f"sqlite:///{database}", tmp_path / "blobs") as store:
        store.upgrade()
    assert alembic_imported_by_upgrade(database, tmp_path / "blobs") == "[]"


def alembic_imported_by_upgrade(database: Path, blobs: Path) -> str:
    """The alembic and mako modules `ReportStore.upgrade()` of a SQLite file imports, listed: in
    a fresh interpreter, since this one has alembic loaded by now."""
    code = (
        "import sys\n"
        "from models.store import ReportStore\n"
        f"store = ReportStore('sqlite:///{database}', {str(blobs)!r})\n"
        "store.upgrade()\n"
        "store.close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_DIR
    )
    return done.stdout.strip()


def test_pages_from_0002_get_their_county_and_no_content_type(
    database_url: str, tmp_path: Path
) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        migrate.upgrade(store.engine, "0002")
        with store.engine.begin() as conn:
            for county in (BY_SLUG["yanchi"], BY_SLUG["jingyuan"]):
                conn.execute(
                    text(
                        "INSERT INTO counties (code, name, site, slug) "
                        "VALUES (:code, :name, :site, :slug)"
                    ),
                    {"code": county.code, "name": county.name, "site": county.site,
                     "slug": county.slug},
                )  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO sources (url, county_code, kind, http_status, sha256, size, "
                    "fetched_at, checked_at, format, parse_status, outcome, parser_version, "
                    "created_at, updated_at) VALUES (:url, '640323', 'page', 200, :sha, 1, :at, "
                    ":at, 'html', 'report', 'new', '0.1', :at, :at)"
                ),
                {
                    "url": "https://xxgk.yanchi.gov.cn/nb/t20210128_1.html",
                    "sha": "0" * 64,
                    "at": "2026-11-01 08:00:00.000000",
                },
            )
        pages = [
            "https://www.yanchi.gov.cn/xxgk/",  # the county's site
            "https://xxgk.yanchi.gov.cn/nb/list.html",  # a host its documents came from
            "https://files.nxjy.gov.cn/list.html",  # under the county's domain
            "https://www.elsewhere.gov.cn/",  # nobody's
        ]
        with store.engine.begin() as conn:
            for url in pages:
                conn.execute(
                    text(
                        "INSERT INTO pages (url, sha256, etag, last_modified, fetched_at) "
                        "VALUES (:url, :sha, '\"e\"', NULL, :at)"
                    ),
                    {"url": url, "sha": "0" * 64, "at": "2026-11-01 08:00:00.000000"},
                )

        store.upgrade()

        assert schema_differences(store) == []
        with store.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT url, county_code FROM pages")).all())
            types = set(conn.execute(text("SELECT content_type FROM pages")).scalars())
        assert rows == dict(zip(pages, ["640323", "640323", "640424", None], strict=True))
        assert types == {None}
        state = store.page_state(pages[0])
        assert state is not None
        assert (state.etag, state.content_type) == ('"e"', None)


def test_0004_levels_divisions_and_their_lineage(database_url: str, tmp_path: Path) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        migrate.upgrade(store.engine, "0003")
        insert_old_report(store)

        store.upgrade()

        assert schema_differences(store) == []
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT level FROM reports")).scalar_one() == "county"
            assert conn.execute(text("SELECT level FROM counties")).scalar_one() == "county"
            divisions = conn.execute(text("SELECT count(*) FROM divisions")).scalar_one()
            hongze = conn.execute(
                text(
                    "SELECT name, since, until FROM divisions WHERE code = '320829' ORDER BY since"
                )
            ).all()
            lineage = conn.execute(
                text(
                    "SELECT related_code, direction, steps FROM division_lineage "
                    "WHERE code = '320813' ORDER BY related_code"
                )
            ).all()
        assert divisions > 6_000
        assert [tuple(row) for row in hongze] == [("洪泽县", 1983, 2000), ("洪泽县", 2000, 2016)]
        # 洪泽区 (2016) was 洪泽县 320829, before that 322230 (淮阴地区).
        assert [tuple(row) for row in lineage] == [
            ("320829", "earlier", 1),
            ("322230", "earlier", 2),
        ]


def test_0005_backfills_completeness_and_leaves_origin_unknown(
    database_url: str, tmp_path: Path
) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        migrate.upgrade(store.engine, "0004")
        insert_old_report(store)  # one figure only: sections 二 and 四 have none
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO reports (id, county_code, year, agency, county, scope, template, "
                    "title, published_at, content_hash, parser_version, revision, figure_count, "
                    "hard_finding_count, source_id, created_at, updated_at) SELECT 2, "
                    "county_code, 2021, agency, county, scope, template, title, published_at, "
                    "content_hash, parser_version, revision, 0, 0, NULL, created_at, updated_at "
                    "FROM reports WHERE id = 1"
                )
            )

        migrate.upgrade(store.engine, "0005")

        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, completeness FROM reports ORDER BY id")).all()
            statuses = conn.execute(
                text(
                    "SELECT year, status, completeness FROM coverage WHERE year >= 2020 "
                    "AND year <= 2021 ORDER BY year"
                )
            ).all()
        assert [tuple(r) for r in rows] == [(1, "partial"), (2, "metadata_only")]
        assert [tuple(s) for s in statuses] == [
            (2020, "partial", "partial"),
            (2021, "partial", "metadata_only"),
        ]
        migrate.upgrade(store.engine)  # the store writes today's columns
        store.record_document(make_fetch(), make_result())
        with store.engine.connect() as conn:
            origin = conn.execute(text("SELECT origin FROM sources")).scalar_one()
        assert origin == "live"

        migrate.downgrade(store.engine, "0004")

        assert store.counts()["reports"] == 2
        assert "completeness" not in {
            c["name"] for c in inspect(store.engine).get_columns("reports")
        }


def schema_of(engine: Engine) -> dict[str, Any]:
    """Everything the inspector tells of a database's schema (its columns in their order: a
    reader of `SELECT *` depends on it), plus the views' SQL, the version stamp and the
    division table's size."""
    found = inspect(engine)
    tables: dict[str, Any] = {}
    for name in found.get_table_names():
        tables[name] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in found.get_columns(name)
            ],
            "primary key": found.get_pk_constraint(name),
            "foreign keys": sorted(map(repr, found.get_foreign_keys(name))),
            "unique": sorted(map(repr, found.get_unique_constraints(name))),
            "indexes": sorted(
                # A partial index's WHERE comes back as a TextClause: compared by its SQL.
                repr({**index, "dialect_options": {k: str(v) for k, v in opts.items()}})
                for index in found.get_indexes(name)
                for opts in [index.get("dialect_options", {})]
            ),
            "checks": sorted(map(repr, found.get_check_constraints(name))),
            "options": found.get_table_options(name),
        }
    views = {name: found.get_view_definition(name) for name in found.get_view_names()}
    with engine.connect() as conn:
        rows = {
            table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
            for table in ("divisions", "division_links", "alembic_version")
        }
    return {"tables": tables, "views": views, "rows": rows, "at": migrate.current_revision(engine)}


def test_a_new_database_is_the_one_the_migrations_make(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with contextlib.ExitStack() as stack:
        if database_url.startswith("sqlite"):
            other_url = f"sqlite:///{tmp_path / 'by-scripts.sqlite3'}"
        else:
            other_url = stack.enter_context(fresh_schema(request.getfixturevalue("postgres_url")))
        new = stack.enter_context(ReportStore(database_url, tmp_path / "blobs"))
        migrated = stack.enter_context(ReportStore(other_url, tmp_path / "blobs"))
        assert migrate.create_new(new.engine)
        migrate.upgrade(migrated.engine, by_scripts=True)

        assert schema_of(new.engine) == schema_of(migrated.engine)
        assert schema_differences(new) == []
        assert migrate.current_revision(new.engine) == migrate.HEAD


def test_an_empty_database_is_made_without_alembic(tmp_path: Path) -> None:
    # A crawl of a new data directory waits for its database before its first request.
    database = tmp_path / "db.sqlite3"
    assert alembic_imported_by_upgrade(database, tmp_path / "blobs") == "[]"
    with ReportStore(f"sqlite:///{database}", tmp_path / "blobs") as store:
        assert migrate.current_revision(store.engine) == migrate.HEAD
        assert schema_differences(store) == []


def test_only_an_empty_database_is_made_new(database_url: str, tmp_path: Path) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        migrate.upgrade(store.engine, "0003")  # an older database: the migrations' to upgrade

        assert not migrate.create_new(store.engine)
        assert migrate.current_revision(store.engine) == "0003"
        store.upgrade()
        assert migrate.current_revision(store.engine) == migrate.HEAD


def division_rows(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT COUNT(*) FROM divisions")).scalar_one(),
            conn.execute(text("SELECT COUNT(*) FROM division_links")).scalar_one(),
        )


def test_a_database_made_without_its_divisions_gets_them_at_its_next_upgrade(
    database_url: str, tmp_path: Path
) -> None:
    # The crawl's store process makes a new database without them and loads them once idle;
    # stopped before then, it leaves them to whoever opens the database next.
    with ReportStore(database_url, tmp_path / "blobs") as store:
        full = ReportStore(f"sqlite:///{tmp_path / 'full.sqlite3'}", tmp_path / "blobs")
        with full:
            migrate.upgrade(full.engine)
            expected = division_rows(full.engine)
        assert expected[0] > 5_000

        migrate.upgrade(store.engine, divisions=False)
        assert migrate.current_revision(store.engine) == migrate.HEAD
        assert division_rows(store.engine) == (0, 0)
        migrate.upgrade(store.engine, divisions=False)  # still left for later
        assert division_rows(store.engine) == (0, 0)

        store.upgrade()
        assert division_rows(store.engine) == expected
        assert migrate.load_missing_divisions(store.engine) == 0  # there: nothing done
        assert division_rows(store.engine) == expected
