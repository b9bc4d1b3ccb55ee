"""HTML article pages: charset, article body, paragraphs and tables in order, page metadata.

The report is the article body of a CMS page (the TRS-style CMS of the Ningxia sites and its
cousins elsewhere). Navigation, headers and footers are dropped; the page's metadata lines
(发布日期, 来源, 发布机构) sit outside the body and become container metadata.

One module past 600 lines: every reader here walks the same lexbor tree with the same rules
(what breaks a line, which nodes are compared by `mem_id`, which tags are dropped), and
`bench/compare_html.py` checks them together; split, each part would import the others' rules.
"""

from __future__ import annotations

import codecs
import ctypes
import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Final

from selectolax.lexbor import LexborHTMLParser, LexborNode, create_tag
from w3lib.encoding import html_to_unicode

from reportparser.dates import read_date
from reportparser.document import Block, ExtractedDocument, Paragraph, Table
from reportparser.formats.errors import Unreadable
from reportparser.formats.limits import MB, Limits, TextBudget
from reportparser.formats.tables import RawCell, build_table, parse_span
from reportparser.formats.text import (
    Mojibake,
    charset_from_content_type,
    measure,
    normalise_charset,
    repair_mojibake,
)

# Article containers of the CMSs we know, most specific first.
BODY_CLASSES: Final = (
    "zz-xl-ct",
    "zz-xl-sec",
    "TRS_Editor",
    "trs_editor_view",
    "TRS_UEDITOR",
    "art-cont",
    "article-content",
    "pages_content",
)
BODY_IDS: Final = ("zoom", "Zoom", "UCAP-CONTENT", "content")

_DROP: Final = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "nav",
    "header",
    "footer",
    "select",
    "button",
    "input",
    "textarea",
    "object",
    "embed",
    "svg",
)
BLOCK_TAGS: Final = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "summary",
        "table", "tr", "td", "th", "caption", "tbody", "thead", "tfoot", "ul", "body",
    }
)  # fmt: skip
_BREAKING: Final = tuple(
    sorted((BLOCK_TAGS - {"table", "tr", "td", "th", "tbody", "thead", "tfoot"}) | {"br"})
)


def decode_html(data: bytes, content_type: str | None) -> tuple[str, str]:
    """Declared charset (header, then <meta>), else detection; GBK and GB2312 read as GB18030.

    A declaration that is plainly wrong (many undecodable bytes where another encoding
    decodes cleanly) loses to the encoding that works: some CMSs declare gb2312 and send UTF-8.
    So does a declared charset that yields no Chinese at all where GB18030 yields Chinese text.
    """
    header = None
    declared = charset_from_content_type(content_type)
    if declared:
        header = f"text/html; charset={normalise_charset(declared)}"
    encoding, text = html_to_unicode(header, data, auto_detect_fun=_detect)
    if normalise_charset(encoding) != "utf-8" and not data.isascii():
        # Long non-ASCII text that is valid UTF-8 is UTF-8, whatever the page declares.
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    if text.count("\ufffd") > max(3, len(text) // 1000):
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    if normalise_charset(encoding) != "utf-8" and not data.isascii() and not _HANZI.search(text):
        # A GBK page served as `charset=ISO-8859-1` (a server default) decodes without an
        # error into Latin letters: no Chinese at all, on a Chinese government site. If GB18030
        # reads it as Chinese, that is what it is. (Not UTF-8 bytes: those are valid UTF-8 and
        # were read as such above; UTF-8 read as Latin and saved again is `repair_mojibake`'s.)
        try:
            chinese = data.decode("gb18030")
        except UnicodeDecodeError:
            chinese = ""
        if _mostly_hanzi(chinese):
            return chinese, "gb18030"
    return text, encoding


def utf8_markup(data: bytes) -> str | None:
    """The page as `decode_html` reads it, when that is plainly its UTF-8 decoding; else None.

    Non-ASCII bytes that decode as UTF-8 are read as UTF-8 whatever the page declares, so
    when they also hold no BOM (which `decode_html` strips) and no U+FFFD (whose count can
    send it to GB18030), the declarations need not be looked at. The caller may then hand
    the parser the bytes themselves instead of encoding the text again.
    """
    if data.isascii() or data.startswith(codecs.BOM_UTF8):
        return None
    try:
        markup = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # U+FFFD looked for in the text, not its three bytes in the bytes: the same answer (valid
    # UTF-8 writes it one way), a thirtieth of the cost (a character search is a memchr).
    return None if "\ufffd" in markup else markup


_HANZI: Final = re.compile(r"[\u4e00-\u9fff]")


def _mostly_hanzi(text: str) -> bool:
    """Whether the non-ASCII text is mostly hanzi. Latin text read as GB18030 makes a few stray
    hanzi of its accented letters, never mostly hanzi."""
    hanzi = len(_HANZI.findall(text))
    other = len(text) - len(text.encode("ascii", "ignore")) - hanzi
    return hanzi >= 10 and hanzi >= 2 * other


def _detect(data: bytes) -> str | None:
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


# The tree is lexbor's (selectolax), an HTML5 parser: a page parses as a browser shows it, and
# in a third of libxml2's time. A node handed back by selectolax is a new Python object each
# time, never identical (`is`) to another one of the same node; `mem_id` (the node's address,
# also its hash) tells nodes apart. Never `==`: it compares two nodes' serialised HTML, which
# costs two serialisations and finds two cells holding the same number equal.
# Comments stay in the tree (node tag "-comment"): every walk below skips them, as libxml2's
# reader dropped them; text nodes (tag "-text") are the browser's, text and tails alike.


def _keep_freed_heap() -> None:
    """Have glibc keep freed memory for the next page instead of handing it to the kernel.

    lexbor builds each page in arenas of its own, freed with the page. glibc's defaults give
    them back at once (chunks over 128 kB are mapped and unmapped each time; a free top of the
    heap over twice that is trimmed), and the next page faults the same pages in again: 0.5 ms
    of a 3 ms page in the kernel. A process that reads HTML keeps up to 64 MB of freed heap
    instead (a page's tree is some 1-2 MB). Process-wide and idempotent; nothing is done where
    the C library has no `mallopt` (not glibc).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h>
    mallopt(m_mmap_threshold, 32 * MB)
    mallopt(m_trim_threshold, 64 * MB)


_keep_freed_heap()


# Tags that carry no structure: dropping them keeps every word of text where it was.
_INLINE_TAGS: Final = re.compile(
    rb"</?(?:span|font|b|i|u|s|strong|em|a|sup|sub|small|big|strike|label|abbr|code|o:p)"
    rb"(?=[\s/>])[^>]*>",
    re.IGNORECASE,
)
# Runs of opening (or closing) tags with nothing between them: a hostile page nests thousands
# of empty <div>s; the text inside keeps its place when both runs go.
_TAG_RUNS: Final = (
    re.compile(rb"(?:<[a-zA-Z][^<>]*>\s*){64,}"),
    re.compile(rb"(?:</[^<>]*>\s*){64,}"),
)
# Nesting past this depth is flattened before the parse, as libxml2 (with huge_tree) stopped
# at it: lexbor has no limit, but each block start tag looks down the stack of open elements
# (is a <p> open?), so 100 000 nested <div>s cost it a minute.
_MAX_DEPTH: Final = 2048
_CONTAINER_TAGS: Final = re.compile(
    rb"</?(?:div|section|article|aside|main|center|blockquote|form|fieldset|ul|ol|dl|header"
    rb"|footer|nav|details|figure|address|menu|dir)(?=[\s/>])[^>]*>",
    re.IGNORECASE,
)
_TAG: Final = re.compile(rb"<(/?)([a-zA-Z][^\s/>]*)")
# Tags that never deepen the tree: void elements, and those the parser closes at the next
# sibling (an unclosed <p>, <td> or <li> is the rule on old pages, not nesting).
_FLAT: Final = frozenset(
    b"area base br col embed hr img input link meta param source track wbr "
    b"p li dt dd td th tr tbody thead tfoot option colgroup".split()
)


def _depth(data: bytes) -> int:
    """An upper estimate of the page's nesting depth, read from its tags alone."""
    depth = deepest = 0
    for close, name in _TAG.findall(data):
        if name.lower() in _FLAT:
            continue
        if close:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _parse(markup: str, utf8: bytes | None = None) -> LexborNode:
    """The page's <html> element; `utf8` is `markup` encoded as UTF-8, if the caller has it."""
    data = markup.encode("utf-8") if utf8 is None else utf8
    # Counting tags is a C loop over the bytes: no page nests deeper than it has tags.
    if data.count(b"<") > _MAX_DEPTH and _depth(data) > _MAX_DEPTH:
        # Inline tags nested thousands deep (an editor's runaway <span>s) or long runs of bare
        # tags are the cause; the text keeps its place without them.
        data = _INLINE_TAGS.sub(b"", data)
        for runs in _TAG_RUNS:
            data = runs.sub(b"", data)
        if _depth(data) > _MAX_DEPTH:
            # Still nested past the limit, with text at every level: the block containers go
            # too (their text stays, run together), or the parse takes minutes.
            data = _CONTAINER_TAGS.sub(b" ", data)
    # Bytes are read as UTF-8 (the markup was decoded to str before, and encoded back):
    # lexbor's own charset sniffing is off unless asked for.
    root = LexborHTMLParser(data).root
    if root is None:  # an HTML document always has its <html>, whatever the input
        raise Unreadable("error", "the HTML parser built no document")
    return root


def _child(element: LexborNode, tag: str) -> LexborNode | None:
    for child in element.iter():
        if child.tag == tag:
            return child
    return None


def squash(text: str) -> str:
    """HTML whitespace (with &nbsp; and full-width spaces) collapsed to single spaces."""
    # str.split() knows every Unicode space, but not the zero-width space and the BOM that
    # editors leave in text.
    if "\u200b" in text or "\ufeff" in text:
        text = text.replace("\u200b", " ").replace("\ufeff", " ")
    return " ".join(text.split())


def has_text(element: LexborNode) -> bool:
    # The first text node that is not all (Unicode) spaces ends the walk; lexbor skips the
    # ASCII-blank ones itself.
    for node in element.traverse(include_text=True, skip_empty=True):
        if node.tag == "-text":
            text = node.text_content
            if text and not text.isspace():
                return True
    return False


def _has_table(element: LexborNode) -> bool:
    """Whether a <table> is inside `element`: a query from each child (a query also matches
    the node it starts from), each stopping at its first match: a query for all of them from
    `element` costs the square of their number on nested tables."""
    return any(
        child.css_first("table") is not None for child in element.iter() if child.tag != "-comment"
    )


# What finds the candidates: a net wider than the names (a class or id containing a part of
# some, in any case), each catch ranked from its attributes as written. lexbor's query costs
# some 50 instructions an element for each selector of the list, a catch a few hundred: five
# selectors where a selector a name took twelve (1.4 M instructions a report).
# tests/reportparser/formats/test_html.py checks that every name is caught.
BODY_SELECTOR: Final = (
    '[class*="zz-xl-"], [class*="trs_" i], [class*="cont"], [id="zoom" i], [id*="content" i]'
)


def find_body(root: LexborNode) -> LexborNode:
    """The article container: a known CMS class or id, else the densest block of text."""
    ranked: list[tuple[int, int, LexborNode]] = []
    # lexbor's selector engine finds the candidates in C, in document order. It matches
    # classes and ids without regard to case on a page without a doctype (quirks mode), so
    # each candidate's rank is read from its attributes, as written.
    root_id = root.mem_id
    for order, element in enumerate(root.css(BODY_SELECTOR)):
        if element.mem_id == root_id:
            continue  # the root itself is never the article
        attributes = element.attrs
        rank = _body_rank(attributes.get("class"), attributes.get("id"))
        if rank is None:
            continue
        if rank == 0 and _has_content(element):
            return element  # the best rank, first in document order: nothing can beat it
        ranked.append((rank, order, element))
    ranked.sort(key=lambda item: item[:2])
    for _, _, element in ranked:
        if _has_content(element):
            return element
    mark_breaks(root)  # its text lengths count a line break as a space
    return densest_block(root)


def _has_content(element: LexborNode) -> bool:
    return has_text(element) or _has_table(element)


_BODY_CLASS_RANK: Final = {name: rank for rank, name in enumerate(BODY_CLASSES)}
_BODY_ID_RANK: Final = {ident: len(BODY_CLASSES) + k for k, ident in enumerate(BODY_IDS)}
# Most elements with a class are Word's `MsoNormal` paragraphs: one search rules them out.
_ANY_BODY_CLASS: Final = re.compile("|".join(re.escape(name) for name in BODY_CLASSES))


def _body_rank(classes: str | None, ident: str | None) -> int | None:
    if classes and _ANY_BODY_CLASS.search(classes):
        ranks = [_BODY_CLASS_RANK[name] for name in classes.split() if name in _BODY_CLASS_RANK]
        if ranks:
            return min(ranks)
    return _BODY_ID_RANK.get(ident) if ident else None


_PARAGRAPHS: Final = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "dd")
_CONTAINERS: Final = frozenset(
    {"div", "section", "article", "main", "body", "td", "th", "center", "form"}
)


def _container(element: LexborNode) -> LexborNode | None:
    parent = element.parent
    while parent is not None and parent.tag not in _CONTAINERS:
        parent = parent.parent
    return parent


def _text_length(element: LexborNode) -> int:
    return len(squash(element.text()))


def densest_block(root: LexborNode) -> LexborNode:
    """Readability's idea, small: each paragraph's text (less its links) and each data
    table's text credit the nearest container, and half of it the container above; text
    written straight into a container (`<div>line<br>line</div>`) credits that container.
    The best-credited container holds the article."""
    scores: dict[LexborNode, float] = {}

    def credit(box: LexborNode | None, amount: float) -> None:
        if box is not None and amount > 0:
            scores[box] = scores.get(box, 0.0) + amount
            up = _container(box)
            if up is not None:
                scores[up] = scores.get(up, 0.0) + amount / 2

    for element in root.css(", ".join(_PARAGRAPHS)):
        links = sum(_text_length(link) for link in element.css("a"))
        credit(_container(element), _text_length(element) - 2 * links)
    for table in root.css("table"):
        if not _has_table(table):
            credit(_container(table), _text_length(table))
    for box in root.css(", ".join(sorted(_CONTAINERS))):
        credit(box, len(squash(_own_text(box))))
    body = _child(root, "body")
    if not scores:
        return body if body is not None else root
    return max(scores, key=scores.__getitem__)


def _own_text(box: LexborNode) -> str:
    """The text written straight into `box`: before its first child element and after each
    child that is not a paragraph (a paragraph's text was credited as a paragraph)."""
    own: list[str] = []
    keep = True
    for child in box.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            if keep:
                own.append(child.text_content or "")
        elif tag != "-comment":
            keep = tag not in _PARAGRAPHS
    return "".join(own)


# lexbor's numbers for node kinds and tags (fixed for the tags HTML defines; a tag it does not
# know gets a large number of its own): a number read from a node costs less than its name.
_TEXT: Final = 2  # LXB_TAG__TEXT; below _FIRST_ELEMENT: document, comment, doctype
_FIRST_ELEMENT: Final = 6
_BLOCK_IDS: Final = frozenset(create_tag(name).tag_id for name in BLOCK_TAGS)
_BREAKING_IDS: Final = frozenset(create_tag(name).tag_id for name in _BREAKING)
# A walk comparing these costs two thirds of a CSS query for the 15 tags.
_DROP_IDS: Final = frozenset(create_tag(name).tag_id for name in _DROP)
_BR: Final = create_tag("br").tag_id
_TABLE: Final = create_tag("table").tag_id
_ROW_GROUPS: Final = frozenset(create_tag(name).tag_id for name in ("thead", "tbody", "tfoot"))
_TR: Final = create_tag("tr").tag_id
_CELLS: Final = frozenset((create_tag("td").tag_id, create_tag("th").tag_id))

# A text node longer than any report (a whole report is some 20 000 characters).
_HUGE_TEXT: Final = 1_000_000


class _Emitter:
    """Walks a container in document order, collecting lines of text and tables, until the
    text budget is spent."""

    def __init__(self, limits: Limits, skip: LexborNode | None = None) -> None:
        self.limits = limits
        self.skip = skip
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.budget = TextBudget(limits)
        self.skipped: list[int] = []  # lengths of the text nodes skipped as too long

    def flush(self) -> bool:
        """End the line; whether the text budget is spent."""
        if not self.buffer:  # a block's start right after another's end: no line to end
            return self.budget.spent
        line = _line("".join(self.buffer))
        self.buffer.clear()
        if line:
            self.blocks.append(Paragraph(line))
            self.budget.take(line)
        return self.budget.spent

    def emit(self, container: LexborNode) -> None:
        """The container's lines and tables. A line ends where a block element or a <br>
        starts and where a block element ends; a walk with a stack of child iterators, not
        recursion: a page may nest thousands deep."""
        if self.budget.spent:
            return
        buffer = self.buffer
        skip = self.skip.mem_id if self.skip is not None else -1
        tag = container.tag or ""
        if (tag in BLOCK_TAGS or tag == "br") and self.flush():
            return
        if container.mem_id == skip:
            self.flush()
            return
        # Each level: the element's children, and whether its end breaks the line.
        stack: list[tuple[Iterator[LexborNode], bool]] = [
            (container.iter(include_text=True), tag in BLOCK_TAGS)
        ]
        while stack:
            children, breaks = stack[-1]
            for node in children:
                kind = node.tag_id
                if kind == _TEXT:
                    text = node.text_content or ""
                    buffer.append(text if len(text) <= _HUGE_TEXT else self.text(text))
                    continue
                if kind < _FIRST_ELEMENT:
                    continue  # a comment
                block = kind in _BLOCK_IDS
                if (block or kind == _BR) and self.flush():
                    return
                if skip >= 0 and node.mem_id == skip:
                    if block and self.flush():
                        return
                    continue
                if kind == _TABLE:
                    self.table(node)
                    if self.budget.spent or self.flush():
                        return
                    continue
                stack.append((node.iter(include_text=True), block))
                break
            else:
                stack.pop()
                if breaks and self.flush():
                    return
        self.flush()

    def text(self, text: str) -> str:
        """A text node as emitted: one past `_HUGE_TEXT` (base64 pasted as text) is skipped,
        or it would spend the text budget before the report."""
        if len(text) <= _HUGE_TEXT:
            return text
        self.skipped.append(len(text))
        return " "

    def table(self, element: LexborNode) -> None:
        rows = own_rows(element)
        cells = [own_cells(row) for row in rows]
        # Layout tables (a frame around the article, a cell holding the real table) are read
        # as containers: their cells' content comes out as paragraphs and inner tables.
        if sum(map(len, cells)) <= 1 or _has_table(element):
            for row in cells:
                for cell in row:
                    self.emit(cell)
                    if self.budget.spent:
                        return
            return
        spanning = {cell.mem_id for cell in element.css("[rowspan], [colspan]")}
        table = build_table(_raw_rows(element, cells, spanning), self.limits)
        if table is not None:
            self.blocks.append(table)


# Put between a cell's text nodes by lexbor: no text holds it (the HTML parser reads NUL as
# U+FFFD).
_SEPARATOR: Final = "\x00"


def _cell_texts(table: LexborNode, cells: list[list[LexborNode]]) -> list[list[str]]:
    """Each cell's text, its line breaks marked where they matter (`mark_breaks`).

    A cell with one text node that is not ASCII blanks (nearly every cell: a number, a label)
    reads the same with marks and without: they would only add line breaks around its one
    line. So each cell's text is first taken without blank nodes, its text nodes apart;
    only when a cell has several does the table's structure decide (`_needs_marks`).
    """
    texts = [[cell.text(separator=_SEPARATOR, skip_empty=True) for cell in row] for row in cells]
    several = [
        (r, c) for r, row in enumerate(texts) for c, text in enumerate(row) if _SEPARATOR in text
    ]
    if several:
        if _needs_marks(table, cells):
            mark_breaks(table)  # the lines of each cell (a table is not itself a break)
        for r, c in several:
            texts[r][c] = cells[r][c].text()
    return texts


def _needs_marks(table: LexborNode, cells: list[list[LexborNode]]) -> bool:
    """Whether a cell's text changes when its breaks are marked: whether the table holds a
    block element or <br> that is not a cell's only one, alone in it (Word's cell)."""
    breaks = len(_breaking(table))
    return bool(breaks) and breaks != sum(map(_one_break, itertools.chain.from_iterable(cells)))


def _breaking(root: LexborNode) -> list[LexborNode]:
    """The block elements and <br>s under `root` (and `root`), in document order.

    A walk comparing tags, not a CSS query: lexbor matches each element against each of the
    33 selectors of the list, which costs twice the walk.
    """
    return [element for element in root.traverse() if element.tag_id in _BREAKING_IDS]


def _one_break(cell: LexborNode) -> bool:
    """Whether the cell holds one block element or <br> and beside it only whitespace and
    comments (Word's `<td><p><span>text</span></p></td>`): `mark_breaks` would put its marks
    before and after every character of the cell's text, changing nothing once it is stripped.

    A table needs no marks when every one of its breaks is such a cell's: when the number of
    these cells is the number of its breaks (no cell has two, and each counts one break).
    """
    child = cell.child
    if child is None:
        return False
    if child.next is None:  # Word's cell: nothing beside its one child, read at once
        return child.tag_id in _BREAKING_IDS
    found = False
    for node in cell.iter(include_text=True):
        kind = node.tag_id
        if kind in _BREAKING_IDS:
            if found:
                return False
            found = True
        elif not _blank(node):
            return False
    return found


def _blank(node: LexborNode) -> bool:
    """Whitespace text or a comment (libxml2's reader dropped comments)."""
    kind = node.tag_id
    if kind == _TEXT:
        text = node.text_content
        return not text or text.isspace()
    return kind < _FIRST_ELEMENT


def _raw_rows(
    table: LexborNode, cells: list[list[LexborNode]], spanning: set[int]
) -> list[list[RawCell]]:
    """Each cell's text, rowspan and colspan; the text is the cell's lines (its <p>, <div>, <br>
    breaks, marked where they matter) joined by newlines, whitespace squashed. One loop: a
    table's cells are the most numerous elements this module reads. `spanning`: the cells
    with a rowspan or colspan attribute (a CSS query per table costs less than reading each
    cell's attributes)."""
    rows: list[list[RawCell]] = []
    for row, texts in zip(cells, _cell_texts(table, cells), strict=True):
        raw: list[RawCell] = []
        add = raw.append
        for cell, raw_text in zip(row, texts, strict=True):
            if raw_text.isdecimal():  # a number: no space to squash, the same in NFC
                text = raw_text
            else:  # `_lines` and `_line` drop the whitespace around it
                text = _lines(raw_text) if "\n" in raw_text else _line(raw_text)
            if not spanning or cell.mem_id not in spanning:
                add((text, 1, 1))
                continue
            attributes = cell.attributes
            rowspan = attributes.get("rowspan")
            colspan = attributes.get("colspan")
            add(
                (
                    text,
                    1 if rowspan is None else parse_span(rowspan),
                    1 if colspan is None else parse_span(colspan),
                )
            )
        rows.append(raw)
    return rows


def own_rows(table: LexborNode) -> list[LexborNode]:
    rows: list[LexborNode] = []
    for child in table.iter():
        tag = child.tag_id
        if tag == _TR:
            rows.append(child)
        elif tag in _ROW_GROUPS:
            rows.extend(grandchild for grandchild in child.iter() if grandchild.tag_id == _TR)
    return rows


def own_cells(row: LexborNode) -> list[LexborNode]:
    return [cell for cell in row.iter() if cell.tag_id in _CELLS]


def _lines(text: str) -> str:
    lines = (_line(part) for part in text.split("\n"))
    return "\n".join(line for line in lines if line)


def mark_breaks(root: LexborNode) -> None:
    """Put a newline before and after every block element and <br> under `root` (and `root`
    itself), so that the text of any subtree, taken in one C call, has its line breaks where
    a browser shows them.

    Only text taken in one call needs them: a table's cells (`_raw_rows`), headings
    (`page_title`), the text lengths of `densest_block`. The emitter breaks lines at the same
    elements itself, and a mark there would only be whitespace at the end of a line, so the
    article's running text is never marked; marking an element twice adds whitespace only.
    """
    for element in _breaking(root):
        if element.parent is not None:
            element.insert_before("\n")
            element.insert_after("\n")


def _line(text: str) -> str:
    if text.isascii():  # a number cell: nothing to normalise, no zero-width space
        return " ".join(text.split())
    return unicodedata.normalize("NFC", squash(text))


# ---- container metadata --------------------------------------------------------------------

_DATE: Final = r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
_DATE_LABELS: Final = (
    re.compile(r"(?:发布日期|发布时间|发表日期|发表时间|发文日期|公开日期)\s*[:：]?\s*" + _DATE),
    re.compile(r"(?<!\w)(?:日期|时间)\s*[:：]\s*" + _DATE),
)
_PUBLISHER_LABELS: Final = (
    re.compile(r"发布机构\s*[:：]?\s*([^\s:：|]{2,40})"),
    re.compile(r"(?:来源|信息来源|文章来源)\s*[:：]\s*([^\s:：|]{2,40})"),
)
_TITLE_SEPARATORS: Final = re.compile(r"\s*(?:_|\||｜| - |——|--)\s*")


def parse_date(year: str, month: str, day: str) -> dt.date | None:
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return date if 1990 <= date.year <= 2100 else None


# The <meta> names each piece of page metadata is read from, first found first.
_TITLE_METAS: Final = ("ArticleTitle", "title")
_DATE_METAS: Final = ("PubDate", "publishdate", "firstpublishedtime", "publish_time")
_PUBLISHER_METAS: Final = ("ContentSource",)
_META_NAMES: Final = frozenset(
    name.lower() for name in _TITLE_METAS + _DATE_METAS + _PUBLISHER_METAS
)


def page_metas(root: LexborNode) -> dict[str, str]:
    """The first non-empty content of each <meta> name in `_META_NAMES`, in document order:
    one query and one read of each element's attributes for all of the page's metadata."""
    found: dict[str, str] = {}
    for meta in root.css("meta"):
        attributes = meta.attrs
        name = (attributes.get("name") or "").strip().lower()
        if name in _META_NAMES and name not in found:
            content = squash(attributes.get("content") or "")
            if content:
                found[name] = content
    return found


def _meta(metas: dict[str, str], names: tuple[str, ...]) -> str | None:
    """The content of the first of these <meta> names in the page (document order)."""
    wanted = {name.lower() for name in names}
    return next((content for name, content in metas.items() if name in wanted), None)


def outside_text(root: LexborNode, body: LexborNode, limits: Limits) -> str:
    """The page's text outside the article body, one line per block (where metadata lives)."""
    emitter = _Emitter(limits, skip=body)
    page = _child(root, "body")
    emitter.emit(page if page is not None else root)
    lines: list[str] = []
    for block in emitter.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            lines.extend(" ".join(row) for row in block_rows(block))
    return "\n".join(lines)


def block_rows(table: Table) -> list[list[str]]:
    return [
        [cell.text for cell in dict.fromkeys(c for c, _, _ in row if c is not None)]
        for row in table.row_spans()
    ]


def page_title(root: LexborNode, metas: dict[str, str]) -> str | None:
    title = _meta(metas, _TITLE_METAS)
    if title:
        return title
    title_element = root.css_first("title")
    # The text before the title's first child, as libxml2's reader gave it (RCDATA: all of it).
    head_title = squash(title_element.text(deep=False) if title_element is not None else "")
    headings = [squash(h.text()) for h in _marked(root.css("h1, h2"))]
    headings = [h for h in headings if len(h) >= 4]
    # The site's name is often an <h1> too, and part of the <title>: the longest wins.
    in_title = [heading for heading in headings if heading in head_title]
    if in_title:
        return max(in_title, key=len)
    if headings:
        return headings[0]
    parts = [p for p in _TITLE_SEPARATORS.split(head_title) if len(p) >= 4]
    return parts[0] if parts else (head_title or None)


def _marked(elements: Iterable[LexborNode]) -> Iterator[LexborNode]:
    """The elements, each with the line breaks inside it marked (`mark_breaks`), not its own:
    the breaks before and after a heading are not part of its text."""
    for element in elements:
        for child in element.iter():
            if child.tag != "-comment":
                mark_breaks(child)
        yield element


def page_date(metas: dict[str, str], outside_text: str) -> dt.date | None:
    meta = _meta(metas, _DATE_METAS)
    if meta:
        match = re.search(_DATE, meta)
        if match and (date := parse_date(*match.groups())):
            return date
        if date := read_date(meta):  # another form: `Thu, 28 Jan 2021 08:00:00 +0800`
            return date
    for pattern in _DATE_LABELS:
        for match in pattern.finditer(outside_text):
            if date := parse_date(*match.groups()):
                return date
    return None


# Labels that follow the publisher on the same line when the template puts no space between.
_AFTER_PUBLISHER: Final = re.compile(
    r"(?:浏览次数|浏览量|点击数|点击量|访问量|阅读|字号|发布日期|发布时间|发表日期|日期|时间|作者|编辑).*$"
)


def page_publisher(metas: dict[str, str], outside_text: str) -> str | None:
    match = _PUBLISHER_LABELS[0].search(outside_text)
    if match:
        return _AFTER_PUBLISHER.sub("", match.group(1)) or None
    meta = _meta(metas, _PUBLISHER_METAS)
    if meta:
        return meta
    match = _PUBLISHER_LABELS[1].search(outside_text)
    return _AFTER_PUBLISHER.sub("", match.group(1)) or None if match else None


def extract_html(data: bytes, content_type: str | None, limits: Limits) -> ExtractedDocument:
    utf8 = utf8_markup(data)
    if utf8 is not None:
        markup, encoding = utf8, "utf-8"
    else:
        markup, encoding = decode_html(data, content_type)
    notes = [f"encoding: {encoding}"]
    root, body, emitter = _read(markup, limits, data if utf8 is not None else None)
    quality = measure(_visible_text(emitter.blocks))
    if not quality.readable:
        # Measured after parsing, on what the page shows: a repair costs a second parse, but
        # only for the rare page that needs one.
        try:
            repaired, repair = repair_mojibake(markup)
        except Mojibake as exc:
            raise Unreadable("error", str(exc)) from None
        if repair:
            notes.append(repair)
            root, body, emitter = _read(repaired, limits)
            quality = measure(_visible_text(emitter.blocks))
    blocks = emitter.blocks
    if emitter.budget.spent:
        notes.append(emitter.budget.note())
    if emitter.skipped:
        sizes = ", ".join(f"{n:,}" for n in emitter.skipped)
        notes.append(f"text nodes of {sizes} characters skipped (longer than any report)")
    # Metadata lines sit around the body; a few templates put them at its top.
    head_of_body: list[str] = []
    for block in blocks[:12]:
        if isinstance(block, Paragraph):
            head_of_body.append(block.text)
        else:
            head_of_body.extend(" ".join(row) for row in block_rows(block))
    outside = outside_text(root, body, limits) + "\n" + "\n".join(head_of_body)
    metas = page_metas(root)
    notes.append(quality.note())
    notes.append(
        f"body: <{body.tag!s} class={body.attrs.get('class')!r} id={body.attrs.get('id')!r}>"
    )
    return ExtractedDocument(
        format="html",
        blocks=tuple(blocks),
        title=page_title(root, metas),
        published_at=page_date(metas, outside),
        publisher=page_publisher(metas, outside),
        engine="lexbor",
        notes=tuple(notes),
        cuts=(emitter.budget.note(),) if emitter.budget.spent else (),
    )


def _read(
    markup: str, limits: Limits, utf8: bytes | None = None
) -> tuple[LexborNode, LexborNode, _Emitter]:
    root = _parse(markup, utf8)
    # Unlinked only (not freed): a dropped element inside another one (<embed> in <object>)
    # is then unlinked from a detached subtree, never touched after being freed. The
    # document's memory goes with the parser.
    for element in [node for node in root.traverse() if node.tag_id in _DROP_IDS]:
        element.decompose(recursive=False)
    body = find_body(root)
    emitter = _Emitter(limits)
    emitter.emit(body)
    return root, body, emitter


def _visible_text(blocks: list[Block]) -> str:
    return "\n".join(
        block.text if isinstance(block, Paragraph) else "\t".join(c.text for c in block.cells)
        for block in blocks
    )
