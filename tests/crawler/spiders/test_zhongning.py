"""中宁县 (zhongning): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.zhongning import ZhongningSpider
from tests.crawler.spiders.support import assert_county_spider


def test_zhongning_spider() -> None:
    assert_county_spider(ZhongningSpider, code="640521", host="www.znzf.gov.cn")
