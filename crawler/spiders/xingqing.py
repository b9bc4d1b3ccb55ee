"""兴庆区 (银川市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class XingqingSpider(NingxiaPlatformSpider):
    name = "xingqing"
    county_code = "640104"
