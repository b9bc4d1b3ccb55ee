"""What a URL tells of the page it leads to, before it is fetched: a document file, an
article (report) page, a list page and its place in a paginated list (`list_3.html` of
`list.html`), and the pages a `createPageHTML(...)` pager declares.

Pure functions of URLs and page text; the platform spider (`crawler.platform`) and the families
(`crawler/families/`) navigate with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

DOCUMENT_EXTENSIONS: Final = frozenset({"pdf", "doc", "docx", "wps", "et", "xls", "xlsx"})

# An article (report) page of the shared CMS: `/tYYYYMMDD_<id>.html`.
ARTICLE_PATH: Final = re.compile(r"/t\d{8}_\d+\.s?html?$", re.IGNORECASE)
_LIST_PAGE_NAME = re.compile(r"^(index|list)(?:_(\d+))?\.s?html?$", re.IGNORECASE)
_CREATE_PAGE_HTML = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,"
    r"\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)


def path_of(url: str) -> str:
    return urlsplit(url).path or "/"


def extension_of(url: str) -> str:
    """The lower-case file extension of a URL's path ("" when there is none)."""
    name = path_of(url).rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_document_file(url: str) -> bool:
    return extension_of(url) in DOCUMENT_EXTENSIONS


def is_listing_url(url: str) -> bool:
    """A column or list page: a folder, `index.html`, `list_3.html` …"""
    path = path_of(url)
    return path.endswith("/") or bool(_LIST_PAGE_NAME.match(path.rsplit("/", 1)[-1]))


def is_article_url(url: str) -> bool:
    return bool(ARTICLE_PATH.search(path_of(url)))


def is_numbered_page(url: str) -> bool:
    """`list_3.html`, `index_1.html`: a page after the first of a paginated list."""
    match = _LIST_PAGE_NAME.match(path_of(url).rsplit("/", 1)[-1])
    return bool(match and match.group(2))


def folder_of(url: str) -> str:
    """The folder a page lives in, as an absolute URL ending in "/"."""
    parts = urlsplit(url)
    folder = parts.path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}{folder}"


def page_count(text: str) -> tuple[int, str, str] | None:
    """`createPageHTML(pages, current, "index", "html")` → (pages, "index", "html")."""
    match = _CREATE_PAGE_HTML.search(text)
    if match is None:
        return None
    return int(match.group(1)), match.group(3), match.group(4)


@dataclass(frozen=True, slots=True)
class PageCount:
    """What a pager declares: `pages` pages named `<stem>.<ext>`, `<stem>_1.<ext>` …"""

    pages: int
    stem: str
    ext: str


@dataclass(frozen=True, slots=True)
class ListPage:
    """Where a list page sits in its list: folder URL, name stem ("" for the folder itself),
    page number (0 for the first page)."""

    folder: str
    stem: str
    number: int


_PAGED_NAME = re.compile(r"^(?!t\d)([A-Za-z][\w-]*?)(?:_(\d{1,7}))?\.s?html?$")


def list_page(url: str) -> ListPage | None:
    """`…/x/list_zw_wj_3.shtml` → (…/x/, list_zw_wj, 3); a folder → (folder, "", 0); None for an
    article page or another name."""
    path = path_of(url)
    if path.endswith("/"):
        return ListPage(folder_of(url), "", 0)
    if is_article_url(url):
        return None
    match = _PAGED_NAME.match(path.rsplit("/", 1)[-1])
    if match is None:
        return None
    return ListPage(folder_of(url), match.group(1), int(match.group(2) or 0))


def numbered_pages(folder: str, pages: int, prefix: str, ext: str) -> list[str]:
    """Every page after the first of a paginated list: `index_1.html` … `index_{pages-1}.html`."""
    return [f"{folder}{prefix}_{n}.{ext}" for n in range(1, pages)]


def next_page_guess(url: str) -> str | None:
    """The page after `list.html` / `list_N.html` / `index_N.html`, or None for other URLs."""
    name = path_of(url).rsplit("/", 1)[-1]
    match = _LIST_PAGE_NAME.match(name)
    if match is None:
        return None
    number = int(match.group(2) or 0) + 1
    suffix = name.rsplit(".", 1)[-1]
    return f"{folder_of(url)}{match.group(1)}_{number}.{suffix}"
