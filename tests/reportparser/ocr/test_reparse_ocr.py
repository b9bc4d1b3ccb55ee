"""`scrapy reparse --ocr`: the scans a crawl left at needs_ocr are read and stored as reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from models.records import FetchRecord
from models.reparse import reparse
from models.schema import sources_table
from models.store import ReportStore
from reportparser import parse_bytes
from reportparser.ocr import OcrOptions
from tests.models.build import run_command
from tests.reportparser.ocr.scans import report_spec, scanned

SCAN = ("synthetic-2021-1", 150, "pdf")


def _store_scan(store: ReportStore) -> FetchRecord:
    data = scanned(*SCAN)
    fetch = FetchRecord(
        url="https://www.yanchi.gov.cn/xxgk/nb/P020250120.pdf",
        county_code="640323",
        kind="attachment",
        sha256=store.put_blob(data),
        size=len(data),
        fetched_at=dt.datetime(2025, 1, 21, tzinfo=dt.UTC),
        content_type="application/pdf",
    )
    # What a crawl stores: the parse without OCR, deferred.
    deferred = parse_bytes(data, filename="P020250120.pdf")
    assert deferred.status == "needs_ocr"
    store.record_document(fetch, deferred)
    return fetch


@pytest.mark.timeout(900)  # one OCR'd report: seconds on an idle machine, minutes on a busy one
def test_reparse_ocr_reads_deferred_scans(tmp_path: Path) -> None:
    with ReportStore(f"sqlite:///{tmp_path / 'ogi.sqlite3'}", tmp_path / "blobs") as store:
        store.upgrade()
        _store_scan(store)

        assert reparse(store).documents == 1  # without --ocr: parsed again, still deferred
        summary = reparse(store, ocr=OcrOptions())

        assert summary.errors == []
        assert summary.outcomes == {"new": 1}
        [report] = store.reports()
        assert report.meta.agency == report_spec(SCAN[0]).meta.agency
        with store.reader() as conn:
            row = conn.execute(select(sources_table)).one()
        assert row.parse_status == "report"
        assert row.engine.startswith("rapidocr")
        assert 0.6 <= row.ocr_confidence <= 1

        assert reparse(store, ocr=OcrOptions()).documents == 0  # nothing left to read


@pytest.mark.timeout(600)
def test_reparse_command_ocr_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
        "OGI_OCR_TIMEOUT": "0",
    }
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        store.upgrade()
        _store_scan(store)

    # A zero budget: the document stays needs_ocr, with the reason, and is not lost.
    assert run_command("reparse", ["--ocr"], **settings) == 0
    assert "1 documents re-parsed" in capsys.readouterr().out
    with (
        ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store,
        store.reader() as conn,
    ):
        row = conn.execute(select(sources_table)).one()
    assert row.parse_status == "needs_ocr"
    assert "OCR stopped" in row.reason
