"""Parser throughput: reports per second for text, HTML and PDF input, on one core.

    .venv/bin/python bench/bench_parser.py [--quick] [--repeat N] [--synthetic N]
    .venv/bin/python bench/bench_parser.py --profile html   # where the time goes (cProfile)

Corpora: the four seed reports as text (as other tools extracted them); HTML article pages of
the seeds and of synthetic reports (every cell a different number); PDFs of the same reports made
by LibreOffice (rendered once, then cached on disk, see tests/support/render.py). Each corpus is
parsed once to warm up, then `--repeat` times; the median pass gives reports/s. For PDF the same
files are also run through poppler's `pdftotext`, one process per file as a user would, in the
same run, and the ratio parse/pdftotext is printed against the goal.

Every parse is judged before anything is timed, outside the timed passes: each document's status,
metadata, every figure and its hard findings against its spec (the seeds' expected files, the
synthetic reports' made-up figures), with the round-trip tests' own comparison. A parser that is
fast and wrong fails the benchmark (exit status 1) instead of printing a figure.

Figures are CPU time of this process on one core (`time.process_time`): CPU-ms per report for
each corpus; for HTML also the ratio to lxml's `lxml.html.fromstring` + `text_content()` of the
same pages (the floor of any HTML reader; its passes alternate with the parser's so that a busy
machine slows both alike), for PDF the ratio to pdftotext's CPU time (its
child processes).

Goals (issue 2): text and HTML >= 100 reports/s on one core; PDF <= 3x pdftotext.
Goal (issue 9): an HTML report parses in <= 2.5 CPU-ms on one core.

County lookup (issue 15, `--lookup` alone): the national matcher (every division since 1981)
against one over Ningxia's divisions (its 22 counties), in the same run, for a report whose
title names no county (the body is scanned) and one whose title names it; goal: the same cost.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

import lxml.html  # noqa: E402
from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from reportparser import parse_bytes  # noqa: E402
from reportparser.divisions import DivisionTable, table  # noqa: E402
from reportparser.places import PlaceMatcher, resolve  # noqa: E402
from tests.conftest import SEEDS_DIR  # noqa: E402
from tests.reportparser.test_roundtrip_formats import (  # noqa: E402
    figure_mismatches,
    meta_mismatches,
)
from tests.support.render import filename, render  # noqa: E402
from tests.support.spec import SEED_NAMES, ReportSpec, seed_spec  # noqa: E402
from tests.support.synth import synthesize  # noqa: E402

TEXT_HTML_GOAL = 100.0  # reports per second
HTML_CPU_MS_GOAL = 2.5  # CPU-ms per HTML report (issue 9)
# lxml's parse + text of the same corpus on the machine of issue 9, where an HTML report
# took 5.1-5.3 CPU-ms, 6.0x lxml's: the goal set there, carried here by the ratio.
ISSUE_LXML_MS = 5.2 / 6.0
PDF_RATIO_GOAL = 3.0  # parse time / pdftotext time
_SHOWN = 6  # mismatches printed per document


@dataclass(frozen=True)
class Document:
    name: str
    data: bytes
    spec: ReportSpec  # what the parse must give


@dataclass(frozen=True)
class Timing:
    label: str
    documents: int
    passes: list[float]  # seconds per pass over the whole corpus

    @property
    def median(self) -> float:
        return statistics.median(self.passes)

    @property
    def per_second(self) -> float:
        return self.documents / self.median


def pin_to_one_core() -> str:
    """Run on one CPU (children such as pdftotext inherit it), so figures mean one core."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this system)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def time_passes(
    label: str,
    count: int,
    one_pass: Callable[[], None],
    repeat: int,
    clock: Callable[[], float] = time.process_time,
) -> Timing:
    """CPU time (this process, pinned to one core) of each pass; wall time for subprocesses."""
    one_pass()  # warm-up: imports, caches, first-call costs
    passes = []
    for _ in range(repeat):
        started = clock()
        one_pass()
        passes.append(clock() - started)
    return Timing(label, count, passes)


def interleaved(
    labels: tuple[str, str],
    count: int,
    passes: tuple[Callable[[], None], Callable[[], None]],
    repeat: int,
) -> tuple[Timing, Timing]:
    """CPU time of two corpora's passes taken in turn, so that a busy machine's slow moments
    fall on both (the ratio of the two is the figure to compare)."""
    for one_pass in passes:
        one_pass()  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for one_pass, spent in zip(passes, times, strict=True):
            started = time.process_time()
            one_pass()
            spent.append(time.process_time() - started)
    return Timing(labels[0], count, times[0]), Timing(labels[1], count, times[1])


def parse_corpus(documents: Sequence[Document]) -> Callable[[], None]:
    def one_pass() -> None:
        for document in documents:
            parse_bytes(document.data, filename=document.name)

    return one_pass


def children_cpu() -> float:
    """CPU seconds used by the waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def lxml_corpus(documents: Sequence[Document]) -> Callable[[], None]:
    """The floor of any HTML reader: lxml's own parse and the page's whole text."""

    def one_pass() -> None:
        for document in documents:
            lxml.html.fromstring(document.data).text_content()

    return one_pass


def lexbor_corpus(documents: Sequence[Document]) -> Callable[[], None]:
    """The floor of the HTML reader's own parser: lexbor's parse and the page's whole text."""

    def one_pass() -> None:
        for document in documents:
            body = LexborHTMLParser(document.data).body
            if body is not None:
                body.text()

    return one_pass


def mismatches(document: Document) -> list[str]:
    """What is wrong in the parse of `document`: status, metadata, figures, hard findings."""
    result = parse_bytes(document.data, filename=document.name)
    if result.status != "report":
        return [f"status {result.status!r} ({result.reason})"]
    spec = document.spec
    problems = meta_mismatches(spec, result)
    problems += figure_mismatches(spec.name, spec, result.figures)
    hard = sorted({f.rule for f in result.hard_findings})
    if hard != sorted(spec.expected_findings):
        problems.append(f"hard findings {hard} (want {sorted(spec.expected_findings)})")
    return problems


def check_corpus(label: str, documents: Sequence[Document]) -> bool:
    """Judge every parse of the corpus (outside the timed passes); print what is wrong."""
    wrong = 0
    for document in documents:
        problems = mismatches(document)
        if problems:
            wrong += 1
            print(
                f"    WRONG {document.name}: {len(problems)} mismatches, first: "
                + "; ".join(problems[:_SHOWN])
            )
    print(f"  {label:<4} {len(documents) - wrong}/{len(documents)} parsed exactly")
    return wrong == 0


def pdftotext_corpus(paths: Sequence[Path], out_dir: Path) -> Callable[[], None]:
    def one_pass() -> None:
        for path in paths:
            subprocess.run(
                ["pdftotext", "-layout", str(path), str(out_dir / f"{path.stem}.txt")],
                check=True,
                capture_output=True,
            )

    return one_pass


def build_corpora(synthetic: int) -> tuple[list[Document], list[Document], list[Document]]:
    specs: list[ReportSpec] = [seed_spec(name) for name in SEED_NAMES]
    specs += [synthesize(("2019", "2021")[i % 2], 100 + i) for i in range(synthetic)]
    text = [
        Document(f"{s.name}.txt", (SEEDS_DIR / f"{s.name}.txt").read_bytes(), s)
        for s in specs[: len(SEED_NAMES)]
    ]
    html = [Document(filename(s, "html"), render(s, "html"), s) for s in specs]
    pdf_specs = specs[: len(SEED_NAMES) + max(2, synthetic // 2)]
    pdf = [Document(filename(s, "pdf"), render(s, "pdf"), s) for s in pdf_specs]
    return text, html, pdf


# Every command imports the registry (after the parser, which it needs for short names).
_REGISTRY_IMPORT = """
import time, reportparser
started = time.perf_counter()
import crawler.counties as c
print(f"{(time.perf_counter() - started) * 1000:.1f} ms for {len(c.COUNTIES)} counties")
"""


def lookup_cost(repeat: int) -> None:
    """CPU time of one county lookup with the national table and with Ningxia's, same run."""
    started = time.process_time()
    national = PlaceMatcher(table())
    build = time.process_time() - started
    ningxia = PlaceMatcher(DivisionTable(d for d in table().rows if d.code.startswith("64")))
    counties = sum(1 for d in ningxia.table.counties(2020))
    seed = (SEEDS_DIR / "yanchi-2020-poverty-office.txt").read_text("utf-8")
    body_head = "".join(seed.split())[:3000]  # what the parser scans when the title is silent
    cases = (
        ("title names no county", "2020年", body_head),
        ("title names the county", "盐池县2020年", body_head),
    )
    print()
    print(
        f"county lookup (CPU ms per report, median of {repeat} × 200): national table "
        f"{len(table())} rows vs Ningxia's {len(ningxia.table)} rows ({counties} counties); "
        f"national matcher built in {build * 1000:.0f} ms, once per process"
    )
    for label, title, body in cases:
        costs = {}
        for name, places in (("national", national), ("ningxia", ningxia)):
            passes = []
            for _ in range(repeat):
                begun = time.process_time()
                for _ in range(200):
                    resolve(title, body, year=2020, places=places)
                passes.append((time.process_time() - begun) / 200)
            costs[name] = statistics.median(passes)
        ratio = costs["national"] / costs["ningxia"]
        print(
            f"  {label:<24} national {costs['national'] * 1000:6.3f} ms   "
            f"22 counties {costs['ningxia'] * 1000:6.3f} ms   ratio {ratio:.2f}   "
            f"(issue 15: 419 ms before)   same order (<= 3x): {verdict(ratio <= 3)}"
        )
    registry = subprocess.run(
        [sys.executable, "-c", _REGISTRY_IMPORT],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"  registry import (crawler.counties, parser already imported): {registry}")


def verdict(ok: bool) -> str:
    return "meets goal" if ok else "BELOW GOAL"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="small corpora, 3 passes")
    parser.add_argument("--repeat", type=int, help="timed passes per corpus (default 7, quick 3)")
    parser.add_argument("--synthetic", type=int, help="synthetic reports (default 12, quick 4)")
    parser.add_argument(
        "--profile",
        choices=("text", "html", "pdf"),
        help="instead of timing, profile one pass over this corpus and print the top functions",
    )
    parser.add_argument("--lookup", action="store_true", help="only the county lookup cost")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 7)
    synthetic = args.synthetic if args.synthetic is not None else (4 if args.quick else 12)
    if shutil.which("pdftotext") is None:
        print("pdftotext (poppler-utils) is needed for the PDF baseline", file=sys.stderr)
        return 2

    print(f"bench_parser: {pin_to_one_core()}, {repeat} timed passes after one warm-up")
    if not SEEDS_DIR.is_dir():
        # The corpus is the seeds and reports made from them: no figure means anything without.
        print(f"no seeds at {SEEDS_DIR}: run it with ../shared beside the project", file=sys.stderr)
        return 2
    if args.lookup:
        lookup_cost(repeat)
        return 0
    started = time.perf_counter()
    text, html, pdf = build_corpora(synthetic)
    print(
        f"corpora: {len(text)} text, {len(html)} HTML, {len(pdf)} PDF "
        f"(built in {time.perf_counter() - started:.1f} s; PDFs cached on disk after the first run)"
    )
    if args.profile:
        corpus = {"text": text, "html": html, "pdf": pdf}[args.profile]
        one_pass = parse_corpus(corpus)
        one_pass()
        profiler = cProfile.Profile()
        profiler.runcall(one_pass)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return 0
    print("judging every parse against its spec (not timed):")
    exact = True
    for label, corpus in (("text", text), ("HTML", html), ("PDF", pdf)):
        try:
            exact = check_corpus(label, corpus) and exact
        except NotImplementedError:
            print("parse_bytes is not implemented yet: nothing to measure", file=sys.stderr)
            return 1
    if not exact:
        print("the parser is wrong on the corpus above: no timing of a wrong parser")
        return 1

    html_timing, lxml_floor = interleaved(
        ("HTML", "lxml"), len(html), (parse_corpus(html), lxml_corpus(html)), repeat
    )
    lexbor_floor = time_passes("lexbor", len(html), lexbor_corpus(html), repeat)
    results = [
        time_passes("text", len(text), parse_corpus(text), repeat),
        html_timing,
        time_passes("PDF", len(pdf), parse_corpus(pdf), repeat),
    ]
    with tempfile.TemporaryDirectory(prefix="ogi-bench-") as tmp:
        tmp_dir = Path(tmp)
        paths = []
        for document in pdf:
            path = tmp_dir / document.name
            path.write_bytes(document.data)
            paths.append(path)
        # pdftotext runs in child processes: the CPU time of the children, as for the parser.
        baseline = time_passes(
            "pdftotext", len(pdf), pdftotext_corpus(paths, tmp_dir), repeat, children_cpu
        )

    print()
    print(f"{'input':<10}{'docs':>6}{'CPU/pass':>12}{'CPU-ms/doc':>12}{'reports/s':>12}   goal")
    for timing in results[:2]:
        print(
            f"{timing.label:<10}{timing.documents:>6}{timing.median * 1000:>9.1f} ms"
            f"{timing.median * 1000 / timing.documents:>12.2f}"
            f"{timing.per_second:>12.1f}   >= {TEXT_HTML_GOAL:.0f}/s: "
            f"{verdict(timing.per_second >= TEXT_HTML_GOAL)}"
        )
    html_ms = html_timing.median * 1000 / html_timing.documents
    floor_ms = lxml_floor.median * 1000 / lxml_floor.documents
    # Each pass's ratio to the lxml pass taken right after it: a machine whose speed moves
    # (a shared host's neighbours) moves both, so their ratio is the steadier figure.
    paired = statistics.median(
        h / f for h, f in zip(html_timing.passes, lxml_floor.passes, strict=True)
    )
    print(
        f"HTML report: {html_ms:.2f} CPU-ms   goal <= {HTML_CPU_MS_GOAL} CPU-ms: "
        f"{verdict(html_ms <= HTML_CPU_MS_GOAL)}   "
        f"(lxml.html.fromstring + text_content(): {floor_ms:.2f} CPU-ms, "
        f"parse / lxml = {paired:.2f}x, the median of the passes' ratios; issue 9 measured 6.0x)"
    )
    print(
        f"  on the issue's machine (lxml there {ISSUE_LXML_MS:.2f} CPU-ms: 5.2 CPU-ms at 6.0x) "
        f"that ratio is {paired * ISSUE_LXML_MS:.2f} CPU-ms: "
        f"{verdict(paired * ISSUE_LXML_MS <= HTML_CPU_MS_GOAL)}"
    )
    lexbor_ms = lexbor_floor.median * 1000 / lexbor_floor.documents
    print(
        f"  (the reader's parser, lexbor: parse + text {lexbor_ms:.2f} CPU-ms, "
        f"{lexbor_ms / floor_ms:.2f}x lxml's)"
    )
    pdf_timing = results[2]
    ratio = pdf_timing.median / baseline.median
    print(
        f"{'PDF':<10}{pdf_timing.documents:>6}{pdf_timing.median * 1000:>9.1f} ms"
        f"{pdf_timing.median * 1000 / pdf_timing.documents:>12.2f}"
        f"{pdf_timing.per_second:>12.1f}"
    )
    print(
        f"{'pdftotext':<10}{baseline.documents:>6}{baseline.median * 1000:>9.1f} ms"
        f"{baseline.median * 1000 / baseline.documents:>12.2f}"
        f"{baseline.per_second:>12.1f}   (one process per file, its CPU time)"
    )
    print(
        f"PDF parse / pdftotext = {ratio:.2f}x   goal <= {PDF_RATIO_GOAL:.0f}x: "
        f"{verdict(ratio <= PDF_RATIO_GOAL)}"
    )
    lookup_cost(repeat)
    print("Figures are noisy on a shared machine: compare runs on an idle one.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
