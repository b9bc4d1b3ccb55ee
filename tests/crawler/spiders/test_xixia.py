"""西夏区 (xixia): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.xixia import XixiaSpider
from tests.crawler.spiders.support import assert_county_spider


def test_xixia_spider() -> None:
    assert_county_spider(XixiaSpider, code="640105", host="www.ycxixia.gov.cn")
