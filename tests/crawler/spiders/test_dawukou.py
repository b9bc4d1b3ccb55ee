"""大武口区 (dawukou): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.dawukou import DawukouSpider
from tests.crawler.spiders.support import assert_county_spider


def test_dawukou_spider() -> None:
    assert_county_spider(DawukouSpider, code="640202", host="www.dwk.gov.cn")
