"""永宁县 (银川市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class YongningSpider(NingxiaPlatformSpider):
    name = "yongning"
    county_code = "640121"
