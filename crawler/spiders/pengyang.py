"""彭阳县 (固原市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class PengyangSpider(NingxiaPlatformSpider):
    name = "pengyang"
    county_code = "640425"
