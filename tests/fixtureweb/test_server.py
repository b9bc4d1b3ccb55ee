"""Served copies of the fixture web and `change_report`, as the incremental crawl test uses them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from reportparser.api import parse_bytes
from tests.fixtureweb.build import FIXTURE_WEB, MANIFEST
from tests.fixtureweb.server import bump_figures, change_report, served_copy
from tests.support.http import fetch as fetch_url
from tests.support.spec import seed_spec

CHANGED = "yanchi-2022-county"
MOVED = [
    f"requests.{row}.{column}"
    for row in ("new", "disclosed", "handled_total")
    for column in ("natural_person", "total")
]


def fetch(base: str, url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """`url` of the real web, asked of the fixture server at `base`."""
    return fetch_url(f"{base}/{url.split('://', 1)[1]}", **headers)


def record_of(manifest: dict[str, Any], report_id: str) -> dict[str, Any]:
    return next(r for r in manifest["reports"] if r["id"] == report_id)


def test_served_copy_serves_the_bundled_web_and_logs(tmp_path: Path) -> None:
    with served_copy(tmp_path) as web:
        assert web.root == (tmp_path / "web").resolve()
        home = "https://www.yanchi.gov.cn/"
        status, _, body = fetch(web.url, home)
        assert status == 200
        assert body == (FIXTURE_WEB / "www.yanchi.gov.cn" / "index.html").read_bytes()
        fetch(web.url, "https://www.tongxin.gov.cn/")
        assert web.fetched() == [home, "https://www.tongxin.gov.cn/"]
        assert web.fetched(status=412) == ["https://www.tongxin.gov.cn/"]
        web.clear_log()
        assert web.fetched() == []
        assert web.manifest == json.loads((FIXTURE_WEB / MANIFEST).read_text("utf-8"))


def test_change_report_republishes_one_report_and_nothing_else(tmp_path: Path) -> None:
    with served_copy(tmp_path) as web:
        before = record_of(web.manifest, CHANGED)
        list_url = before["listed_in"]
        other_list = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/zfbm/list.html"
        _, list_headers, _ = fetch(web.url, list_url)
        _, other_headers, _ = fetch(web.url, other_list)
        _, page_headers, _ = fetch(web.url, before["page"])

        changed = web.change_report(CHANGED)

        assert sorted(changed["changed_files"]) == sorted(
            [
                MANIFEST,
                before["page"].split("://", 1)[1],
                "www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/list.html",
            ]
        )
        assert changed["page"] == before["page"]  # the URL stays
        assert changed["listed_at"] == "2023-02-17"
        assert changed["published_at"] == "2023-02-17"
        assert {k: changed["figures"][k] - before["figures"][k] for k in MOVED} == dict.fromkeys(
            MOVED, 1
        )
        unchanged = {k for k in before["figures"] if k not in MOVED}
        assert all(changed["figures"][k] == before["figures"][k] for k in unchanged)
        assert record_of(web.manifest, CHANGED) == {
            k: v for k, v in changed.items() if k != "changed_files"
        }

        web.clear_log()
        assert fetch(web.url, other_list, If_None_Match=other_headers["ETag"])[0] == 304
        assert fetch(web.url, list_url, If_None_Match=list_headers["ETag"])[0] == 200
        status, _, page = fetch(
            web.url, before["page"], If_Modified_Since=page_headers["Last-Modified"]
        )
        assert status == 200
        _, _, listing = fetch(web.url, list_url)
        assert b"<span>2023-02-17</span>" in listing
        assert [r.conditional for r in web.requests] == [True, True, True, False]

    result = parse_bytes(page, filename="t.html")
    assert result.status == "report"
    assert {k: result.figures[k] for k in MOVED} == {k: changed["figures"][k] for k in MOVED}
    assert result.meta is not None
    assert result.meta.published_at == dt.date(2023, 2, 17)
    # The committed tree was never touched.
    assert record_of(json.loads((FIXTURE_WEB / MANIFEST).read_text("utf-8")), CHANGED) == before


@pytest.mark.slow
@pytest.mark.libreoffice
def test_change_report_renders_its_attachments_again(tmp_path: Path) -> None:
    with served_copy(tmp_path) as web:
        before = record_of(web.manifest, "yanchi-2021-county")
        changed = web.change_report("yanchi-2021-county", amount=5)
    paths = [s["url"].split("://", 1)[1] for s in before["sources"]]
    assert set(paths) <= set(changed["changed_files"])
    pdf = next(s for s in changed["sources"] if s["format"] == "pdf")
    old_pdf = next(s for s in before["sources"] if s["format"] == "pdf")
    assert pdf["url"] == old_pdf["url"]
    assert pdf["sha256"] != old_pdf["sha256"]
    result = parse_bytes((tmp_path / "web" / paths[1]).read_bytes(), filename="a.pdf")
    assert result.figures["requests.new.total"] == before["figures"]["requests.new.total"] + 5


def test_change_report_refuses_unknown_reports(tmp_path: Path) -> None:
    with served_copy(tmp_path) as web, pytest.raises(KeyError, match="no report 'nope'"):
        change_report(web.root, "nope")


def test_bump_figures_keeps_the_consistency_rules() -> None:
    spec = seed_spec("jingyuan-2021-county")
    bumped = bump_figures(spec, 3)
    for column in ("natural_person", "total"):
        new = bumped.figures[f"requests.new.{column}"]
        carried = bumped.figures[f"requests.carried_over.{column}"]
        handled = bumped.figures[f"requests.handled_total.{column}"]
        forward = bumped.figures[f"requests.carried_forward.{column}"]
        assert new is not None and carried is not None and handled is not None
        assert forward is not None
        assert new + carried == handled + forward
    assert bumped.figures["requests.new.total"] == (spec.figures["requests.new.total"] or 0) + 3
