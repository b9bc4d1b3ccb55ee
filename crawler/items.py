"""What a spider hands to the pipelines: one `DocumentItem` per report page or linked file.

The spider fills the fetch facts (URL, body, headers, list entry, page hints, attachment URLs);
each pipeline then adds what it produced to `documents`, one `Document` per page or attachment:
the files pipeline adds the attachments, the archive pipeline the page's blob digest, the parse
pipeline a `ParseResult` per document, the store pipeline an `Outcome`. County knowledge travels
on the item (`county_code`, `hints.county`), so no pipeline ever needs the spider's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from models.records import DocumentKind, Listing, Outcome
from reportparser.result import Hints, ParseResult

FetchState = Literal[
    "fetched",  # downloaded now (200): archive, parse and store it
    "not_modified",  # a conditional request answered 304: confirm it, parse nothing
    "fresh",  # known and checked recently, with an unchanged list entry: not requested at all
    "failed",  # could not be downloaded (HTTP error, too large, timeout …)
]


@dataclass(slots=True)
class Document:
    """One fetched (or deliberately not fetched) document of an item: the page or an attachment."""

    url: str  # as linked on the site, never a mirror's URL
    kind: DocumentKind
    state: FetchState
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: dt.datetime | None = None
    sha256: str | None = None  # of the body, once it is in the blob store
    size: int | None = None
    reason: str | None = None  # why a download failed
    attempts: int = 1  # requests made for it (retries included), for a failed download
    hints: Hints | None = None  # what the parser was given (stored, so a re-parse gives the same)
    result: ParseResult | None = None
    outcome: Outcome | None = None

    @property
    def filename(self) -> str:
        """The last path segment of the URL: the parser's hint for the file format."""
        path = (self.final_url or self.url).split("?", 1)[0].split("#", 1)[0]
        return path.rstrip("/").rsplit("/", 1)[-1]


@dataclass(slots=True)
class DocumentItem:
    """A report page and its attachments, or a list entry linking straight to a file.

    `body` is None when the list entry linked straight to a file (then `file_urls` holds it) and
    the page is represented by no document at all.
    """

    url: str
    county_code: str
    hints: Hints
    listing: Listing | None = None
    final_url: str | None = None
    body: bytes | None = None
    content_type: str | None = None
    http_status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: dt.datetime | None = None
    not_modified: bool = False  # the page answered 304; `body` is the stored copy
    error: str | None = None  # the page could not be fetched ("HTTP 404"): recorded as failed
    file_urls: list[str] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)

    @property
    def page(self) -> Document | None:
        return next((d for d in self.documents if d.kind == "page"), None)

    @property
    def attachments(self) -> list[Document]:
        return [d for d in self.documents if d.kind == "attachment"]

    def __repr__(self) -> str:
        # Scrapy logs items; never dump a 5 MB body into the log.
        return (
            f"<DocumentItem {self.url} county={self.county_code} "
            f"files={len(self.file_urls)} documents={len(self.documents)}>"
        )
