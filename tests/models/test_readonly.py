"""A store opened for reading (crawler.cli.open_reader) reads both engines and writes neither."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings
from sqlalchemy.exc import DBAPIError

from crawler.cli import open_reader
from models.store import ReportStore
from tests.models.build import make_fetch, make_result


def test_a_reader_reads_and_never_writes(store: ReportStore, tmp_path: Path) -> None:
    store.record_document(make_fetch(), make_result())
    settings = Settings(
        {"OGI_DATABASE_URL": store.database_url, "OGI_BLOB_DIR": str(tmp_path / "blobs")}
    )

    reader = open_reader(settings)
    try:
        (report,) = reader.reports()
        assert report.meta.year == 2020
        with pytest.raises(DBAPIError, match=r"(?i)read-only|readonly"):
            reader.record_document(make_fetch("https://y/2"), make_result(year=2021))
    finally:
        reader.close()
    assert store.counts()["reports"] == 1
