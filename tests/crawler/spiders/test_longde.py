"""隆德县 (longde): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.longde import LongdeSpider
from tests.crawler.spiders.support import assert_county_spider


def test_longde_spider() -> None:
    assert_county_spider(LongdeSpider, code="640423", host="www.nxld.gov.cn")
