"""永宁县 (yongning): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.yongning import YongningSpider
from tests.crawler.spiders.support import assert_county_spider


def test_yongning_spider() -> None:
    assert_county_spider(YongningSpider, code="640121", host="www.nxyn.gov.cn")
