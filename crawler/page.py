"""Reading a fetched HTML page: `Page` (parsed once per callback, lazily) and the `Link`s it
shows, however a site writes them: `<a href>`, `window.open` in an href or an onclick, `<iframe>`
and `<embed>` sources (a pdf.js viewer is unwrapped to the file it shows), links an inline
script writes; each with its label (the longer of text and title) and the date printed in its
list row.

What every platform family's pages share; the navigation that uses it is `crawler.platform`.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, urljoin, urlsplit

import cssselect
from cssselect import HTMLTranslator
from cssselect.parser import CombinedSelector
from lxml import etree
from parsel import Selector, SelectorList
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

_WINDOW_OPEN = re.compile(r"""(?:window\.open|location\.href\s*=)\s*\(?\s*['"]([^'"]+)['"]""")
DATE: Final = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# A union of one path per kind, not one path testing each element for every kind: libxml2
# makes a node-set for every `self::` test in a predicate, and the single path took three
# times as long (≈ 3 % of the reactor thread at 300 sites, issue 9). A union is in document
# order, each node once.
LINK_NODES: Final = etree.XPath(
    " | ".join(
        f"descendant-or-self::{step}"
        for step in (
            "a[@href]",
            "area[@href]",
            "*[@onclick]",
            "iframe[@src]",
            "embed[@src]",
            "script[contains(., 'document.write')]",
        )
    )
)
# Links an inline script writes (`document.write('<a href="./P0….pdf">…</a>')`, or a variable
# holding the file's URL then written): the href values it writes, and the string literals that
# name a document file, with the text of the first anchor it writes as their label.
_SCRIPT_HREF = re.compile(r"""href\s*=\s*\\?["']([^"'\\+]+)\\?["']""", re.IGNORECASE)
_SCRIPT_FILE = re.compile(
    r"""(["'])([^"'\s<>+]{1,500}?\.(?:pdf|docx?|wps|et|xlsx?))\1""", re.IGNORECASE
)
_SCRIPT_ANCHOR_TEXT = re.compile(r"<a\b[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)
_SCRIPT_CONCATENATION = re.compile(r"""['"]\s*\+[^+]*\+\s*['"]""")
# A pdf.js viewer (`…/pdfjs/web/viewer.html?file=/…/P0….pdf`) shows the file its `file` names.
_PDF_VIEWER = re.compile(r"/viewer\.html?$", re.IGNORECASE)
_ROW_TAGS = frozenset({"li", "tr", "ul", "dd", "p"})
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_HEAD_METAS = etree.XPath("/html/head/meta[@name]")
_VISIBLE_TEXT = etree.XPath(
    "descendant-or-self::text()[not(parent::script or parent::style)]", smart_strings=False
)
HTML_TAG: Final = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Link:
    """A link as the page shows it: absolute URL, visible title, and the date printed beside it."""

    url: str
    text: str
    date: str | None = None


def normalise_text(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def iso_date(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


class Page:
    """A fetched HTML page, parsed once for one callback.

    The tree lives as long as the callback, not as long as the response: Scrapy keeps a
    response until every item it produced has passed the pipelines (parser, store), and a cached
    lxml tree is ten times the page's size.
    """

    def __init__(self, response: TextResponse) -> None:
        self.response = response
        self.url = response.url
        self.text = response.text
        self.base_url = get_base_url(response)
        self._root: Any = None
        self._selector: Selector | None = None
        self._links: dict[str | None, list[Link]] = {}

    @property
    def root(self) -> Any:
        """The page's lxml tree, parsed on first use: a report page whose head says all the
        spider needs is never parsed whole (parsing is most of what a report page costs)."""
        if self._root is None:
            self._root = _html_root(self.text, self.base_url)
        return self._root

    def metas(self) -> dict[str, str]:
        """The named `<meta>` of the page's head, name → content (the first of each name).

        Read from the head alone, parsed on its own when the whole page is not parsed yet.
        """
        tree = self._root
        if tree is None:
            end = _HEAD_END.search(self.text)
            tree = _html_root(self.text[: end.end()], self.base_url) if end else self.root
        metas: dict[str, str] = {}
        for meta in _HEAD_METAS(tree):
            metas.setdefault(meta.get("name"), meta.get("content") or "")
        return metas

    @property
    def selector(self) -> Selector:
        """The page as a parsel `Selector`, made on first use (the spider itself reads lxml)."""
        if self._selector is None:
            self._selector = Selector(root=self.root, type="html", base_url=self.base_url)
        return self._selector

    def css(self, query: str) -> SelectorList[Selector]:
        return self.selector.css(query)

    def xpath(self, query: str) -> SelectorList[Selector]:
        return self.selector.xpath(query)

    def select(self, css: str) -> list[Any]:
        """The lxml elements matching a CSS query (compiled once per query: no Selector objects,
        which cost more than the query on pages this size)."""
        return _compiled_css(css)(self.root)  # type: ignore[no-any-return]

    def first_match(self, selectors: tuple[str, ...]) -> str | None:
        """The first of `selectors` (in their order of preference) that matches the page.

        One pass over the page for all of them, then a look at the few elements found: a query
        per selector scans the whole page each time.
        """
        found = any_of(selectors)(self.root)
        for css in selectors:
            if not _is_simple(css):
                if self.select(css):
                    return css
            elif any(_compiled_css(css, "self::")(element) for element in found):
                return css
        return None

    def head_text(self, limit: int) -> str:
        """The page's visible text in document order, up to about `limit` characters."""
        body = self.root.find("body")
        pieces: list[str] = []
        length = 0
        for text in _VISIBLE_TEXT(body if body is not None else self.root):
            pieces.append(text)
            length += len(text)
            if length > limit:
                break
        return normalise_text(" ".join(pieces))

    def links(self, scope: str | None = None) -> list[Link]:
        """Every link of the page (or of the elements matching the CSS `scope`), in page order.

        Covers `<a href>`, `onclick="window.open('…')"` on any element, `javascript:window.open`
        hrefs, and `<iframe>`/`<embed>` sources (inline PDF viewers). The title is the longer of
        the link text and its `title` attribute: list pages truncate long titles with "…".
        """
        if scope not in self._links:
            roots = self.select(scope) if scope else [self.root]
            self._links[scope] = _extract_links(roots, self.base_url)
        return self._links[scope]


def _html_root(text: str, base_url: str) -> Any:
    """The page's lxml tree, parsed as parsel parses it but into plain elements (no lxml.html
    class lookup: every element the spider touches from Python costs less)."""
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root: Any = etree.fromstring(body, parser=parser, base_url=base_url)
    if root is None:  # nothing but comments or whitespace
        root = etree.fromstring(b"<html/>", parser=parser, base_url=base_url)
    return root


@functools.lru_cache(maxsize=256)
def _compiled_css(css: str, prefix: str = "descendant-or-self::") -> etree.XPath:
    return etree.XPath(HTMLTranslator().css_to_xpath(css, prefix=prefix))


@functools.lru_cache(maxsize=256)
def _is_simple(css: str) -> bool:
    """No combinator: whether an element matches can be told from the element alone."""
    return not any(isinstance(s.parsed_tree, CombinedSelector) for s in cssselect.parse(css))


@functools.lru_cache(maxsize=64)
def any_of(selectors: tuple[str, ...]) -> etree.XPath:
    """Elements matching any of `selectors`, in page order: one pass over the page when every
    selector is simple, else a union of queries."""
    if not all(_is_simple(css) for css in selectors):
        return _compiled_css(", ".join(selectors))
    translator = HTMLTranslator()
    tests = " or ".join(
        f"({translator.selector_to_xpath(selector, prefix='self::')})"
        for css in selectors
        for selector in cssselect.parse(css)
    )
    return etree.XPath(f"descendant-or-self::*[{tests}]")


def _extract_links(roots: list[Any], base: str) -> list[Link]:
    # lxml directly, not parsel: wrapping every node and text in a Selector made link
    # extraction the crawl's main CPU cost.
    links: list[Link] = []
    row_dates: dict[Any, str | None] = {}  # a menu's links share their rows: read each once
    for root in roots:
        for node in LINK_NODES(root):
            urls = link_urls(node, base)
            if urls:
                label, date = link_label(node), _row_date(node, row_dates)
                links.extend(Link(url, label, date) for url in urls)
    return links


def _script_targets(script: str) -> list[str]:
    """The URLs an inline script writes as links (see `_SCRIPT_HREF`, `_SCRIPT_FILE`)."""
    targets = [
        href
        for href in _SCRIPT_HREF.findall(script)
        if not href.lower().startswith(("javascript:", "#", "mailto:"))
    ]
    # A literal is a URL when it reads as a path (a file *name* is often a literal too).
    targets.extend(
        match.group(2)
        for match in _SCRIPT_FILE.finditer(script)
        if match.group(2).isascii() or match.group(2).startswith(("/", "./", "../", "http"))
    )
    return list(dict.fromkeys(targets))


def _unwrap_viewer(url: str) -> str:
    """The file a pdf.js viewer URL shows (resolved against the viewer), else the URL itself."""
    parts = urlsplit(url)
    if not _PDF_VIEWER.search(parts.path):
        return url
    shown = parse_qs(parts.query).get("file")
    return urljoin(url, shown[0]) if shown and shown[0] else url


def link_urls(node: Any, base: str) -> list[str]:
    """The absolute URLs a link node leads to (href, window.open in href or onclick, src)."""
    targets: list[str] = []
    if node.tag == "script":
        targets = _script_targets(node.text or "")
        return [urljoin(base, target).split("#", 1)[0] for target in targets]
    href = (node.get("href") or "").strip()
    if href.lower().startswith("javascript:"):
        targets.extend(_WINDOW_OPEN.findall(href))
    elif href and not href.startswith("#") and not href.lower().startswith("mailto:"):
        targets.append(href)
    onclick = node.get("onclick")
    if onclick:
        targets.extend(_WINDOW_OPEN.findall(onclick))
    if node.tag in {"iframe", "embed"}:
        targets.append((node.get("src") or "").strip())
    return [_unwrap_viewer(urljoin(base, target).split("#", 1)[0]) for target in targets if target]


def link_label(node: Any) -> str:
    """The longer of a link's text and its `title` (for a script, the anchor it writes)."""
    if node.tag == "script":
        script = node.text or ""
        anchor = _SCRIPT_ANCHOR_TEXT.search(script)
        text = _SCRIPT_CONCATENATION.sub("", anchor.group(1)) if anchor else ""
        if not text.strip():  # the text is a variable: a file name literal says what it is
            names = [m.group(2) for m in _SCRIPT_FILE.finditer(script)]
            text = next((n for n in names if not n.isascii() and "/" not in n), "")
        return normalise_text(HTML_TAG.sub("", text))
    text = normalise_text(text_of(node))
    title = normalise_text(node.get("title") or "")
    return title if len(title) > len(text) else text


def text_of(node: Any) -> str:
    return " ".join(node.itertext())


def _row_date(node: Any, row_dates: dict[Any, str | None]) -> str | None:
    """The date printed in the same list row as a link (li, tr, ul, dd or p around it)."""
    rows = 0
    for row in itertools.chain([node], node.iterancestors()):
        if row.tag not in _ROW_TAGS:
            continue
        if row not in row_dates:
            row_dates[row] = iso_date(DATE.search(text_of(row)))
        date = row_dates[row]
        if date:
            return date
        rows += 1
        if rows == 2:
            break
    return None
