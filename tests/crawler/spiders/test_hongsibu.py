"""红寺堡区 (hongsibu): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.hongsibu import HongsibuSpider
from tests.crawler.spiders.support import assert_county_spider


def test_hongsibu_spider() -> None:
    assert_county_spider(HongsibuSpider, code="640303", host="www.hongsibu.gov.cn")
