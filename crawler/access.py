"""Access refusals that are not outages: web application firewalls and JS challenges.

A WAF answers HTTP 403 or 405 (sometimes 406, 501) with a branded page ("网防G01", 创宇盾,
安全狗 …); a JS-cookie challenge answers 412 or 521 with a tiny script page. Both mean the site
is up and refuses this client: the county is `blocked`, never `unreachable`, and the reason
names which refusal it was. Pure functions on a response's status, headers and bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

CHALLENGE_STATUSES: Final = frozenset({412, 521})
CHALLENGE_MAX_BYTES: Final = 16 * 1024
WAF_STATUSES: Final = frozenset({403, 405, 406, 501})
WAF_MAX_BYTES: Final = 256 * 1024  # a firewall's page is small; a report page is not one
# Brand → what its page (or its Server header) prints. Pages come in UTF-8 or GBK: each marker is
# looked for in both encodings.
WAF_BRANDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("网防G01", ("网防G01", "网防g01", "wangfang")),
    ("创宇盾", ("创宇盾", "知道创宇", "yunaq", "365cyd")),
    ("安全狗", ("安全狗", "safedog")),
    ("云锁", ("云锁", "yunsuo")),
    ("护卫神", ("护卫神", "hws_waf")),
    ("D盾", ("D盾", "d_safe")),
    ("阿里云盾", ("aliyun_waf", "errors.aliyun.com", "阿里云盾")),
    ("腾讯云WAF", ("腾讯云WAF", "waf.tencent-cloud.com")),
    ("长亭雷池", ("safeline", "雷池")),
    ("360网站卫士", ("360网站卫士", "360wzb")),
    ("Web应用防火墙", ("Web应用防火墙", "web应用防火墙", "网站防火墙")),
)


def _encoded(marker: str) -> tuple[bytes, ...]:
    forms = {marker.encode("utf-8"), marker.encode("gb18030")}
    return tuple(sorted(form.lower() for form in forms))


_MARKERS: Final = tuple(
    (brand, tuple(form for marker in markers for form in _encoded(marker)))
    for brand, markers in WAF_BRANDS
)


def is_js_challenge(status: int, body: bytes) -> bool:
    """A JS-cookie challenge: HTTP 412/521 answering a tiny page that is mostly a script."""
    if status not in CHALLENGE_STATUSES or len(body) > CHALLENGE_MAX_BYTES:
        return False
    return b"<script" in body.lower()


def waf_brand(body: bytes, headers: Mapping[str, str] | None = None) -> str | None:
    """The firewall whose page this is (by its printed name or its Server header), or None."""
    haystack = body[:WAF_MAX_BYTES].lower()
    server = " ".join(v for k, v in (headers or {}).items() if k.lower() == "server").lower()
    for brand, forms in _MARKERS:
        if any(form in haystack for form in forms):
            return brand
        if server and any(form.isascii() and form.decode() in server for form in forms):
            return brand
    return None


def block_reason(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> str | None:
    """Why this response says the site refuses the crawler (None when it does not): a JS
    challenge, or a WAF page with its brand. The URL is for the caller to add."""
    if is_js_challenge(status, body):
        return f"JS-cookie challenge (HTTP {status})"
    if status in WAF_STATUSES and len(body) <= WAF_MAX_BYTES:
        brand = waf_brand(body, headers)
        if brand is not None:
            return f"WAF page ({brand}, HTTP {status})"
    return None
