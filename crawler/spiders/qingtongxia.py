"""青铜峡市 (吴忠市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class QingtongxiaSpider(NingxiaPlatformSpider):
    name = "qingtongxia"
    county_code = "640381"
