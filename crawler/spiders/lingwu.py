"""灵武市 (银川市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class LingwuSpider(NingxiaPlatformSpider):
    name = "lingwu"
    county_code = "640181"
