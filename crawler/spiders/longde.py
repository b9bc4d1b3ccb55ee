"""隆德县 (固原市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class LongdeSpider(NingxiaPlatformSpider):
    name = "longde"
    county_code = "640423"
