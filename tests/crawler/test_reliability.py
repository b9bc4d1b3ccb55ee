"""Crawls of a fixture web with traps laid in its copy (issue 11): nothing lost, nothing trusted.

- a report page whose table holds an ID number (20 digits) where a count belongs (sidecar):
  the report is stored, that figure null with a finding; `scrapy reparse` gets through it;
- a stored blob with a flipped digit: `scrapy db verify` names it, the next crawl fetches the
  document whole (not as fresh, not with a 304) and the store is intact again, no new revision;
- 贺兰's GBK page served as `charset=ISO-8859-1` (its sidecar): still read, its report stored;
- a DOC attachment that links an image from the fixture server itself: LibreOffice converts it
  during the crawl and the server never sees a request for the image.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from crawler.extensions import EXIT_DEGRADED, EXIT_OK
from crawler.mirror import SIDECAR_SUFFIX
from reportparser.formats.libreoffice import convert
from tests.crawler.crawls import PROJECT_DIR, SCRAPY, crawl_env, crawlall, open_store
from tests.fixtureweb.server import ServedWeb, served_copy
from tests.support.linked import linked_image_odt

YANCHI = "640323"
ID_NUMBER = "64032319800101123400"
PAGE_2022 = "www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202301/t20230118_3917580.html"
PAGE_2020 = "www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202101/t20210128_3809580.html"
PAGE_HELAN_GBK = "www.nxhl.gov.cn/xxgk_7799/xxgknb_7812/202001/t20200122_3753780.html"
DOC_2022 = "www.yanchi.gov.cn/xxgk/zfxxgknb/xzrmzf/hmcz/202302/P020230208920730000001.doc"
PROBE = "ssrf-probe.png"


def scrapy(data: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SCRAPY, *argv],
        cwd=PROJECT_DIR,
        env=crawl_env(data),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def plant_id_number(web: ServedWeb) -> None:
    """The 2022 report's first 本年新收 cell (11707) becomes an ID number, served by a sidecar."""
    page = web.root / PAGE_2022
    html = page.read_text("utf-8")
    start = html.index("本年新收")
    cell = html.index(">11707<", start)
    html = html[:cell] + f">{ID_NUMBER}<" + html[cell + len(">11707<") :]
    sidecar = page.with_name(page.name + SIDECAR_SUFFIX)
    sidecar.write_text(
        json.dumps({"headers": {"Content-Type": "text/html; charset=utf-8"}, "body": html}),
        "utf-8",
    )


def serve_gbk_as_latin(web: ServedWeb) -> None:
    sidecar = web.root / f"{PAGE_HELAN_GBK}{SIDECAR_SUFFIX}"
    assert "charset=gbk" in sidecar.read_text("utf-8")
    sidecar.write_text(
        json.dumps({"headers": {"Content-Type": "text/html; charset=ISO-8859-1"}}), "utf-8"
    )


def plant_linked_doc(web: ServedWeb) -> None:
    """yanchi's 花马池镇 DOC becomes one whose image is linked from the fixture server."""
    odt = linked_image_odt(f"{web.url}/{PROBE}")
    (web.root / DOC_2022).write_bytes(convert(odt, source_suffix=".odt", target="doc"))


def flip_a_digit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    at = data.index(b"2020")
    data[at + 3] = ord("1")
    path.write_bytes(bytes(data))


@pytest.mark.timeout(600)
def test_oversized_number_corrupt_blob_latin_gbk_and_linked_image(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_copy(tmp_path) as web:
        plant_id_number(web)
        serve_gbk_as_latin(web)
        plant_linked_doc(web)
        url_2022 = f"https://{PAGE_2022}"
        url_2020 = f"https://{PAGE_2020}"
        helan_2019 = next(r for r in web.manifest["reports"] if r["id"] == "helan-2019-county")

        first = crawlall(data, web.url, only=("yanchi", "helan"))
        assert first.returncode in (EXIT_OK, EXIT_DEGRADED), first.stdout + first.stderr[-3000:]
        assert f"https://{DOC_2022}" in web.fetched(status=200)
        assert [r.url for r in web.requests if PROBE in r.url] == []

        with open_store(data) as store:
            gbk = store.report("640122", 2019, "贺兰县人民政府")
            assert gbk is not None, first.stdout
            optional = set(helan_2019["optional"])
            assert {k: v for k, v in gbk.figures.items() if k not in optional} == {
                k: v for k, v in helan_2019["figures"].items() if k not in optional
            }
            doc = store.source_states(YANCHI)[f"https://{DOC_2022}"]
            assert doc.status in ("not_report", "new"), doc

        with open_store(data) as store:
            report = store.report(YANCHI, 2022, "盐池县人民政府")
            assert report is not None, first.stdout
            assert report.figures["requests.new.natural_person"] is None
            assert report.figures["requests.new.commercial"] == 8689
            messages = [f.message for f in report.findings if "implausible" in f.rule]
            assert len(messages) == 1 and ID_NUMBER in messages[0]
            sources = store.source_states(YANCHI)
            assert sources[url_2022].report_id == report.id
            old = store.report(YANCHI, 2020, "盐池县人民政府")
            assert old is not None
            revision = old.revision
            blob = store.blob_path(sources[url_2020].sha256 or "")

        reparsed = scrapy(data, "reparse", "--county", "yanchi")
        assert reparsed.returncode == 0, reparsed.stdout + reparsed.stderr[-3000:]
        assert "errors 0" in reparsed.stdout

        flip_a_digit(blob)
        verify = scrapy(data, "db", "verify")
        assert verify.returncode == 1, verify.stdout + verify.stderr[-3000:]
        bad = [line for line in verify.stdout.splitlines() if line.startswith("corrupt ")]
        assert len(bad) == 1 and blob.name in bad[0] and url_2020 in bad[0]
        # reparse never parses it: an error, and the stored report is kept as it was.
        reparsed = scrapy(data, "reparse", "--county", "yanchi")
        assert reparsed.returncode == 1
        assert f"{url_2020}: blob {blob.name} is not in" in reparsed.stdout

        web.clear_log()
        second = crawlall(data, web.url, only=("yanchi",))
        assert second.returncode in (EXIT_OK, EXIT_DEGRADED), second.stdout + second.stderr[-3000:]
        assert url_2020 in web.fetched(status=200, conditional=False)
        verify = scrapy(data, "db", "verify")
        assert verify.returncode == 0, verify.stdout
        with open_store(data) as store:
            again = store.report(YANCHI, 2020, "盐池县人民政府")
            assert again is not None and again.revision == revision
