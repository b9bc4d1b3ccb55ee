"""泾源县 (固原市): the shared Ningxia platform, no deviations."""

from crawler.platform import NingxiaPlatformSpider


class JingyuanSpider(NingxiaPlatformSpider):
    name = "jingyuan"
    county_code = "640424"
