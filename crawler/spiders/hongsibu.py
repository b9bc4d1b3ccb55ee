"""红寺堡区 (吴忠市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class HongsibuSpider(NingxiaPlatformSpider):
    name = "hongsibu"
    county_code = "640303"
