"""Project settings: the defaults of every component, in one module.

Environment variables are read here and nowhere else (OGI_* names). Per-spider deviations go in a
spider's `custom_settings`; per-run ones on the command line (`-s NAME=value`).
"""

from __future__ import annotations

import os
from pathlib import Path

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "ogi-reports"
# A county is a registry row, not a module: its spider is its family's class, made from the
# row (crawler/loader.py). No SPIDER_MODULES.
SPIDER_LOADER_CLASS = "crawler.loader.RegistrySpiderLoader"
COMMANDS_MODULE = "crawler.commands"

# -- Storage ------------------------------------------------------------------------------------
# Everything the project writes lives under one directory: the SQLite database and the
# content-addressed blob store of every fetched document (attachments included: there is no
# FILES_STORE, see pipelines/attachments.py).
OGI_DATA_DIR = Path(os.environ.get("OGI_DATA_DIR", "data"))
OGI_DATABASE_URL = os.environ.get(
    "OGI_DATABASE_URL", f"sqlite:///{(OGI_DATA_DIR / 'ogi-reports.sqlite3').as_posix()}"
)
# Or an S3-compatible object store, `s3://bucket/prefix` (docs/deploy.md), kept as a string: a
# Path would fold its `//`. Credentials come from boto3's chain (AWS_* variables, ~/.aws).
_BLOB_LOCATION = os.environ.get("OGI_BLOB_DIR", str(OGI_DATA_DIR / "blobs"))
OGI_BLOB_DIR: Path | str = (
    _BLOB_LOCATION if _BLOB_LOCATION.startswith("s3://") else Path(_BLOB_LOCATION)
)
# The object store's endpoint when it is not AWS (MinIO, Ceph, a cloud's S3 API).
OGI_S3_ENDPOINT_URL = os.environ.get("OGI_S3_ENDPOINT_URL") or None
# The demo's own database and blob store (`scrapy crawlall --demo`, `--demo` of the read
# commands and `scrapy browse`): its invented reports never reach the real database.
OGI_DEMO_DIR = Path(os.environ.get("OGI_DEMO_DIR", str(OGI_DATA_DIR / "demo")))

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
# Scrapy 2.19 varies each delay by ±DOWNLOAD_DELAY_JITTER (default ±50 %, i.e. 0.5–1.5 s); no
# jitter keeps DOWNLOAD_DELAY a floor. The delay is per county, not per host (CountySlotMiddleware).
DOWNLOAD_DELAY_JITTER = 0.0
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 3
# Scrapy retries at once; crawler.middlewares.BackoffRetryMiddleware waits base × 2ⁿ⁻¹ s
# (or the server's Retry-After), at most the max. Base 0 retries at once.
OGI_RETRY_BACKOFF_BASE = float(os.environ.get("OGI_RETRY_BACKOFF_BASE", "2"))
OGI_RETRY_BACKOFF_MAX = 60.0
# No live consoles into a crawl: the telnet console and Scrapy 2.19's remote-control endpoint
# (which executes Python code sent to a localhost port and writes job files under ~/.local)
# serve nobody on a scheduled crawler.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = os.environ.get("OGI_LOG_LEVEL", "INFO")

# -- The crawl engine: every county in one crawler (crawler/engine.py) ---------------------------
# Counties crawled at once; the next one starts as one finishes. Each holds its scheduled
# requests, its known documents and a navigator: memory and sockets grow with this, not with the
# number of counties crawled. At the default politeness (1 s per site) it also bounds the pace:
# about this many pages a second.
OGI_COUNTIES_IN_PROGRESS = int(os.environ.get("OGI_COUNTIES_IN_PROGRESS", "100"))
# Per-county stats, downloads holding each site to its concurrency at any delay, pipelines run in
# the county's context.
STATS_CLASS = "crawler.engine.EngineStatsCollector"
DOWNLOADER = "crawler.engine.CountyDownloader"
ITEM_PROCESSOR = "crawler.engine.CountyItemProcessor"

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
# What the mirror handler hands http(s) to: Scrapy's HTTP/1.1 handler whose pool keeps at most
# OGI_IDLE_CONNECTIONS idle connections over all sites (0: what the downloads in progress leave
# of 2 × CONCURRENT_REQUESTS, less a sixteenth), closes a county's as it finishes and any
# after OGI_IDLE_CONNECTION_TIMEOUT s (crawler/connections.py): open sockets stay under
# 2 × CONCURRENT_REQUESTS however many sites a crawl visits.
OGI_HTTP_DOWNLOAD_HANDLER = "crawler.connections.SiteHTTPDownloadHandler"
# Every site of a mirror tree as a host of its own (bench (d), tests): with
# TWISTED_DNS_RESOLVER = "crawler.mirror.LoopbackResolver", every name resolves to its loopback
# address at this port, where crawler.mirror.VirtualHostServer listens (0: not in use).
OGI_LOOPBACK_PORT = 0
OGI_IDLE_CONNECTIONS = int(os.environ.get("OGI_IDLE_CONNECTIONS", "0"))
OGI_IDLE_CONNECTION_TIMEOUT = 60.0

# -- Incremental crawling ----------------------------------------------------------------------
# A stored report page or attachment is revalidated (conditional request) after this many days,
# or sooner when its list entry changed; before that it is not requested at all.
OGI_REVISIT_DAYS = float(os.environ.get("OGI_REVISIT_DAYS", "30"))

# -- Lists -------------------------------------------------------------------------------------
# Pages walked per paginated list at most. A list's next page is fetched only after the current
# one listed new report entries; a list cut here is counted (`pagination/cut`) and the summary
# says so. 100 pages of 20 entries hold more reports than any county has published.
OGI_MAX_LIST_PAGES = int(os.environ.get("OGI_MAX_LIST_PAGES", "100"))

# -- Documents ---------------------------------------------------------------------------------
OGI_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
DOWNLOAD_MAXSIZE = OGI_MAX_DOCUMENT_BYTES
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# -- Crawler: middlewares, pipelines, summary (crawler/, pipelines/) ------------------------------
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.LoopSafeRedirectMiddleware": 600,
    # Scrapy's, not parsing pages that cannot hold a meta refresh (crawler/middlewares.py).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.QuickMetaRefreshMiddleware": 580,
    # Scrapy's stats, counted without building each request's bytes (crawler/middlewares.py).
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "crawler.middlewares.QuickDownloaderStats": 850,
    # Scrapy's cookies with tldextract's bundled public-suffix list: no request to its host.
    # (Scrapy's own is left out of DOWNLOADER_MIDDLEWARES_BASE below, not set to None here.)
    "crawler.cookies.OfflineCookiesMiddleware": 700,
    "crawler.middlewares.SharedRobotsTxtMiddleware": 100,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ConditionalRequestMiddleware": 565,
    "crawler.middlewares.ChallengeMiddleware": 575,
    "crawler.middlewares.CountySlotMiddleware": 580,
}
# Scrapy imports every middleware named in DOWNLOADER_MIDDLEWARES_BASE and
# DOWNLOADER_MIDDLEWARES, None or not: its cookies middleware's module imports tldextract (with
# requests, urllib3, filelock), which crawler.cookies imports only at a crawl's first cookie.
# Scrapy's base list without it.
DOWNLOADER_MIDDLEWARES_BASE = {
    name: order
    for name, order in _scrapy_defaults.DOWNLOADER_MIDDLEWARES_BASE.items()
    if name != "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
}
# One job each, with gaps: download attachments → keep the page → parse → store.
ITEM_PIPELINES = {
    "pipelines.attachments.AttachmentsPipeline": 100,
    "pipelines.archive.ArchivePipeline": 200,
    "pipelines.parse.ParsePipeline": 300,
    "pipelines.store.StorePipeline": 400,
    "pipelines.handoff.HandoffPipeline": 500,  # only with OGI_OCR = "queue"
}
# Scrapy's Referer headers, worked out once per page and target site (crawler/referer.py).
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "crawler.referer.QuickRefererMiddleware": 700,
}
EXTENSIONS = {
    "crawler.extensions.CrawlSummary": 500,
}
# Off above (TELNETCONSOLE_ENABLED, REMOTE_CONTROL_ENABLED), and not even loaded: Scrapy imports
# every class named in EXTENSIONS_BASE and EXTENSIONS, None or not, and these two import aiohttp
# (which loads the system's CA certificates at import) and twisted.conch only to decline: about
# half a CPU-second before the first request (issue 9). Scrapy's own base list minus them.
_NOT_LOADED = (
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
)
EXTENSIONS_BASE = {
    name: order
    for name, order in _scrapy_defaults.EXTENSIONS_BASE.items()
    if name not in _NOT_LOADED
}
# Attachments are often served through a redirect to a download host of the same county.
MEDIA_ALLOW_REDIRECTS = True
# Bytes of fetched pages the crawl may hold while their items wait for the parser and the store
# (Scrapy: 5 MB). One crawler serves every county: 4 MB queues hundreds of pages for the parser
# and bounds the memory fast sites can fill while parsing lags.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 4_000_000
# Scrapy checks whether each callback is a generator that returns a value by reading and parsing
# its source; its cache is keyed weakly on the callable, and a bound method is a new object per
# request, so it re-parses the source on every response (4.4 % of the reactor thread, issue 9).
# tests/crawler/test_callbacks.py runs the same check once per callback of every spider instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
# A callback yields a few dozen requests and at most a couple of items; Scrapy starts this many
# asyncio workers per response to process them (default 100, mostly idle overhead).
CONCURRENT_ITEMS = 16
# Conditional requests for pages, skips of fresh documents (off: fetch everything in full).
OGI_INCREMENTAL = True
# Judge each county's crawl against its history, store it, print the table at the end.
OGI_CRAWL_SUMMARY = True
# Parser worker processes (pdfium is not thread-safe; parsing is CPU-bound) and the time one
# document may take before its worker is killed and the document recorded as failed.
OGI_PARSE_WORKERS = int(os.environ.get("OGI_PARSE_WORKERS", str(min(4, os.cpu_count() or 1))))
OGI_PARSE_TIMEOUT = float(os.environ.get("OGI_PARSE_TIMEOUT", "120"))
# The address space one parse may use (bytes, RLIMIT_AS of the worker and its LibreOffice;
# 0: no limit): a document that needs more is recorded as failed with that reason. 2 GiB is
# ten times what a real report needs; a 1 MB DOCX can otherwise take gigabytes.
OGI_PARSE_MEMORY = int(os.environ.get("OGI_PARSE_MEMORY", str(2 * 1024**3)))
# Scans (image-only PDFs, page pictures) need OCR, seconds per page (reportparser/ocr). "defer":
# a crawl stores them as needs_ocr and `scrapy reparse --ocr` reads them; "crawl": the parser
# workers read them during the crawl; "queue": stored as needs_ocr and queued for
# `scrapy parseworker` processes on any machine (pipelines/handoff.py, docs/deploy.md). Either
# way one document's OCR is bounded by its own timeout and address-space limit (bytes; 0: the
# worker's own), and reads at most so many pages.
OGI_OCR = os.environ.get("OGI_OCR", "defer")
OGI_OCR_TIMEOUT = float(os.environ.get("OGI_OCR_TIMEOUT", "600"))
OGI_OCR_MEMORY = int(os.environ.get("OGI_OCR_MEMORY", str(4 * 1024**3)))
OGI_OCR_MAX_PAGES = int(os.environ.get("OGI_OCR_MAX_PAGES", "60"))
# The database writer runs in a process of its own (SQLAlchemy's CPU off the crawl's thread);
# off, it runs in a thread of the crawl process (one process to debug, a slower crawl).
OGI_STORE_PROCESS = os.environ.get("OGI_STORE_PROCESS", "1") not in ("0", "false", "False")
