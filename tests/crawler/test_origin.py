"""Every crawl records where its bytes came from; rows a mirror wrote are never trusted as
fresh by a crawl of the live sites (nor the other way round)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from scrapy.settings import Settings

from crawler.mirror import crawl_origin
from crawler.services import KnownDocuments
from models.records import Listing
from tests.crawler.components import county_crawler, open_store, report_result, run
from tests.models.build import make_fetch

URL = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
PAGE = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/list.html"
LISTING = Listing("盐池县2021年政府信息公开工作年度报告", "2022-01-25")
WEB = Path(__file__).resolve().parents[1] / "fixtures" / "web"


def test_crawl_origin() -> None:
    assert crawl_origin(Settings()) == "live"
    assert crawl_origin(Settings({"OGI_MIRROR": "/srv/mirror"})) == "mirror:/srv/mirror"
    assert crawl_origin(Settings({"OGI_MIRROR": "http://127.0.0.1:8000"})) == (
        "mirror:http://127.0.0.1:8000"
    )


def remember_from(tmp_path: Path, origin: str) -> None:
    now = dt.datetime.now(dt.UTC)
    with open_store(tmp_path) as store:
        fetch = dataclasses.replace(make_fetch(URL, fetched_at=now, listing=LISTING), origin=origin)
        store.put_blob(URL.encode())
        store.record_document(fetch, report_result())
        store.save_page(PAGE, fetch.sha256, '"v1"', None, now, county_code="640323", origin=origin)


def decide(tmp_path: Path, **settings: str) -> tuple[str, bool]:
    with county_crawler(tmp_path, **settings) as crawler:
        known = KnownDocuments.of(crawler)
        run(known.load("640323"))
        verdict, _state = known.decide("640323", URL, LISTING)
        return verdict, known.page("640323", PAGE) is not None


def test_a_live_crawl_never_trusts_what_a_mirror_served(tmp_path: Path) -> None:
    remember_from(tmp_path, f"mirror:{WEB}")

    assert decide(tmp_path) == ("new", False)  # fetched again, unconditionally
    assert decide(tmp_path, OGI_MIRROR=str(WEB)) == ("fresh", True)  # the same mirror: known


def test_a_mirror_crawl_never_trusts_what_the_live_site_served(tmp_path: Path) -> None:
    remember_from(tmp_path, "live")

    assert decide(tmp_path) == ("fresh", True)
    assert decide(tmp_path, OGI_MIRROR=str(WEB)) == ("new", False)


def test_the_origin_is_stored_and_a_live_fetch_replaces_a_mirrors(tmp_path: Path) -> None:
    remember_from(tmp_path, f"mirror:{WEB}")
    remember_from(tmp_path, "live")

    with open_store(tmp_path) as store:
        (report,) = store.reports()
        assert report.origin == "live"
        assert store.source_states("640323", "live")[URL].sha256 is not None
        assert store.source_states("640323", f"mirror:{WEB}") == {}
