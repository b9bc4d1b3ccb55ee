"""Fixtures shared by every test package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
# CI checks the project out with ../shared beside it; its seeds are the parser's ground truth.
SHARED_DIR = PROJECT_DIR.parent / "shared"
SEEDS_DIR = SHARED_DIR / "seeds"
SEED_NAMES = sorted(p.stem for p in SEEDS_DIR.glob("*.txt"))


def load_expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEEDS_DIR / f"{name}.expected.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    assert SEEDS_DIR.is_dir(), f"{SEEDS_DIR} is missing: check ../shared out beside the project"
    return SEEDS_DIR
