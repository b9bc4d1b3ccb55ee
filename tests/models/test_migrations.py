"""Alembic migrations: they build exactly the models' schema, and older databases upgrade."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from crawler.counties import BY_SLUG
from models import migrate
from models.schema import VIEW_NAMES, metadata
from models.store import ReportStore
from tests.models.build import make_fetch, make_result


def schema_differences(store: ReportStore) -> list[object]:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs: list[object] = compare_metadata(context, metadata)
    return diffs


def test_migrations_build_exactly_the_models(database_url: str, tmp_path: Path) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        assert migrate.current_revision(store.engine) is None

        store.upgrade()

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


def test_older_database_upgrades_and_keeps_its_data(database_url: str, tmp_path: Path) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        # The store's writer writes today's columns: the data is written at the head, then the
        # schema taken back to 0001 with it (the way a database of 0001 holds it).
        store.upgrade()
        store.record_document(make_fetch(), make_result())
        migrate.downgrade(store.engine, "0001")
        assert migrate.current_revision(store.engine) == "0001"
        assert "report_headlines" not in inspect(store.engine).get_view_names()

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


def test_pages_from_0002_get_their_county_and_no_content_type(
    database_url: str, tmp_path: Path
) -> None:
    with ReportStore(database_url, tmp_path / "blobs") as store:
        migrate.upgrade(store.engine, "0002")
        store.sync_counties([BY_SLUG["yanchi"], BY_SLUG["jingyuan"]])
        # A document as 0002 stored it (today's writer writes columns 0002 did not have).
        with store.engine.begin() as conn:
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
