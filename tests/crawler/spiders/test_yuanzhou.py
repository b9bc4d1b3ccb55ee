"""原州区 (yuanzhou): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.yuanzhou import YuanzhouSpider
from tests.crawler.spiders.support import assert_county_spider


def test_yuanzhou_spider() -> None:
    assert_county_spider(YuanzhouSpider, code="640402", host="www.yzh.gov.cn")
