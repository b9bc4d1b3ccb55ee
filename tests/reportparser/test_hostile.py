"""Hostile input gets a clear result in bounded time and memory.

Each case of `tests.support.hostile` is parsed by `parse_bytes` in a child process whose address
space is capped (RLIMIT_AS), so a parser that inflates a zip bomb or copies a 50 MB file ten times
dies there with MemoryError instead of taking the test run down; the test then fails with what
the child printed. The status must be one the case accepts, a failure must say why, and whatever
a "report" result carries must be right.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import pytest

from reportparser.vocabulary import figure_keys
from tests.conftest import PROJECT_DIR
from tests.support.hostile import BUILDERS, NEEDS_LIBREOFFICE, HostileCase, hostile_case

MEMORY_LIMIT: Final = 1536 * 1024 * 1024  # bytes of address space for the parsing child
TIME_LIMIT: Final = 120.0  # seconds for one parse, far above what any case should need

_CHILD: Final = """
import json, resource, sys, time
limit = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from reportparser import parse_bytes
with open(sys.argv[1], "rb") as f:
    data = f.read()
started = time.monotonic()
result = parse_bytes(data, filename=sys.argv[2])
out = result.to_json()
out["hard_rules"] = sorted({f.rule for f in result.hard_findings})
out["seconds"] = time.monotonic() - started
print(json.dumps(out, ensure_ascii=False))
"""


def parse_in_child(case: HostileCase, tmp_path: Path) -> dict[str, Any]:
    """Run parse_bytes on the case in a memory-capped child; its result as JSON."""
    path = tmp_path / case.filename
    path.write_bytes(case.data)
    try:
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), case.filename, str(MEMORY_LIMIT)],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case.name}: parse_bytes ran longer than {TIME_LIMIT:.0f} s")
    if child.returncode != 0:
        tail = "\n".join(child.stderr.strip().splitlines()[-6:])
        pytest.fail(f"{case.name}: parse_bytes raised or died (exit {child.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


SLOW: Final = frozenset({"html-50mb"})  # tens of seconds to read 50 MB of HTML


def _cases() -> list[Any]:
    cases = []
    for name in BUILDERS:
        marks = [pytest.mark.libreoffice] if name in NEEDS_LIBREOFFICE else []
        if name in SLOW:
            marks.append(pytest.mark.slow)
        cases.append(pytest.param(name, id=name, marks=marks))
    return cases


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", _cases())
def test_hostile_input_gets_a_clear_result(name: str, tmp_path: Path) -> None:
    case = hostile_case(name)
    result = parse_in_child(case, tmp_path)
    status = result["status"]
    assert status in case.statuses, (
        f"{name}: status {status!r} (want one of {sorted(case.statuses)}; {case.why}); "
        f"reason {result['reason']!r}"
    )
    if status != "report":
        assert result["reason"], f"{name}: status {status!r} without a reason"
        return
    assert result["meta"] is not None, f"{name}: a report without meta"
    if case.spec is None:
        return
    spec = case.spec
    for key in ("county", "county_code", "year", "agency", "scope", "template"):
        assert result["meta"][key] == spec.meta.to_json()[key], f"{name}: meta.{key}"
    figures: dict[str, Any] = result["figures"]
    wrong = [
        f"{key}={value!r} (want {spec.figures.get(key)!r})"
        for key, value in figures.items()
        if value is not None and key in spec.figures and value != spec.figures[key]
    ]
    wrong += [
        f"{key}={value!r} (unknown key)"
        for key, value in figures.items()
        if key not in spec.figures
    ]
    if case.complete:
        for key in figure_keys(spec.template):
            if key.startswith(case.absent):
                if figures.get(key) is not None:
                    wrong.append(f"{key}={figures[key]!r} (its section is not in the document)")
            elif key not in figures:
                wrong.append(f"{key} missing (want {spec.figures[key]!r})")
        assert not result["hard_rules"], f"{name}: hard findings {result['hard_rules']}"
    assert not wrong, f"{name}: {len(wrong)} wrong figures, first: " + "; ".join(wrong[:8])


def test_the_memory_cap_is_real(tmp_path: Path) -> None:
    """The child's cap bites: allocating past it is a MemoryError, not a slow machine."""
    script = (
        "import resource, sys\n"
        "limit = int(sys.argv[1])\n"
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "try:\n"
        "    block = bytearray(limit)\n"
        "except MemoryError:\n"
        "    print('capped')\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, str(MEMORY_LIMIT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert child.stdout.strip() == "capped"
