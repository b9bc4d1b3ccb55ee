"""彭阳县 (pengyang): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.pengyang import PengyangSpider
from tests.crawler.spiders.support import assert_county_spider


def test_pengyang_spider() -> None:
    assert_county_spider(PengyangSpider, code="640425", host="www.pengyang.gov.cn")
