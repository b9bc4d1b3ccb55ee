"""`scrapy reparse`: re-parse stored seed documents offline and print what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.store import ReportStore
from reportparser.api import PARSER_VERSION
from tests.models.build import run_command
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
