"""青铜峡市 (qingtongxia): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.qingtongxia import QingtongxiaSpider
from tests.crawler.spiders.support import assert_county_spider


def test_qingtongxia_spider() -> None:
    assert_county_spider(QingtongxiaSpider, code="640381", host="www.qtx.gov.cn")
