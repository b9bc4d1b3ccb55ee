"""`scrapy reparse`: re-parse stored seed documents offline and print what changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from models.schema import sources_table
from models.store import ReportStore
from reportparser.api import PARSER_VERSION
from reportparser.result import ParseResult
from tests.models.build import make_fetch, run_command
from tests.models.test_reparse import store_seeds


def test_reparse_command(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        store.upgrade()
        store_seeds(store, seeds_dir)

    assert run_command("reparse", ["--county", "yanchi", "--stale-only"], **settings) == 0

    out = capsys.readouterr().out
    assert out.count("new report") == 2  # the two Yanchi seeds
    assert f"2 documents re-parsed with parser {PARSER_VERSION}: new 2;" in out

    assert run_command("reparse", ["--stale-only"], **settings) == 0
    assert "2 documents re-parsed" in capsys.readouterr().out  # Helan and Jingyuan

    assert run_command("reparse", ["--stale-only"], **settings) == 0
    assert "0 documents re-parsed" in capsys.readouterr().out

    assert run_command("reparse", ["--year", "2021"], **settings) == 0
    assert "1 documents re-parsed with parser" in capsys.readouterr().out


def big_table_page(rows: int = 120_000) -> bytes:
    """A page with a table of `rows` rows (some 12 MB): parsing it takes far more than 200 MB."""
    cells = "".join(f"<tr><td>第{n}行</td><td>{n}</td><td>{n * 7}</td></tr>" for n in range(rows))
    return (
        "<html><head><meta charset='utf-8'><title>盐池县2022年政府信息公开工作年度报告</title>"
        f"</head><body><div class='zz-xl-ct'><table>{cells}</table></div></body></html>"
    ).encode()


def test_reparse_parses_in_workers_bounded_by_the_memory_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `reparse` parsed in its own process, without a memory cap: one document could take the
    # machine's memory. It now uses the crawl's workers, their timeout and their memory limit.
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
        "OGI_PARSE_WORKERS": "1",
        "OGI_PARSE_MEMORY": str(200 * 1024**2),
    }
    url = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202301/t20230118_1.html"
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        store.upgrade()
        body = big_table_page()
        store.put_blob(body)
        store.record_document(
            make_fetch(url, body=body), ParseResult("error", "html", reason="not yet parsed")
        )

    assert run_command("reparse", [], **settings) == 0

    assert "1 documents re-parsed" in capsys.readouterr().out
    with (
        ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store,
        store.reader() as conn,
    ):
        status, reason = conn.execute(
            select(sources_table.c.parse_status, sources_table.c.reason)
        ).one()
    assert status == "error"
    assert reason.startswith("over the parser's memory limit (200 MiB, OGI_PARSE_MEMORY)")


def test_reparse_with_blobs_missing_exits_non_zero(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        store.upgrade()
        fetches = store_seeds(store, seeds_dir)
        lost = next(iter(fetches.values()))
        store.blob_path(lost.sha256).unlink()

    assert run_command("reparse", ["--stale-only"], **settings) == 1

    out = capsys.readouterr().out
    assert f"error: {lost.url}: blob {lost.sha256} is not in" in out
    assert out.rstrip().endswith("errors 1")
