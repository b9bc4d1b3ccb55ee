"""金凤区 (银川市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class JinfengSpider(NingxiaPlatformSpider):
    name = "jinfeng"
    county_code = "640106"
