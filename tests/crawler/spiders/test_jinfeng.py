"""金凤区 (jinfeng): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.jinfeng import JinfengSpider
from tests.crawler.spiders.support import assert_county_spider


def test_jinfeng_spider() -> None:
    assert_county_spider(JinfengSpider, code="640106", host="www.ycjinfeng.gov.cn")
