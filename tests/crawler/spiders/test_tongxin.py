"""同心县 (tongxin): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.tongxin import TongxinSpider
from tests.crawler.spiders.support import assert_county_spider


def test_tongxin_spider() -> None:
    assert_county_spider(TongxinSpider, code="640324", host="www.tongxin.gov.cn")
