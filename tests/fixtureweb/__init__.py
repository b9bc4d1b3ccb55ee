"""The fixture web: a mirror of the Ningxia county sites' structure for offline crawl tests.

`build` writes it (committed as `tests/fixtures/web/`, plus a large generated variant for the
benchmark), `server` serves copies of it to tests and changes reports on them. See README.md.
"""
