"""沙坡头区 (shapotou): the spider's registry data and its byte-exact page fixtures."""

from crawler.spiders.shapotou import ShapotouSpider
from tests.crawler.spiders.support import assert_county_spider


def test_shapotou_spider() -> None:
    assert_county_spider(ShapotouSpider, code="640502", host="www.spt.gov.cn")
