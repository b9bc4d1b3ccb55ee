"""兴庆区 (xingqing): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.xingqing import XingqingSpider
from tests.crawler.spiders.support import assert_county_spider


def test_xingqing_spider() -> None:
    assert_county_spider(XingqingSpider, code="640104", host="www.xqq.gov.cn")
