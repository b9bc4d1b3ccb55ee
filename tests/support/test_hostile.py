from __future__ import annotations

import io
import time
import zipfile

import pytest
from lxml import html as lxml_html

from tests.support.hostile import (
    BUILDERS,
    GIB,
    MIB,
    NEEDS_LIBREOFFICE,
    double_encoded,
    hostile_case,
    reordered_page,
    zip_bomb_docx,
)
from tests.support.synth import synthesize


def test_zip_bomb_is_small_quick_and_inflates_past_a_gigabyte() -> None:
    started = time.monotonic()
    bomb = zip_bomb_docx()
    assert time.monotonic() - started < 10
    assert len(bomb) < 4 * MIB
    archive = zipfile.ZipFile(io.BytesIO(bomb))
    names = {info.filename: info for info in archive.infolist()}
    assert set(names) == {"[Content_Types].xml", "_rels/.rels", "word/document.xml"}
    assert names["word/document.xml"].file_size >= GIB
    assert b"wordprocessingml.document.main+xml" in archive.read("[Content_Types].xml")
    with archive.open("word/document.xml") as part:
        head = part.read(300)
    assert head.startswith(b'<?xml version="1.0"') and b"<w:body><w:p><w:r><w:t>" in head


@pytest.mark.slow
def test_zip_bomb_inflates_completely_with_a_valid_crc() -> None:
    archive = zipfile.ZipFile(io.BytesIO(zip_bomb_docx(inflated=64 * MIB)))
    total = 0
    with archive.open("word/document.xml") as part:  # zipfile checks the CRC at the end
        while chunk := part.read(8 * MIB):
            total += len(chunk)
            tail = chunk
    assert total == archive.getinfo("word/document.xml").file_size >= 64 * MIB
    assert tail.endswith(b"</w:t></w:r></w:p></w:body></w:document>")


def test_every_case_is_named_and_builds() -> None:
    for name in BUILDERS:
        if name in NEEDS_LIBREOFFICE:
            continue
        case = hostile_case(name)
        assert case.name == name
        assert case.statuses
        assert case.filename.rsplit(".", 1)[1] in {"pdf", "docx", "html"}


def test_large_files_are_about_fifty_megabytes() -> None:
    assert 50 * MIB <= len(hostile_case("pdf-50mb").data) < 60 * MIB
    page = hostile_case("html-50mb").data
    assert 45 * MIB <= len(page) < 60 * MIB
    assert page.startswith(b"<!DOCTYPE html>")


def test_reordered_page_moves_and_drops_sections() -> None:
    spec = synthesize("2021", 5)
    text = lxml_html.fromstring(reordered_page(spec, (1, 4, 2, 6, 3, 5))).text_content()
    order = [
        text.index(h) for h in ("一、总体情况", "四、政府信息公开", "二、主动公开", "六、其他")
    ]
    assert order == sorted(order)
    tree = lxml_html.fromstring(reordered_page(spec, (1, 3, 5, 6)))
    assert "二、主动公开" not in tree.text_content()
    assert len([t for t in tree.iter("table") if "MsoNormalTable" in t.get("class", "")]) == 1


def test_mojibake_cases() -> None:
    assert double_encoded("盐池县".encode()) == "盐池县".encode().decode("latin-1").encode()
    lying = hostile_case("gbk-declared-utf8").data
    assert b"charset=utf-8" in lying
    with pytest.raises(UnicodeDecodeError):
        lying.decode("utf-8")


@pytest.mark.libreoffice
@pytest.mark.timeout(600)
def test_truncated_pdf_is_half_a_real_pdf() -> None:
    case = hostile_case("truncated-pdf")
    assert case.data.startswith(b"%PDF-")
    assert b"%%EOF" not in case.data


def test_lying_zip_bomb_declares_a_small_size() -> None:
    archive = zipfile.ZipFile(io.BytesIO(hostile_case("docx-zip-bomb-lying-size").data))
    info = archive.getinfo("word/document.xml")
    assert info.file_size == 300 * 1024
    with pytest.raises(zipfile.BadZipFile), archive.open(info) as part:
        part.read()  # zipfile stops at the declared size, then the CRC does not match
