"""原州区 (固原市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class YuanzhouSpider(NingxiaPlatformSpider):
    name = "yuanzhou"
    county_code = "640402"
