"""盐池县 (yanchi): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.yanchi import YanchiSpider
from tests.crawler.spiders.support import assert_county_spider


def test_yanchi_spider() -> None:
    assert_county_spider(YanchiSpider, code="640323", host="www.yanchi.gov.cn")
