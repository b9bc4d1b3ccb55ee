"""中宁县 (中卫市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class ZhongningSpider(NingxiaPlatformSpider):
    name = "zhongning"
    county_code = "640521"
