"""惠农区 (石嘴山市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class HuinongSpider(NingxiaPlatformSpider):
    name = "huinong"
    county_code = "640205"
