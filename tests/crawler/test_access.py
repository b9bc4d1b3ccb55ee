"""WAF pages and JS challenges on byte-exact pages (`tests/fixtures/access/`): each is a refusal
with its reason, never an outage; a plain server error page is neither."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.access import block_reason, waf_brand

ACCESS = Path(__file__).resolve().parents[1] / "fixtures" / "access"
CASES = sorted(ACCESS.glob("*.json"))


def load(spec_path: Path) -> tuple[dict[str, Any], bytes]:
    spec = json.loads(spec_path.read_text("utf-8"))
    return spec, (ACCESS / spec["body"]).read_bytes()


@pytest.mark.parametrize("spec_path", CASES, ids=[p.stem for p in CASES])
def test_refusals_are_named(spec_path: Path) -> None:
    spec, body = load(spec_path)
    assert block_reason(spec["status"], body, spec["headers"]) == spec["expect"]


def test_every_kind_of_page_is_covered() -> None:
    expectations = [load(p)[0]["expect"] for p in CASES]
    assert any(e and e.startswith("WAF page") for e in expectations)
    assert any(e and e.startswith("JS-cookie challenge") for e in expectations)
    assert None in expectations  # a plain 403/405 is not a WAF page


def test_a_gbk_page_names_its_firewall() -> None:
    _, body = load(ACCESS / "chuangyudun-403-gbk.json")
    assert "创宇盾".encode() not in body  # the page is GBK: its name is looked for in both
    assert waf_brand(body) == "创宇盾"


def test_a_report_page_that_mentions_a_firewall_is_no_refusal() -> None:
    body = "<html><body><p>部署网防G01防护系统。</p></body></html>".encode()
    assert block_reason(200, body) is None
    assert block_reason(404, body) is None
    assert block_reason(403, body) == "WAF page (网防G01, HTTP 403)"


def test_the_server_header_names_a_firewall() -> None:
    assert waf_brand(b"<html><body>Forbidden</body></html>", {"Server": "Safedog/4.0"}) == "安全狗"
