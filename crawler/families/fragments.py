"""Pieces of pages that are not the page's DOM: HTML held in XML records or JSON strings, and
JSON objects assigned inside scripts. Shared by the families whose lists and attachments live
there (Hanweb's record lists, gkmlpt's `_CONFIG`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from scrapy.http import HtmlResponse

from crawler.page import Link, Page

_CDATA_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)
_XML_TAG = "<{0}>\\s*(?:<!\\[CDATA\\[)?\\s*(\\d+)\\s*(?:\\]\\]>)?\\s*</{0}>"


def fragment_links(html: str, base_url: str) -> list[Link]:
    """The links of an HTML fragment (a list record, a JSON-held body), as `Page.links` reads
    them: the fragment is read as a page of its own at `base_url`."""
    response = HtmlResponse(url=base_url, body=html.encode("utf-8"), encoding="utf-8")
    return Page(response).links()


def xml_records(xml: str) -> list[str]:
    """The HTML of each `<record><![CDATA[…]]></record>` of a Hanweb datastore, in order."""
    return _CDATA_RECORD.findall(xml)


def xml_number(xml: str, tag: str) -> int | None:
    """`<totalrecord>45</totalrecord>` (also CDATA-wrapped) → 45; None when absent."""
    match = re.search(_XML_TAG.format(re.escape(tag)), xml, re.IGNORECASE)
    return int(match.group(1)) if match else None


def json_after(text: str, marker: re.Pattern[str]) -> Any:
    """The JSON value that starts right after `marker` in `text` (`DETAIL = {…}` in a script),
    or None when there is none or it is not valid JSON."""
    match = marker.search(text)
    if match is None:
        return None
    start = match.end()
    while start < len(text) and text[start].isspace():
        start += 1
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return None
    return value
