"""同心县 (吴忠市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class TongxinSpider(NingxiaPlatformSpider):
    name = "tongxin"
    county_code = "640324"
