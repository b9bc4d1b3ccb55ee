"""泾源县 (jingyuan): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.jingyuan import JingyuanSpider
from tests.crawler.spiders.support import assert_county_spider


def test_jingyuan_spider() -> None:
    assert_county_spider(JingyuanSpider, code="640424", host="www.nxjy.gov.cn")
