"""利通区 (吴忠市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class LitongSpider(NingxiaPlatformSpider):
    name = "litong"
    county_code = "640302"
