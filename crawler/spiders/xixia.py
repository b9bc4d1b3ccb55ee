"""西夏区 (银川市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class XixiaSpider(NingxiaPlatformSpider):
    name = "xixia"
    county_code = "640105"
