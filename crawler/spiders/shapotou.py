"""沙坡头区 (中卫市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class ShapotouSpider(NingxiaPlatformSpider):
    name = "shapotou"
    county_code = "640502"
