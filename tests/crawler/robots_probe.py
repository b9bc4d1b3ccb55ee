"""Start several requests to one host at once and let robots.txt decide: a test subprocess.

    python -m tests.crawler.robots_probe MIRROR_URL MIDDLEWARE_PATH

All requests are scheduled before the host's robots.txt has arrived, so every one of them waits
for the rules: the situation in which Scrapy 2.19's own middleware lets all but the first through.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

import settings as project_settings

PATHS = ("/public.html", "/private/a.html", "/private/b.html", "/private/c.html")


class ManyAtOnceSpider(scrapy.Spider):
    name = "many_at_once"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for path in PATHS:
            yield scrapy.Request(f"https://www.example.gov.cn{path}", dont_filter=True)

    def parse(self, response: Response) -> None:
        pass


def main(mirror: str, middleware: str) -> None:
    process = CrawlerProcess(
        {
            "DOWNLOAD_HANDLERS": project_settings.DOWNLOAD_HANDLERS,
            "OGI_MIRROR": mirror,
            "ROBOTSTXT_OBEY": True,
            "DOWNLOADER_MIDDLEWARES": {
                "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                middleware: 100,
            },
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            "DOWNLOAD_DELAY": 0,
            "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False,
            "REMOTE_CONTROL_ENABLED": False,
        }
    )
    process.crawl(ManyAtOnceSpider)
    process.start()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
