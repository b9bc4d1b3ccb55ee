"""OCR cost: seconds per page and per report on one core, and where they go.

    .venv/bin/python bench/bench_ocr.py                # 2 seeds + 2 synthetic, 150 and 200 dpi
    .venv/bin/python bench/bench_ocr.py --reports 2 --dpi 150

Corpus: reports rendered to PDF by LibreOffice (cached, see tests/support/render.py), scanned
and degraded by tests/support/scan.py (seals, paper, skew, blur, dust, JPEG) and wrapped as
image-only PDFs. Each is parsed by `parse_bytes(..., ocr=OcrOptions())` after one warm-up
document (model loading is per process, not per document). CPU seconds are the process's
(onnxruntime runs on one thread; the process pins itself to one core), split into detection,
recognition, layout (page cleaning, rules, table structure) and the rest (rasterising, the
analysis, the gate).

Baseline in the same run: RapidOCR's stock pipeline (detection, angle classifier, recognition
at its default shapes) over the same page images, which reads text but no table structure.

Checked: every figure is right or null (a wrong figure fails the run), and the share read.
Goal (issue 14): at most 5 s per page on one core.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from reportparser import parse_bytes  # noqa: E402
from reportparser.ocr import OcrOptions  # noqa: E402
from reportparser.ocr.engine import StageTimes  # noqa: E402
from reportparser.ocr.scan import engine  # noqa: E402
from tests.support.render import render  # noqa: E402
from tests.support.scan import ScannedPage, image_pdf, scan  # noqa: E402
from tests.support.spec import ReportSpec, seed_spec  # noqa: E402
from tests.support.synth import synthesize  # noqa: E402

GOAL_SECONDS_PER_PAGE = 5.0
SEEDS = ("yanchi-2020-county", "jingyuan-2021-county")
SYNTHETIC = (("2019", 1), ("2021", 1), ("2019", 2), ("2021", 2))


@dataclass
class Run:
    name: str
    dpi: int
    pages: int
    cpu: float
    wall: float
    times: StageTimes
    right: int
    null: int
    wrong: list[str]
    printed: int


def _pin() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = sorted(os.sched_getaffinity(0))[-1]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned"


def _specs(n_reports: int) -> list[ReportSpec]:
    specs = [seed_spec(name) for name in SEEDS]
    specs += [synthesize(template, seed) for template, seed in SYNTHETIC]
    return specs[:n_reports] if n_reports <= 2 else [*specs[:2], *specs[2:n_reports]]


def _check(spec: ReportSpec, figures: dict[str, int | float | None]) -> tuple[int, int, list[str]]:
    right = null = 0
    wrong: list[str] = []
    for key, want in spec.figures.items():
        got = figures.get(key)
        if got is None:
            null += 1
        elif want is not None and abs(got - want) < 1e-6:
            right += 1
        elif key not in spec.optional:
            wrong.append(f"{spec.name} {key}={got!r} (printed {want!r})")
    return right, null, wrong


def _measure(spec: ReportSpec, dpi: int, pages: list[ScannedPage]) -> Run:
    data = image_pdf(pages)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = parse_bytes(data, filename=f"{spec.name}.pdf", ocr=OcrOptions(timeout=3600))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    times = engine().times
    right, null, wrong = _check(spec, result.figures)
    printed = sum(1 for v in spec.figures.values() if v is not None)
    if result.status != "report":
        wrong.append(f"{spec.name}: status {result.status} ({result.reason})")
    return Run(spec.name, dpi, len(pages), cpu, wall, times, right, null, wrong, printed)


def _baseline(pages: list[ScannedPage]) -> float:
    """CPU seconds of RapidOCR's stock pipeline over the page images."""
    import numpy as np
    from rapidocr import RapidOCR

    stock = RapidOCR(
        params={
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )
    stock(np.full((64, 64, 3), 255, np.uint8))  # load the models before timing
    started = time.process_time()
    for page in pages:
        stock(np.asarray(page.image)[:, :, ::-1].copy())
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=4, help="reports (seeds first)")
    parser.add_argument("--dpi", type=int, action="append", help="scan resolutions (150, 200)")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    dpis = args.dpi or [150, 200]
    print(f"bench_ocr: {_pin()}; load average {os.getloadavg()[0]:.1f} at start")

    specs = _specs(args.reports)
    corpus = [
        (spec, dpi, scan(render(spec, "pdf"), dpi, seed=k))
        for k, spec in enumerate(specs)
        for dpi in dpis
    ]
    warm = corpus[-1]
    _measure(warm[0], warm[1], warm[2][:1])  # model loading, first-call allocations

    runs = [_measure(spec, dpi, pages) for spec, dpi, pages in corpus]
    print(
        f"\n{'report':<28}{'dpi':>5}{'pages':>6}{'cpu s':>8}{'s/page':>8}{'wall s':>8}"
        f"{'det':>6}{'rec':>6}{'layout':>7}{'read':>10}"
    )
    for run in runs:
        t = run.times
        print(
            f"{run.name:<28}{run.dpi:>5}{run.pages:>6}{run.cpu:>8.1f}{run.cpu / run.pages:>8.2f}"
            f"{run.wall:>8.1f}{t.detection / run.cpu:>6.0%}{t.recognition / run.cpu:>6.0%}"
            f"{t.layout / run.cpu:>7.0%}{f'{run.right}/{run.printed}':>10}"
        )
    pages = sum(r.pages for r in runs)
    cpu = sum(r.cpu for r in runs)
    det = sum(r.times.detection for r in runs)
    rec = sum(r.times.recognition for r in runs)
    layout = sum(r.times.layout for r in runs)
    per_page = cpu / pages
    print(
        f"\nall: {len(runs)} reports, {pages} pages, {cpu:.1f} CPU s: {per_page:.2f} s per page, "
        f"{cpu / len(runs):.1f} s per report; detection {det / cpu:.0%}, recognition "
        f"{rec / cpu:.0%}, table structure and cleaning {layout / cpu:.0%}, "
        f"other {(cpu - det - rec - layout) / cpu:.0%}"
    )
    for dpi in dpis:
        sub = [r for r in runs if r.dpi == dpi]
        sub_pages = sum(r.pages for r in sub)
        print(f"  at {dpi} dpi: {sum(r.cpu for r in sub) / sub_pages:.2f} s per page")
    right = sum(r.right for r in runs)
    printed = sum(r.printed for r in runs)
    print(f"figures read exactly: {right}/{printed} ({right / printed:.0%}); the rest null")
    if not args.no_baseline:
        all_pages = [page for _spec, _dpi, scanned in corpus for page in scanned]
        base = _baseline(all_pages)
        print(
            f"baseline, RapidOCR's stock pipeline on the same pages: {base / pages:.2f} s per "
            f"page; this reader / stock = {per_page / (base / pages):.2f}"
        )
    print(
        f"goal: <= {GOAL_SECONDS_PER_PAGE:.0f} s per page on one core: "
        f"{'met' if per_page <= GOAL_SECONDS_PER_PAGE else 'NOT met'}; "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    wrong = [w for r in runs for w in r.wrong]
    for line in wrong:
        print(f"WRONG: {line}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
