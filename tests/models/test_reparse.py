"""Re-parsing stored documents: the real parser over the seed reports, and the bookkeeping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.records import FetchRecord
from models.reparse import filename_of, hints_of, reparse
from models.store import ReportStore
from reportparser.result import Hints, ParseResult
from tests.conftest import SEED_NAMES, load_expected
from tests.models.build import FETCHED_AT, figures_for, make_fetch, make_result, snapshot

SEED_COUNTIES = {"helan": "640122", "jingyuan": "640424", "yanchi": "640323"}


def store_seeds(store: ReportStore, seeds_dir: Path) -> dict[str, FetchRecord]:
    """Each seed kept as a blob, recorded as a failed parse by an old parser version."""
    fetches = {}
    for name in SEED_NAMES:
        data = (seeds_dir / f"{name}.txt").read_bytes()
        sha = store.put_blob(data)
        fetch = FetchRecord(
            url=f"https://example.gov.cn/nb/{name}.txt",
            county_code=SEED_COUNTIES[name.split("-")[0]],
            kind="attachment",
            sha256=sha,
            size=len(data),
            fetched_at=FETCHED_AT,
            content_type="text/plain; charset=utf-8",
        )
        failed = ParseResult("error", "text", reason="parser not written yet")
        store.record_document(fetch, failed, parser_version="0.0.0")
        fetches[name] = fetch
    return fetches


def test_reparse_seeds_with_the_real_parser(store: ReportStore, seeds_dir: Path) -> None:
    store_seeds(store, seeds_dir)

    summary = reparse(store)

    assert summary.errors == []
    assert summary.documents == len(SEED_NAMES)
    assert summary.outcomes == {"new": len(SEED_NAMES)}
    for name in SEED_NAMES:
        expected = load_expected(name)
        meta = expected["meta"]
        report = store.report(meta["county_code"], meta["year"], meta["agency"])
        assert report is not None, name
        optional = set(expected.get("optional", ()))
        figures = {k: v for k, v in report.figures.items() if k not in optional}
        assert figures == {k: v for k, v in expected["figures"].items() if k not in optional}
        hard = {f.rule for f in report.findings if not f.rule.startswith("warning.")}
        assert hard == set(expected["findings"]), name
    # Nothing is stale any more, and parsing again changes nothing.
    before = snapshot(store)
    assert reparse(store, stale_only=True).documents == 0
    again = reparse(store)
    assert again.outcomes == {"unchanged": len(SEED_NAMES)}
    assert snapshot(store) == before


def fixed_parser(result: ParseResult) -> Any:
    calls: list[dict[str, Any]] = []

    def parse(data: bytes, **options: Any) -> ParseResult:
        calls.append({"data": data, **options})
        return result

    parse.calls = calls  # type: ignore[attr-defined]
    return parse


def test_reparse_update_keeps_a_revision(store: ReportStore) -> None:
    body = b"<html>report</html>"
    store.put_blob(body)
    fetch = make_fetch("https://a/t20210128_1.html", body=body, hints=Hints(title="盐池县2020年报"))
    store.record_document(fetch, make_result(), parser_version="0.0.1")
    improved = figures_for() | {"requests.new.total": 6, "requests.new.commercial": 1}
    parse = fixed_parser(make_result(figures=improved))

    summary = reparse(store, parse=parse)

    assert summary.outcomes == {"updated": 1}
    assert (summary.figures_changed, summary.findings_added, summary.findings_removed) == (2, 0, 0)
    [call] = parse.calls
    assert call["data"] == body
    assert call["filename"] == "t20210128_1.html"
    assert call["content_type"] == "text/html; charset=utf-8"
    assert call["hints"] == Hints(title="盐池县2020年报")
    report = store.report("640323", 2020, "盐池县人民政府")
    assert report is not None
    assert report.figures == improved
    [revision] = store.revisions(report.id)
    assert (revision["parser_version"], revision["reason"]) == ("0.0.1", "reparsed")
    assert "updated report" in summary.render()
    assert "figures changed 2" in summary.render()


def test_dry_run_says_what_would_change_and_writes_nothing(store: ReportStore) -> None:
    body = b"<html>report</html>"
    store.put_blob(body)
    store.record_document(make_fetch("https://a/t1.html", body=body), make_result())
    other = b"<html>2021</html>"
    store.put_blob(other)
    store.record_document(make_fetch("https://a/t2.html", body=other), make_result(year=2021))
    before = snapshot(store)
    improved = figures_for() | {"requests.new.total": 6, "requests.new.commercial": 1}

    summary = reparse(store, parse=fixed_parser(make_result(figures=improved)), dry_run=True)

    assert snapshot(store) == before
    # t1: the 2020 report would change; t2 parses as the 2020 report too: it exists, updated.
    assert summary.outcomes == {"updated": 2}
    assert summary.figures_changed == 4
    assert summary.render().startswith("updated report")
    assert "dry run, nothing written: 2 documents re-parsed" in summary.render()
    same = reparse(store, parse=fixed_parser(make_result()), dry_run=True)
    assert same.outcomes == {"unchanged": 2}


def test_reparse_selection(store: ReportStore) -> None:
    for url, county, year, version in [
        ("https://y/2019", "640323", 2019, "0.0.1"),
        ("https://y/2020", "640323", 2020, "0.0.1"),
        ("https://j/2020", "640424", 2020, "current"),
    ]:
        store.put_blob(url.encode())
        store.record_document(
            make_fetch(url, county_code=county),
            make_result(county_code=county, year=year),
            parser_version=version,
        )

    def selected(**options: Any) -> list[str]:
        sources = store.stored_sources(parser_version="current", **options)
        return sorted(s.fetch.url for s in sources)

    assert selected() == ["https://j/2020", "https://y/2019", "https://y/2020"]
    assert selected(county_code="640323") == ["https://y/2019", "https://y/2020"]
    assert selected(years=[2020]) == ["https://j/2020", "https://y/2020"]
    assert selected(stale_only=True) == ["https://y/2019", "https://y/2020"]
    assert selected(county_code="640424", stale_only=True) == []
    broken = make_fetch("https://y/404.pdf", body=b"", http_status=404)
    store.record_document(broken, ParseResult("error", "unknown", reason="download failed: 404"))
    assert "https://y/404.pdf" not in selected()


def test_missing_blob_and_parser_crash_are_reported(store: ReportStore) -> None:
    store.record_document(make_fetch("https://a/gone"), make_result())
    before = snapshot(store)

    def crash(data: bytes, **options: Any) -> ParseResult:
        raise AssertionError("bug")

    summary = reparse(store, parse=crash)

    assert len(summary.errors) == 1
    assert "https://a/gone" in summary.errors[0]
    assert "is not in" in summary.errors[0]
    store.put_blob(b"https://a/gone")
    crashed = reparse(store, parse=crash)
    assert crashed.errors == ["https://a/gone: parser crashed: AssertionError: bug"]
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("url", "final_url", "filename"),
    [
        ("https://a/nb/P020210128.pdf", None, "P020210128.pdf"),
        ("https://a/down?id=3", "https://a/files/%E5%B9%B4%E6%8A%A5.docx", "年报.docx"),
        ("https://a/nb/", None, "nb"),
    ],
)
def test_filename_of(url: str, final_url: str | None, filename: str) -> None:
    fetch = make_fetch(url, final_url=final_url)
    assert filename_of(fetch) == filename


def test_hints_from_the_listing_when_none_were_kept() -> None:
    fetch = make_fetch("https://a/1")

    hints = hints_of(fetch)

    assert hints.county_code == "640323"
    assert hints.title == "盐池县2020年政府信息公开工作年度报告"
    assert str(hints.published_at) == "2021-01-28"
    assert hints.url == "https://a/1"


def test_a_corrupt_blob_is_reported_and_never_parsed(store: ReportStore, seeds_dir: Path) -> None:
    fetches = store_seeds(store, seeds_dir)
    reparse(store)
    before = snapshot(store)
    name = SEED_NAMES[0]
    blob = store.blob_path(fetches[name].sha256)
    blob.write_bytes(blob.read_bytes().replace(b"2020", b"2021", 1))  # a flipped digit
    parsed: list[str] = []

    def spy(data: bytes, **kwargs: Any) -> ParseResult:
        parsed.append(kwargs["filename"])
        return ParseResult("error", "text", reason="must not be called for the corrupt one")

    summary = reparse(store, parse=spy)

    assert len(summary.errors) == 1
    assert summary.errors[0].startswith(
        f"{fetches[name].url}: blob {fetches[name].sha256} is corrupt"
    )
    assert f"{name}.txt" not in parsed
    assert len(parsed) == len(SEED_NAMES) - 1
    # Its report is untouched (the others took the spy's error on their sources only).
    assert snapshot(store)["reports"] == before["reports"]


def test_a_document_the_store_refuses_does_not_end_the_run(
    store: ReportStore, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetches = store_seeds(store, seeds_dir)
    refused = fetches[SEED_NAMES[0]].url
    record = store.record_document

    def record_or_refuse(fetch: FetchRecord, result: ParseResult, **kwargs: Any) -> Any:
        if fetch.url == refused:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return record(fetch, result, **kwargs)

    monkeypatch.setattr(store, "record_document", record_or_refuse)

    summary = reparse(store)

    assert summary.errors == [
        f"{refused}: not stored: OverflowError: Python int too large to convert to SQLite INTEGER"
    ]
    assert summary.documents == len(SEED_NAMES) - 1
