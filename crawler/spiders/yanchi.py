"""盐池县 (吴忠市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class YanchiSpider(NingxiaPlatformSpider):
    name = "yanchi"
    county_code = "640323"
