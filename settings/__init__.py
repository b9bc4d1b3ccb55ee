"""Project settings: the defaults of every component, in one module.

Environment variables are read here and nowhere else (OGI_* names). Per-spider deviations go in a
spider's `custom_settings`; per-run ones on the command line (`-s NAME=value`).
"""

from __future__ import annotations

import os
from pathlib import Path

BOT_NAME = "ogi-reports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# -- Storage ------------------------------------------------------------------------------------
# Everything the project writes lives under one directory: the SQLite database, the
# content-addressed blob store of every fetched document, Scrapy's files store.
OGI_DATA_DIR = Path(os.environ.get("OGI_DATA_DIR", "data"))
OGI_DATABASE_URL = os.environ.get(
    "OGI_DATABASE_URL", f"sqlite:///{(OGI_DATA_DIR / 'ogi-reports.sqlite3').as_posix()}"
)
OGI_BLOB_DIR = Path(os.environ.get("OGI_BLOB_DIR", str(OGI_DATA_DIR / "blobs")))

# -- Database (models/store.py) -----------------------------------------------------------------
# ReportStore.from_settings migrates the database to the current schema (Alembic `upgrade
# head`) unless this is off; `scrapy db upgrade` does it by hand.
OGI_DATABASE_UPGRADE = os.environ.get("OGI_DATABASE_UPGRADE", "1") not in ("0", "false", "False")
# Seconds a SQLite writer waits for another one (a crawl and `scrapy reparse` at once).
OGI_SQLITE_BUSY_TIMEOUT = float(os.environ.get("OGI_SQLITE_BUSY_TIMEOUT", "60"))

# -- Politeness: ≥ 1 s between requests and ≤ 2 at once per site, all sites in parallel ----------
USER_AGENT = (
    "ogi-reports/0.1 (+https://github.com/ogi-reports/ogi-reports; "
    "collects government information disclosure annual reports for research)"
)
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 3
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("OGI_LOG_LEVEL", "INFO")

# -- Fixture web / saved mirrors ---------------------------------------------------------------
# A directory in `wget --mirror` layout (<host>/<path>) or the URL of a server serving one.
# When set, every request of every spider is answered from it; URLs stay the real ones.
OGI_MIRROR = os.environ.get("OGI_MIRROR") or None
# The mirror handler serves http(s) for every spider. With OGI_MIRROR unset it hands each
# request to Scrapy's own handler (DOWNLOAD_HANDLERS_BASE), so real crawls are unaffected.
# Commands take `--mirror DIR_OR_URL` through crawler.mirror.add_mirror_argument.
DOWNLOAD_HANDLERS = {
    "http": "crawler.mirror.MirrorDownloadHandler",
    "https": "crawler.mirror.MirrorDownloadHandler",
}

# -- Incremental crawling ----------------------------------------------------------------------
# A stored report page or attachment is revalidated (conditional request) after this many days,
# or sooner when its list entry changed; before that it is not requested at all.
OGI_REVISIT_DAYS = float(os.environ.get("OGI_REVISIT_DAYS", "30"))

# -- Documents ---------------------------------------------------------------------------------
OGI_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
DOWNLOAD_MAXSIZE = OGI_MAX_DOCUMENT_BYTES
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
FILES_STORE = str(OGI_DATA_DIR / "files")
