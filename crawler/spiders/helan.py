"""贺兰县 (银川市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class HelanSpider(NingxiaPlatformSpider):
    name = "helan"
    county_code = "640122"
