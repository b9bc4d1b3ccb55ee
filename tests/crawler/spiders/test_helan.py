"""贺兰县 (helan): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.helan import HelanSpider
from tests.crawler.spiders.support import assert_county_spider


def test_helan_spider() -> None:
    assert_county_spider(HelanSpider, code="640122", host="www.nxhl.gov.cn")
