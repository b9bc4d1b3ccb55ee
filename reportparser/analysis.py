"""From an `ExtractedDocument` to a `ParseResult`: the pure figure and metadata logic.

`analyse` is format-blind: it sees paragraphs and tables. Tables with a readable structure are
read by their header and row labels (`gridtable`); running text and tables whose structure was
lost are read as a token stream (`texttable`); `rules` places lost cells and checks the
consistency rules; `meta` and `prose` do the rest.

Work is capped so that a huge or hostile document costs bounded time: only the first
`MAX_LINES` lines and `MAX_CHARS` characters of text and the first `MAX_TABLES` tables are looked
at. Real reports are 10–100 thousand characters long. Nothing is dropped silently: a line longer
than `MAX_LINE_CHARS` (a page whose whole body is one element) is read whole, in pieces cut at its
sentences, and whatever a cap leaves unread (or the extractor did not read: `cuts`) is named by a
`warning.truncated` finding.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from reportparser import genre
from reportparser import meta as metadata
from reportparser.document import ExtractedDocument, Paragraph, Table, cell_fields
from reportparser.gridtable import read_table
from reportparser.legacy import statistics_figures
from reportparser.plausible import screen_figures, screen_readings
from reportparser.prose import legacy_figures, prose_findings
from reportparser.readings import RowReading
from reportparser.result import FigureValue, Finding, Hints, ParseResult, ReportMeta
from reportparser.rules import assemble
from reportparser.texttable import build_stream, read_active, read_appeals, read_requests
from reportparser.values import squash
from reportparser.vocabulary import (
    ACTIVE_ROWS,
    APPEAL_ROWS,
    OTHER_ROWS,
    RECOGNISED_REQUEST_ROWS,
    TEMPLATE_OTHER_FORM,
    OtherForm,
    figure_keys,
    request_rows,
)

MAX_LINES: Final = 20_000
MAX_CHARS: Final = 1_000_000
MAX_LINE_CHARS: Final = 5_000
MAX_TABLES: Final = 200
_HEAD_CHARS: Final = 3_000
_TEXT: Final = cell_fields("text")  # map(_TEXT, cells): a C loop over a table's cells

_SECTION_NAMES: Final = {
    "active": "二 主动公开政府信息情况",
    "requests": "三 收到和处理政府信息公开申请情况",
    "appeals": "四 行政复议、行政诉讼情况",
}


@dataclass(slots=True)
class _View:
    """The capped document: non-blank paragraph lines and tables in reading order, and what
    the caps left unread."""

    entries: list[str | Table] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    cuts: list[str] = field(default_factory=list)


def _table_lines(table: Table) -> list[str]:
    lines: list[str] = []
    for row in table.grid():
        seen: set[int] = set()
        parts: list[str] = []
        for cell in row:
            if cell is not None and id(cell) not in seen:
                seen.add(id(cell))
                parts.append(cell.text.replace("\t", " ").replace("\n", " "))
            elif cell is None:
                parts.append("")
        lines.append("\t".join(parts))
    return lines


_SENTENCE_ENDS: Final = ("。", "；", ";", "！", "？")


def pieces(line: str) -> Iterator[str]:
    """`line` in pieces of at most `MAX_LINE_CHARS` characters, each cut after the last
    sentence end (else the last space) of its window: the pieces of prose join up again in the
    squashed text, and no table row is that long. Nothing is left out."""
    start = 0
    while len(line) - start > MAX_LINE_CHARS:
        window = line[start : start + MAX_LINE_CHARS]
        cut = max(window.rfind(end) for end in _SENTENCE_ENDS) + 1
        if cut <= MAX_LINE_CHARS // 2:
            cut = max(window.rfind(" "), window.rfind("\t")) + 1
        if cut <= MAX_LINE_CHARS // 2:
            cut = MAX_LINE_CHARS
        yield line[start : start + cut]
        start += cut
    yield line[start:]


def _paragraph_lines(text: str) -> Iterator[str]:
    """A paragraph's non-blank lines, long ones in pieces."""
    # Most paragraphs are one line already; splitlines() costs more than the check.
    for line in (text,) if text.isprintable() else text.splitlines():
        if not line or line.isspace():
            continue
        if len(line) > MAX_LINE_CHARS:
            yield from pieces(line)
        else:
            yield line


def _view(doc: ExtractedDocument) -> _View:
    view = _View()
    budget = MAX_CHARS
    skipped_tables = 0
    cut = False
    for index, block in enumerate(doc.blocks):
        if budget <= 0 or len(view.lines) >= MAX_LINES:
            cut = _has_text(doc.blocks[index:])
            break
        if isinstance(block, Paragraph):
            text = block.text
            if text.isprintable() and len(text) <= MAX_LINE_CHARS:
                # Nearly every paragraph: one line, read whole (what `_paragraph_lines`
                # gives), within the caps just checked.
                if text and not text.isspace():
                    view.entries.append(text)
                    view.lines.append(text)
                    budget -= len(text) + 1
                continue
            for line in _paragraph_lines(text):
                if budget <= 0 or len(view.lines) >= MAX_LINES:
                    cut = True
                    break
                view.entries.append(line)
                view.lines.append(line)
                budget -= len(line) + 1
            if cut:
                break
        elif len(view.tables) < MAX_TABLES:
            view.entries.append(block)
            view.tables.append(block)
            budget -= sum(map(len, map(_TEXT, block.cells[:5_000]))) + len(block.cells)
        else:
            skipped_tables += 1
    if cut:
        view.cuts.append(
            f"text past the first {MAX_CHARS} characters or {MAX_LINES} lines was not read: "
            "figures printed there are missing"
        )
    if skipped_tables:
        view.cuts.append(
            f"{skipped_tables} tables past the first {MAX_TABLES} were not read: figures "
            "printed there are missing"
        )
    return view


def _has_text(blocks: Sequence[Paragraph | Table]) -> bool:
    return any(
        block.text.strip() if isinstance(block, Paragraph) else block.cells for block in blocks
    )


@functools.lru_cache(maxsize=16)  # pure in a template and a form: a handful, every parse
def _template_rows(template: str, other: OtherForm) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each section's row names (`section.row`) in the template."""
    return (
        ("active", frozenset(f"active.{row}" for row, _ in ACTIVE_ROWS[template])),
        ("requests", frozenset(f"requests.{row}" for row in request_rows(template, other))),
        ("appeals", frozenset(f"appeals.{row}" for row in APPEAL_ROWS)),
    )


def _other_form(readings: Sequence[RowReading], template: str) -> OtherForm:
    """The form section 三's (六) is printed in: the one more of whose rows were read (the
    template's own on a tie). Rows of the other form are then not the report's."""
    own = TEMPLATE_OTHER_FORM[template]
    alternative: OtherForm = "split" if own == "single" else "single"
    counts = {
        form: sum(1 for r in readings if r.values and r.name.removeprefix("requests.") in rows)
        for form, rows in OTHER_ROWS.items()
    }
    return alternative if counts[alternative] > counts[own] else own


def _readings(view: _View, template: str) -> tuple[list[RowReading], list[Finding], OtherForm]:
    """Grid readings of structured tables first, then text readings of the rows no table gave
    (paragraphs and tables whose structure was lost, in reading order): a PDF may yield a
    `Table` for part of a section and plain lines for the rest. Also the form (六) is printed
    in, and only the readings of that form."""
    from_tables: list[RowReading] = []
    notes: list[Finding] = []
    structured: set[int] = set()
    for table in view.tables:
        reading = read_table(table, template)
        if any(v is not None for row in reading.readings for v in row.values):
            structured.add(id(table))
            from_tables += reading.readings
            notes += [Finding("warning.shifted_row", note) for note in reading.notes]
    have = {reading.name for reading in from_tables}
    form = _other_form(from_tables, template)
    missing = {
        section: rows - have for section, rows in _template_rows(template, form) if rows - have
    }
    if not missing:
        return _of_form(from_tables, form), notes, form
    text_lines: list[str] = []
    for entry in view.entries:
        if isinstance(entry, str):
            text_lines.append(entry)
        elif id(entry) not in structured:
            text_lines += _table_lines(entry)
    stream = build_stream(text_lines)
    from_text: list[RowReading] = []
    if "active" in missing:
        from_text += [r for r in read_active(stream, template) if r.name in missing["active"]]
    if "requests" in missing:
        # Either form of (六) may be what the text prints, whatever the tables suggested.
        wanted = {f"requests.{row}" for row in RECOGNISED_REQUEST_ROWS} - have
        from_text += [r for r in read_requests(stream, template) if r.name in wanted]
    if "appeals" in missing:
        from_text += read_appeals(stream)  # one reading for the whole table; assemble keeps
        # only the cells no table gave
    readings = from_tables + from_text
    form = _other_form(readings, template)
    return _of_form(readings, form), notes, form


def _of_form(readings: list[RowReading], form: OtherForm) -> list[RowReading]:
    foreign = {
        f"requests.{row}" for other, rows in OTHER_ROWS.items() if other != form for row in rows
    }
    return [r for r in readings if r.name not in foreign]


def _coverage_findings(
    figures: dict[str, FigureValue], template: str, other: OtherForm
) -> tuple[Finding, ...]:
    return _coverage_of(tuple(figures), template, other)


# Pure in the keys read, and most reports read every key of their template: the same few key
# sets in every parse. Bounded: a document missing rows makes a key set of its own.
@functools.lru_cache(maxsize=64)
def _coverage_of(keys: tuple[str, ...], template: str, other: OtherForm) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    present = {key.rsplit(".", 1)[0] for key in keys}
    sections = {row.split(".", 1)[0] for row in present}  # a key's section is its row's
    for section, name in _SECTION_NAMES.items():
        if section not in sections:
            findings.append(
                Finding("warning.missing_section", f"section {name}: its table was not found")
            )
            continue
        if section == "appeals":
            continue
        rows = (
            [row for row, _ in ACTIVE_ROWS[template]]
            if section == "active"
            else list(request_rows(template, other))
        )
        missing = [row for row in rows if f"{section}.{row}" not in present]
        if missing:
            findings.append(
                Finding(
                    "warning.missing_rows",
                    f"section {name}: rows not found: {', '.join(missing)}",
                )
            )
    return tuple(findings)


def _rules_finding(
    figures: dict[str, FigureValue],
    scope: str | None,
    level: str | None,
    keys: tuple[str, ...],
) -> list[Finding]:
    """`keys`: the template's figure keys, which `figures` holds a subset of, in their order."""
    if scope != "county" or level not in (None, "county"):
        return []  # prefectures and provinces may make 规章
    # The template's few 规章 keys looked up, not every figure's key tested.
    reported = {k: v for k in _rules_keys(keys) if (v := figures.get(k))}
    if not reported:
        return []
    listed = ", ".join(f"{k} = {v}" for k, v in reported.items())
    return [
        Finding(
            "warning.county_rules",
            f"a county government's report lists 规章 ({listed}), but counties cannot make 规章",
        )
    ]


@functools.lru_cache(maxsize=16)  # a handful of templates and forms
def _rules_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(k for k in keys if k.startswith("active.rules."))


def _legacy(view: _View, prose: str) -> tuple[dict[str, FigureValue], list[Finding], bool]:
    """A free-form report's figures: its statistics table's, then what its prose adds; a
    prose number that differs from the table's is a warning (the table is kept). Also whether
    a statistics table gave any."""
    stated = legacy_figures(prose)
    figures = statistics_figures(view.tables, view.lines)
    findings = [
        Finding(
            "warning.prose_mismatch",
            f"the text states {key} = {value}; the statistics table has {figures[key]}",
            expected=figures[key],
            actual=value,
        )
        for key, value in stated.items()
        if key in figures and figures[key] != value
    ]
    from_table = bool(figures)
    for key, value in stated.items():
        figures.setdefault(key, value)
    return figures, findings, from_table


def _title_lines(lines: Sequence[str]) -> int:
    """How many different report titles stand on lines of their own (an index lists several;
    a report repeats its own in page headers)."""
    return len(
        {
            s
            for line in lines[:400]
            if len(s := squash(line)) <= 60 and metadata.REPORT_TITLE.search(s)
        }
    )


def analyse(doc: ExtractedDocument, hints: Hints | None = None) -> ParseResult:
    """Metadata, figures and findings of one extracted document. Pure; never raises for
    anything a document can contain."""
    hints = hints or Hints()
    view = _view(doc)
    head = view.lines[: metadata.MAX_HEAD_LINES]
    tail = view.lines[-40:]
    prose = squash("".join(view.lines))
    body_head = prose[:_HEAD_CHARS]
    table_text = "".join("".join(map(_TEXT, table.cells[:5_000])) for table in view.tables)
    flat = prose + squash(table_text)

    title = metadata.find_title(head, doc.title, hints.title)
    year = metadata.find_year(title, body_head, hints.title)
    published = (
        doc.published_at
        or metadata.header_fields(head).published
        or metadata.signature_date(tail, year)
        or hints.published_at
    )
    if year is None and published is not None:
        year = published.year - 1
    placement = metadata.find_county(
        title, body_head, year=year, hint_county=hints.county, hint_code=hints.county_code
    )
    county = placement.division
    agency, scope = metadata.find_agency(
        title,
        county=county,
        body_head=body_head,
        body=prose,
        tail=tail,
        publishers=(doc.publisher, hints.publisher),
    )
    template = genre.detect_template(flat, year)

    findings: list[Finding] = []
    if placement.ambiguous:
        findings.append(Finding("warning.ambiguous_county", placement.describe_ambiguity()))
    inferred: tuple[str, ...] = ()
    findings += [Finding("warning.truncated", cut) for cut in (*doc.cuts, *view.cuts)]
    figures: dict[str, FigureValue]
    if template == "legacy":
        figures, mismatches, has_tables = _legacy(view, prose)
        figures, screened = screen_figures(figures)
        findings += screened
        findings += mismatches
    else:
        readings, notes, form = _readings(view, template)
        readings, screened = screen_readings(readings)
        findings += screened
        assembly = assemble(readings, template, other=form, confirm_text=doc.layout_text)
        keys = figure_keys(template, form)
        # The template's order; filter and map: C loops over its some 200 keys.
        read = list(filter(assembly.figures.__contains__, keys))
        figures = dict(zip(read, map(assembly.figures.__getitem__, read), strict=True))
        has_tables = any(v is not None for v in figures.values())
        if assembly.inferred:
            inferred = tuple(key for key in figures if key in assembly.inferred)
        findings += assembly.findings
        findings += notes
        findings += _coverage_findings(figures, template, form)
        findings += prose_findings(prose, figures)
        findings += _rules_finding(figures, scope, metadata.level_of(county), keys)

    signals = genre.ReportSignals(
        title=metadata.is_report_title(title),
        sections=genre.section_count(flat),
        tables=has_tables,
    )
    reason = genre.not_report_reason(
        signals,
        title,
        len(flat),
        lambda: _title_lines(view.lines),
        lambda: genre.document_genre(view.lines),
    )
    if reason is not None:
        return ParseResult(status="not_report", format=doc.format, reason=reason, engine=doc.engine)

    # An ambiguous name leaves the division empty: the crawl's county is no answer either.
    fallback = not placement.ambiguous
    report_meta = ReportMeta(
        county=county.name if county else (hints.county if fallback else None),
        county_code=county.code if county else (hints.county_code if fallback else None),
        level=metadata.level_of(county) or ("county" if fallback and hints.county_code else None),
        year=year,
        agency=agency,
        scope=scope,
        template=template,
        title=title,
        published_at=published,
    )
    hard = [f for f in findings if not f.is_warning]
    warnings = [f for f in findings if f.is_warning]
    return ParseResult(
        status="report",
        format=doc.format,
        meta=report_meta,
        figures=figures,
        findings=(*hard, *warnings),
        engine=doc.engine,
        inferred=inferred,
    )
