"""平罗县 (石嘴山市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class PingluoSpider(NingxiaPlatformSpider):
    name = "pingluo"
    county_code = "640221"
