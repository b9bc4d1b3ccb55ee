"""利通区 (litong): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.litong import LitongSpider
from tests.crawler.spiders.support import assert_county_spider


def test_litong_spider() -> None:
    assert_county_spider(LitongSpider, code="640302", host="www.ltq.gov.cn")
