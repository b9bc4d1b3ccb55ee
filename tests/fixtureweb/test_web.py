"""The bundled fixture web is complete and self-consistent: it is what the builder writes, every
manifest URL exists and is reachable the way a crawler reaches it, every report document parses
to its manifest figures, and the manifest covers the cases the crawler must handle."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.counties import BY_COUNTY_CODE, BY_SLUG
from crawler.mirror import SIDECAR_SUFFIX, HostNotInMirror, resolve
from reportparser.api import parse_bytes
from tests.conftest import SEED_NAMES, load_expected
from tests.fixtureweb import national, variants
from tests.fixtureweb.build import (
    FAMILY_SITES,
    FIXTURE_WEB,
    LARGE_FIRST_YEAR,
    MANIFEST,
    NINGXIA,
    build,
    bundled_tree,
    named_since,
    reusable_attachments,
    tree_files,
)
from tests.fixtureweb.walk import Walk, walk

MANIFEST_DATA: dict[str, Any] = json.loads((FIXTURE_WEB / MANIFEST).read_text("utf-8"))
REPORTS: list[dict[str, Any]] = MANIFEST_DATA["reports"]
# The platform-family sites list their documents in XML records, JSON and search results, which
# this static walk does not read: their reachability is what tests/crawler/test_families.py
# proves, by crawling them.
FAMILY_COUNTIES = frozenset(family.COUNTY.slug for family in FAMILY_SITES)
CRAWLED = [
    slug
    for slug, c in MANIFEST_DATA["counties"].items()
    if c["status"] in {"ok", "found via search"} and slug not in FAMILY_COUNTIES
]


def file_of(url: str) -> Path:
    return FIXTURE_WEB / url.split("://", 1)[1]


@pytest.fixture(scope="module")
def walks() -> dict[str, Walk]:
    return {slug: walk(FIXTURE_WEB, BY_SLUG[slug]) for slug in CRAWLED}


def test_committed_tree_is_exactly_what_the_builder_writes() -> None:
    tree, manifest = bundled_tree(reuse=reusable_attachments(FIXTURE_WEB))
    expected = tree_files(tree, manifest)
    on_disk = {
        p.relative_to(FIXTURE_WEB).as_posix(): p.read_bytes()
        for p in FIXTURE_WEB.rglob("*")
        if p.is_file()
    }
    assert sorted(on_disk) == sorted(expected)
    stale = [name for name, data in expected.items() if on_disk[name] != data]
    assert stale == [], "run `python -m tests.fixtureweb.build` and commit tests/fixtures/web"


def test_the_tree_stays_modest() -> None:
    size = sum(p.stat().st_size for p in FIXTURE_WEB.rglob("*") if p.is_file())
    assert size < 7_000_000  # 6.3 MB with every platform family's and variant site


# -- Reachability -------------------------------------------------------------------------------


def test_every_manifest_document_is_reachable_from_its_home_page(walks: dict[str, Walk]) -> None:
    for record in REPORTS:
        if record["county"] in FAMILY_COUNTIES:
            continue
        seen = walks[record["county"]].status
        urls = [s["url"] for s in record["sources"]] + ([record["page"]] if record["page"] else [])
        for url in urls:
            assert seen.get(url) == 200, f"{record['id']}: {url} not reached"
            assert file_of(url).is_file()
    for document in MANIFEST_DATA["not_reports"]:
        if document["county"] in FAMILY_COUNTIES:
            continue
        assert walks[document["county"]].status.get(document["url"]) == 200, document


def test_broken_links_are_linked_and_answer_404(walks: dict[str, Walk]) -> None:
    assert MANIFEST_DATA["broken_links"]
    for broken in MANIFEST_DATA["broken_links"]:
        assert walks[broken["county"]].status.get(broken["url"]) == 404


def test_never_fetch_links_are_linked_but_not_followed(walks: dict[str, Walk]) -> None:
    walked = [i for i in MANIFEST_DATA["never_fetch"] if i["county"] not in FAMILY_COUNTIES]
    reasons = Counter(item["reason"] for item in walked)
    assert reasons == {"robots.txt": 1, "off-site link": 1, "site mismatch": 1, "sidebar file": 1}
    for item in walked:
        if item["reason"] == "sidebar file":
            # Beside a report page's body: a careful walker follows it, the spider must not.
            assert item["url"] in walks[item["county"]].links
            assert resolve(FIXTURE_WEB, "GET", item["url"]).status == 200
            continue
        if item["reason"] == "site mismatch":
            # A report on a site that is not the county's: a crawl stops at the home page.
            assert resolve(FIXTURE_WEB, "GET", item["url"]).status == 200
            continue
        visit = walks[item["county"]]
        assert item["url"] in visit.links
        assert item["url"] not in visit.status
        # The page exists in the mirror: a crawler that followed the link would get a report.
        assert resolve(FIXTURE_WEB, "GET", item["url"]).status == 200


def test_no_county_page_is_an_orphan(walks: dict[str, Walk]) -> None:
    served = set().union(*(w.files for w in walks.values()))
    unlinked_on_purpose = {
        "www.yanchi.gov.cn/preview/xxgk/zfxxgknb/xrmzf/202301/t20230116_draft.html",
        "www.yanchi.gov.cn/robots.txt",
        "www.nxjy.gov.cn/robots.txt",
        "www.pengyang.gov.cn/robots.txt",
        "www.putuo.gov.cn/robots.txt",
        "www.hongze.gov.cn/robots.txt",
        "www.lax.gov.cn/robots.txt",
        "www.zhongmu.gov.cn/robots.txt",
        "www.pengyang.gov.cn/irs/front/search-index.json",  # read by the search route
    }
    orphans = sorted(
        path.relative_to(FIXTURE_WEB).as_posix()
        for slug in CRAWLED
        for path in (FIXTURE_WEB / BY_SLUG[slug].site).rglob("*")
        if path.is_file() and not path.name.endswith(SIDECAR_SUFFIX) and path not in served
    )
    assert [o for o in orphans if o not in unlinked_on_purpose] == []


def test_pengyang_reports_are_found_only_through_the_search(walks: dict[str, Walk]) -> None:
    visit = walks["pengyang"]
    pengyang = [r for r in REPORTS if r["county"] == "pengyang"]
    assert pengyang
    for record in pengyang:
        assert record["page"] in visit.searched
        assert record["page"] not in visit.links  # no page links it


def test_blocked_and_unreachable_counties() -> None:
    tongxin = BY_SLUG["tongxin"]
    for path in ("/", "/robots.txt", "/xxgk/"):
        answer = resolve(FIXTURE_WEB, "GET", f"https://{tongxin.site}{path}")
        assert answer.status == 412
        assert len(answer.body) < 512
        assert b"document.cookie" in answer.body
    for slug, described in MANIFEST_DATA["counties"].items():
        county, status = BY_SLUG[slug], described["status"]
        if status == "unreachable":
            with pytest.raises(HostNotInMirror):
                resolve(FIXTURE_WEB, "GET", county.start_url)
        else:
            assert (FIXTURE_WEB / county.site).is_dir()


# -- The manifest -----------------------------------------------------------------------------


def test_manifest_statuses() -> None:
    statuses = {slug: c["status"] for slug, c in MANIFEST_DATA["counties"].items()}
    described = {c.slug for c in (*NINGXIA, *national.COUNTIES, *variants.COUNTIES)}
    assert sorted(statuses) == sorted(described | FAMILY_COUNTIES)
    assert {statuses[slug] for slug in FAMILY_COUNTIES} == {"ok"}
    assert {
        s: statuses[s] for s in ("yanchi", "jingyuan", "helan", "pengyang", "tongxin", "haiyuan")
    } == {
        "yanchi": "ok",
        "jingyuan": "ok",
        "helan": "ok",
        "pengyang": "found via search",
        "tongxin": "blocked",
        "haiyuan": "unreachable",
    }
    assert Counter(statuses.values())["unreachable"] == len(NINGXIA) - 5
    assert {c.code: statuses[c.slug] for c in national.COUNTIES} == {
        "310107": "ok",
        "330903": "site mismatch",  # the same host as 310107, whose SiteIDCode it carries
        "320813": "ok",
        "622926": "site mismatch",
    }
    assert {c.code: statuses[c.slug] for c in variants.COUNTIES} == {
        "450123": "ok",  # TRS variants
        "410122": "ok",  # generic
        "520111": "blocked",  # a WAF's 405
    }


def test_manifest_reports_are_unique_by_the_dedup_key() -> None:
    keys = Counter((r["county_code"], r["year"], r["agency"]) for r in REPORTS)
    assert [k for k, n in keys.items() if n > 1] == []
    assert len({r["id"] for r in REPORTS}) == len(REPORTS)


def test_seed_reports_carry_their_ground_truth() -> None:
    by_id = {r["id"]: r for r in REPORTS}
    assert set(SEED_NAMES) <= set(by_id)
    for name in SEED_NAMES:
        expected = load_expected(name)
        record = by_id[name]
        for key in ("county_code", "year", "agency", "scope", "template"):
            assert record[key] == expected["meta"][key]
        optional = set(expected.get("optional", ()))
        assert {k: v for k, v in record["figures"].items() if k not in optional} == {
            k: v for k, v in expected["figures"].items() if k not in optional
        }


@pytest.mark.parametrize("slug", ["yanchi", "jingyuan", "helan"])
def test_full_counties_have_years_departments_and_townships(slug: str) -> None:
    reports = [r for r in REPORTS if r["county"] == slug]
    assert len({r["year"] for r in reports if r["scope"] == "county"}) >= 3
    assert {r["template"] for r in reports} == {"2019", "2021"}
    departments = [r for r in reports if r["scope"] == "department"]
    assert any(not r["agency"].endswith(("乡人民政府", "镇人民政府")) for r in departments)
    assert any(r["agency"].endswith(("乡人民政府", "镇人民政府")) for r in departments)


def test_every_document_form_is_present() -> None:
    def forms(record: dict[str, Any]) -> str:
        formats = [s["format"] for s in record["sources"]]
        if record["page"] is None:
            return "direct:" + "+".join(formats)
        if formats[0] == "html":
            return "inline" + ("+attachment" if len(formats) > 1 else "")
        return "attachment-only"

    assert Counter(forms(r) for r in REPORTS).keys() >= {
        "inline",
        "inline+attachment",
        "attachment-only",
        "direct:pdf",
    }
    formats = Counter(s["format"] for r in REPORTS for s in r["sources"])
    assert formats.keys() == {"html", "pdf", "docx", "doc", "wps"}


def test_source_hashes_match_the_files() -> None:
    for record in REPORTS:
        for source in record["sources"]:
            data = file_of(source["url"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == source["sha256"]


def test_special_pages_are_what_they_claim() -> None:
    sidecars = list(FIXTURE_WEB.rglob(f"*{SIDECAR_SUFFIX}"))
    charsets = [
        json.loads(p.read_text("utf-8")).get("headers", {}).get("Content-Type") for p in sidecars
    ]
    assert "text/html; charset=gbk" in charsets
    page = next(p for p in sidecars if "charset=gbk" in p.read_text("utf-8"))
    html = page.with_name(page.name.removesuffix(SIDECAR_SUFFIX)).read_bytes()
    assert b'charset=gbk"' in html
    assert "政府信息公开工作年度报告".encode("gbk") in html
    with pytest.raises(UnicodeDecodeError):
        html.decode("utf-8")
    redirect = resolve(FIXTURE_WEB, "GET", "https://www.nxjy.gov.cn/xxgk/")
    assert (redirect.status, redirect.header("Location")) == (302, "/xxgk_13518/")
    onclick = [
        p
        for p in (FIXTURE_WEB / "www.nxjy.gov.cn").rglob("t*.html")
        if b"window.open(" in p.read_bytes()
    ]
    assert onclick


# -- Every report document parses to its manifest figures ---------------------------------------


def _cases(formats: set[str]) -> list[Any]:
    cases = []
    for record in REPORTS:
        for source in record["sources"]:
            if source["format"] not in formats:
                continue
            marks = []
            if source["format"] in {"doc", "wps", "pdf"}:
                marks.append(pytest.mark.slow)
            cases.append(
                pytest.param(record, source, id=f"{record['id']}-{source['format']}", marks=marks)
            )
    return cases


def check_parse(record: dict[str, Any], source: dict[str, Any]) -> None:
    path = file_of(source["url"])
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    content_type = None
    if sidecar.is_file():
        content_type = json.loads(sidecar.read_text("utf-8"))["headers"]["Content-Type"]
    result = parse_bytes(path.read_bytes(), filename=path.name, content_type=content_type)
    assert result.status == "report", result
    meta = result.meta
    assert meta is not None
    got = {k: getattr(meta, k) for k in ("county_code", "year", "agency", "scope", "template")}
    assert got == {k: record[k] for k in got}
    optional = set(record["optional"])
    figures = dict(result.figures)
    assert {k: figures.get(k) for k in record["figures"] if k not in optional} == {
        k: v for k, v in record["figures"].items() if k not in optional
    }
    assert set(figures) <= set(record["figures"])


@pytest.mark.parametrize(("record", "source"), _cases({"html"}))
def test_inline_report_pages_parse_to_their_figures(
    record: dict[str, Any], source: dict[str, Any]
) -> None:
    check_parse(record, source)


@pytest.mark.libreoffice
@pytest.mark.parametrize(("record", "source"), _cases({"pdf", "docx", "doc", "wps"}))
def test_report_attachments_parse_to_their_figures(
    record: dict[str, Any], source: dict[str, Any]
) -> None:
    check_parse(record, source)


# -- The large generated web --------------------------------------------------------------------


def test_large_web_has_every_county_and_the_asked_size(tmp_path: Path) -> None:
    manifest = build(tmp_path / "large", scale=3)
    assert manifest["kind"] == "large:3"
    assert Counter(r["county"] for r in manifest["reports"]) == {c.slug: 3 for c in NINGXIA}
    # per county: 3 reports + 3 news on one list page; home and platform; the four other
    # sidebar columns (a list page each, five articles in all)
    assert manifest["pages"] == len(NINGXIA) * (3 + 3 + 1 + 2 + 4 + 5)
    yanchi = walk(tmp_path / "large", BY_SLUG["yanchi"])
    for record in manifest["reports"]:
        if record["county"] == "yanchi":
            assert yanchi.status[record["page"]] == 200
            assert record["figures"] is None
            assert record["spec"]["kind"] == "synthetic"


@pytest.mark.slow
def test_large_web_for_the_benchmark_has_over_5000_pages(tmp_path: Path) -> None:
    manifest = build(tmp_path / "large", scale=120)
    assert manifest["pages"] >= 5000
    assert len(manifest["reports"]) == len(NINGXIA) * 120


def test_large_web_names_a_renamed_division_only_from_the_year_it_bore_the_name(
    tmp_path: Path,
) -> None:
    # 蓬莱区 (370614) took over from 蓬莱市 (370684) in 2020, 孟津区 (410308) from 孟津县 in
    # 2021, 襄都区 (130502) was 桥东区 under the same code until 2020: a report of an earlier
    # year was published under the old name, so the large web makes none.
    renamed = [BY_COUNTY_CODE[code] for code in ("370614", "410308", "130502")]
    assert [named_since(c) for c in renamed] == [2020, 2021, 2020]
    assert named_since(BY_SLUG["yanchi"]) < LARGE_FIRST_YEAR
    manifest = build(tmp_path / "large", scale=3, counties=[*renamed, BY_SLUG["yanchi"]])
    years = {
        slug: sorted(r["year"] for r in manifest["reports"] if r["county"] == slug)
        for slug in ("370614", "410308", "130502", "yanchi")
    }
    assert years == {
        "370614": [2020, 2021, 2022],
        "410308": [2021, 2022, 2023],
        "130502": [2020, 2021, 2022],
        "yanchi": [2019, 2020, 2021],
    }


def test_large_web_gives_a_family_county_its_family_site(tmp_path: Path) -> None:
    # The registry crawls 甘谷县 with the 博达 spider: a TRS-style site would hold nothing it reads.
    boda = next(family for family in FAMILY_SITES if family.COUNTY.code == "620523")
    manifest = build(tmp_path / "large", scale=2, counties=[boda.COUNTY, BY_SLUG["yanchi"]])
    gangu = [r for r in manifest["reports"] if r["county"] == boda.COUNTY.slug]
    bundled = [r for r in REPORTS if r["county"] == boda.COUNTY.slug]
    assert sorted(r["sources"][0]["url"] for r in gangu) == sorted(
        r["sources"][0]["url"] for r in bundled
    )
    assert all("/xxgk/" not in r["page"] for r in gangu)
    assert Counter(r["county"] for r in manifest["reports"])["yanchi"] == 2
