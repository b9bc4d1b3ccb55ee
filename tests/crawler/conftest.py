"""Fixtures shared by the crawler tests: `tree`, the small mirror tree of
tests/crawler/mirrors.py, used by the mirror's tree, server and handler tests."""

from tests.crawler.mirrors import tree

__all__ = ["tree"]
