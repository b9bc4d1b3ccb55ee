"""Documents that link (not embed) an image by URL: LibreOffice fetches such links on load.

`linked_image_odt` writes the ODF by hand (the smallest package LibreOffice opens: `mimetype`,
`content.xml`, the manifest); a DOC with the same link is that ODT converted by LibreOffice
itself (its Word filter keeps the link as an INCLUDEPICTURE field).
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import quoteattr

_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2">
<office:body><office:text>
<text:p>{title}</text:p>
<text:p><draw:frame draw:name="logo" svg:width="2cm" svg:height="2cm" text:anchor-type="as-char">
<draw:image xlink:href={url} xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>
</draw:frame></text:p>
<text:p>一、总体情况</text:p>
</office:text></office:body></office:document-content>
"""

_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
 manifest:version="1.2">
<manifest:file-entry manifest:full-path="/"
 manifest:media-type="application/vnd.oasis.opendocument.text"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def linked_image_odt(url: str, title: str = "盐池县2022年政府信息公开工作年度报告") -> bytes:
    """An ODT whose only image is linked from `url`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        # The mimetype comes first and stored: how LibreOffice recognises the package.
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        content = _CONTENT.format(title=title, url=quoteattr(url))
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        package.writestr("META-INF/manifest.xml", _MANIFEST, zipfile.ZIP_DEFLATED)
    return out.getvalue()
