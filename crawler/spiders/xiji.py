"""西吉县 (固原市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class XijiSpider(NingxiaPlatformSpider):
    name = "xiji"
    county_code = "640422"
