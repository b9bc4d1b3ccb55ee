"""海原县 (haiyuan): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.haiyuan import HaiyuanSpider
from tests.crawler.spiders.support import assert_county_spider


def test_haiyuan_spider() -> None:
    assert_county_spider(HaiyuanSpider, code="640522", host="www.nxhy.gov.cn")
