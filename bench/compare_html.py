"""Every HTML input's parse, saved and compared: a change to the HTML reader that is meant to
cost less must give the same output, byte for byte, on every page we have.

    .venv/bin/python bench/compare_html.py snapshot before.json   # on the code before
    .venv/bin/python bench/compare_html.py compare before.json    # after: exit 1 on a change

Inputs: every file under tests/ that sniffs as HTML (the fixture webs, the format fixtures),
the bench corpus (`bench_parser`'s 4 seeds and 12 synthetic reports), the seeds rendered as
UTF-8 and GBK pages, and the pages the tests build in code, if recorded first:

    OGI_RECORD_HTML=/tmp/html-inputs .venv/bin/pytest -p bench.compare_html -n 0 tests/reportparser
    .venv/bin/python bench/compare_html.py snapshot before.json --recorded /tmp/html-inputs

For each input: `extract_html` with the default limits and with small ones (budget and table
caps), `extract` (canonical tables) and `parse_bytes` (figures, metadata, findings).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from reportparser import formats, parse_bytes  # noqa: E402
from reportparser.formats import extract  # noqa: E402
from reportparser.formats import html as html_format  # noqa: E402
from reportparser.formats.limits import DEFAULT_LIMITS, Limits  # noqa: E402
from reportparser.formats.sniff import sniff  # noqa: E402

SMALL = Limits(max_text_lines=40, max_text_chars=1500, max_cells=300, max_table_cols=6)
_NOT_PAGES = {".py", ".http", ".pyc", ".json", ".md", ".content-type", ".pdf", ".docx", ".doc"}

Input = tuple[bytes, str | None, str]  # data, Content-Type, file name


def _key(data: bytes, content_type: str | None) -> str:
    return hashlib.sha1(data + b"\0" + (content_type or "").encode()).hexdigest()


def _recorded(directory: Path) -> Iterator[Input]:
    for path in sorted(directory.glob("*.bin")):
        content_type = path.with_suffix(".ct").read_text("utf-8") or None
        yield path.read_bytes(), content_type, "page.html"


def _files() -> Iterator[Input]:
    for path in sorted((PROJECT_DIR / "tests").rglob("*")):
        if not path.is_file() or path.suffix in _NOT_PAGES:
            continue
        data = path.read_bytes()
        sidecar = path.with_name(path.name + ".content-type")
        content_type = sidecar.read_text("utf-8").strip() if sidecar.exists() else None
        if sniff(data, filename=path.name, content_type=content_type).format == "html":
            yield data, content_type, path.name


def _rendered() -> Iterator[Input]:
    from bench.bench_parser import build_corpora
    from tests.support.render import render
    from tests.support.spec import SEED_NAMES, seed_spec

    for document in build_corpora(12)[1]:
        yield document.data, None, document.name
    for name in SEED_NAMES:
        for fmt in ("html", "html-gbk"):
            yield render(seed_spec(name), fmt), None, f"{name}.html"


def inputs(recorded: Path | None) -> dict[str, Input]:
    found: dict[str, Input] = {}
    sources = [_files(), _rendered()] + ([_recorded(recorded)] if recorded else [])
    for source in sources:
        for data, content_type, name in source:
            found.setdefault(_key(data, content_type), (data, content_type, name))
    return found


def _document(data: bytes, content_type: str | None, name: str, limits: Limits | None) -> str:
    """What the reader gives (`extract_html` with `limits`, else `extract`), failures included."""
    try:
        if limits is None:
            return repr(extract(data, filename=name, content_type=content_type))
        return repr(html_format.extract_html(data, content_type, limits))
    except Exception as exc:  # the comparison is of behaviour, failures included
        return f"{type(exc).__name__}: {exc}"


def snapshot(pages: dict[str, Input]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, (data, content_type, name) in sorted(pages.items()):
        result = parse_bytes(data, filename=name, content_type=content_type)
        out[key] = {
            "extract_html": _document(data, content_type, name, DEFAULT_LIMITS),
            "small": _document(data, content_type, name, SMALL),
            "extract": _document(data, content_type, name, None),
            "parse": json.dumps(result.to_json(), ensure_ascii=False, sort_keys=True)
            + repr(result.inferred),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("mode", choices=("snapshot", "compare"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--recorded", type=Path, help="inputs recorded from the tests")
    args = parser.parse_args(argv)
    pages = inputs(args.recorded)
    now = snapshot(pages)
    if args.mode == "snapshot":
        args.file.write_text(json.dumps(now, ensure_ascii=False, indent=0), "utf-8")
        print(f"{len(now)} HTML inputs saved to {args.file}")
        return 0
    before: dict[str, dict[str, str]] = json.loads(args.file.read_text("utf-8"))
    differ = [key for key in before if key in now and before[key] != now[key]]
    missing = [key for key in before if key not in now]
    print(f"compared {len(now)} HTML inputs: {len(differ)} differ, {len(missing)} missing")
    for key in differ[:5]:
        for field, value in now[key].items():
            if before[key][field] != value:
                print(f"{key} {field}\n  before: {before[key][field][:800]}")
                print(f"  after:  {value[:800]}")
    return 1 if differ or missing else 0


# As a pytest plugin (`-p bench.compare_html`, OGI_RECORD_HTML=DIR): every page a test hands
# the HTML reader is saved, so that the pages tests build in code are compared too.
_RECORD = os.environ.get("OGI_RECORD_HTML")
if _RECORD and __name__ != "__main__":
    _record_dir = Path(_RECORD)
    _record_dir.mkdir(parents=True, exist_ok=True)
    _read_html = html_format.extract_html

    def _recording(data: bytes, content_type: str | None, limits: Limits) -> Any:
        key = _key(data, content_type)
        if not (_record_dir / f"{key}.bin").exists():
            (_record_dir / f"{key}.bin").write_bytes(data)
            (_record_dir / f"{key}.ct").write_text(content_type or "", "utf-8")
        return _read_html(data, content_type, limits)

    html_format.extract_html = _recording
    formats._EXTRACTORS["html"] = _recording

if __name__ == "__main__":
    sys.exit(main())
