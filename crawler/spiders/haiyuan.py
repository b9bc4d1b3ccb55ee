"""海原县 (中卫市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class HaiyuanSpider(NingxiaPlatformSpider):
    name = "haiyuan"
    # The host is a guess (sites.md): the crawl reports the county unreachable until verified.
    county_code = "640522"
