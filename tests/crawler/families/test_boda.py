"""博达 VSB: `list.jsp` pagers, `content.jsp` and `/info/` articles, `download.jsp` files."""

from __future__ import annotations

from crawler.families.boda import BodaSpider, is_boda_article, tree_of
from tests.crawler.families.support import family_spider, get, items_of, requests_of

HOST = "http://www.gangu.gov.cn"
ANNUAL = f"{HOST}/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1015"


def spider() -> BodaSpider:
    found = family_spider("620523")
    assert isinstance(found, BodaSpider)
    return found


def test_url_shapes() -> None:
    assert is_boda_article(f"{HOST}/content.jsp?urltype=news.NewsContentUrl&wbtreeid=1&wbnewsid=2")
    assert is_boda_article(f"{HOST}/info/1015/22107.htm")
    assert not is_boda_article(f"{HOST}/content.jsp?urltype=news.NewsContentUrl")
    assert tree_of(ANNUAL) == "1015"
    assert tree_of(f"{HOST}/info/1015/22107.htm") is None


def test_column_pages_follow_the_pager() -> None:
    boda = spider()
    requests = requests_of(list(boda.parse_column(get(ANNUAL))))
    pages = [r.url for r in requests if r.callback == boda.parse_column]
    second = f"{HOST}/list.jsp?a2t=2&a2p=2&a2c=3&urltype=tree.TreeTempUrl&wbtreeid=1015"
    assert pages == [second, second]  # 下页 and 尾页; the duplicate filter keeps one
    articles = [r.url for r in requests if r.callback != boda.parse_column]
    assert len(articles) == 3  # 天水市's report, the county's, a notice
    requests = requests_of(list(boda.parse_column(get(second))))
    assert [r.url for r in requests if r.callback != boda.parse_column] == [
        f"{HOST}/info/1015/22107.htm"
    ]
    back = f"{HOST}/list.jsp?a2t=2&a2p=1&a2c=3&urltype=tree.TreeTempUrl&wbtreeid=1015"
    assert [r.url for r in requests if r.callback == boda.parse_column] == [back, back]


def test_the_download_link_in_the_articles_form_is_the_attachment() -> None:
    (item,) = items_of(list(spider().parse_document(get(f"{HOST}/info/1015/22107.htm"))))
    assert item.file_urls == [
        f"{HOST}/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
        "&owner=1538716301&wbfileid=8876501"
    ]
