"""灵武市 (lingwu): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.lingwu import LingwuSpider
from tests.crawler.spiders.support import assert_county_spider


def test_lingwu_spider() -> None:
    assert_county_spider(LingwuSpider, code="640181", host="www.nxlw.gov.cn")
