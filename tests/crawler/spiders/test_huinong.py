"""惠农区 (huinong): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.huinong import HuinongSpider
from tests.crawler.spiders.support import assert_county_spider


def test_huinong_spider() -> None:
    assert_county_spider(HuinongSpider, code="640205", host="www.huinong.gov.cn")
