"""Every command's help renders without glitches: Scrapy's help formatter turns any part ending
with a colon into an underlined, title-cased heading, so a help text that wraps right after a
colon (`…; long:`) would show a bogus heading."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re

import pytest
from scrapy.commands import ScrapyCommand, ScrapyHelpFormatter
from scrapy.settings import Settings

import crawler.commands

COMMANDS = sorted(m.name for m in pkgutil.iter_modules(crawler.commands.__path__))
HEADINGS = {"Usage", "Options", "Global Options"}


def headings(name: str, width: int) -> set[str]:
    command: ScrapyCommand = importlib.import_module(f"crawler.commands.{name}").Command()
    command.settings = Settings()
    parser = argparse.ArgumentParser(
        formatter_class=lambda prog: ScrapyHelpFormatter(prog, width=width),
        usage=f"scrapy {name} {command.syntax()}",
        conflict_handler="resolve",
        description=command.long_desc(),
    )
    command.add_options(parser)
    lines = parser.format_help().splitlines()
    return {
        lines[i - 1].strip()
        for i, line in enumerate(lines)
        if i and re.fullmatch(r"[=-]{3,}", line.strip())
    }


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_only_the_usual_headings(name: str) -> None:
    # Every terminal width from narrow to wide (argparse wraps at the terminal's width - 2).
    for width in range(50, 161):
        assert headings(name, width) <= HEADINGS, (name, width, headings(name, width))
