"""平罗县 (pingluo): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.pingluo import PingluoSpider
from tests.crawler.spiders.support import assert_county_spider


def test_pingluo_spider() -> None:
    assert_county_spider(PingluoSpider, code="640221", host="www.pingluo.gov.cn")
