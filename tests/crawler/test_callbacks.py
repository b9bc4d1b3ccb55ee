"""Scrapy's generator-return check, run once here instead of on every response of a crawl.

`WARN_ON_GENERATOR_RETURN_VALUE` is off in settings (it re-parsed a callback's source per
response): a generator callback whose `return` carries a value silently drops that value, so
every generator method of every spider class of the project is checked here with Scrapy's own
function.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import scrapy
from scrapy.utils.misc import is_generator_with_return_value

import crawler
from settings import WARN_ON_GENERATOR_RETURN_VALUE

# Imported by the children's fork server alone: importing it builds the parser's place matcher
# and freezes the heap, which is that process's business (and it holds no spider).
_FORK_SERVER_ONLY = {"crawler.preload"}


def _spider_classes() -> Iterator[type[scrapy.Spider]]:
    for module_info in pkgutil.walk_packages(crawler.__path__, prefix="crawler."):
        if module_info.name in _FORK_SERVER_ONLY:
            continue
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, scrapy.Spider) and value.__module__.startswith("crawler."):
                yield value


def test_the_per_response_check_is_off() -> None:
    assert WARN_ON_GENERATOR_RETURN_VALUE is False


def test_no_spider_generator_returns_a_value() -> None:
    classes = set(_spider_classes())
    assert classes, "no spider class found under crawler/"
    checked = 0
    offenders = []
    for cls in classes:
        for name, function in inspect.getmembers(cls, inspect.isgeneratorfunction):
            if not function.__module__.startswith("crawler."):
                continue  # Scrapy's own
            checked += 1
            if is_generator_with_return_value(function):
                offenders.append(f"{cls.__name__}.{name}")
    assert checked > 0
    assert offenders == []
