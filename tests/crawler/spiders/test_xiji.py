"""西吉县 (xiji): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.xiji import XijiSpider
from tests.crawler.spiders.support import assert_county_spider


def test_xiji_spider() -> None:
    assert_county_spider(XijiSpider, code="640422", host="www.nxxj.gov.cn")
