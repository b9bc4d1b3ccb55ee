"""大武口区 (石嘴山市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class DawukouSpider(NingxiaPlatformSpider):
    name = "dawukou"
    county_code = "640202"
