"""Is this site the county's own? A judgement on its home page, before anything is stored.

Chinese government pages carry `<meta name="SiteIDCode" content="3101070001">`, whose first six
digits are the division code (sometimes an older code of the same place), and
`<meta name="SiteName" content="上海市普陀区人民政府">`. The registry's portals come from an
unverified public list, which gives one host for two counties at least (www.putuo.gov.cn for
上海普陀区 and 舟山普陀区): only the county the site names may store from it.

`judge_site` is pure: the home page's metas, its title, the URL it was finally served from, and
the registry say

* `verified`: the SiteIDCode names the county (or an older code of it), or the SiteName names
  it where no SiteIDCode is printed;
* `unverified`: no SiteIDCode and no SiteName that names a place (older sites): crawled as
  before, noted in the summary;
* `mismatch`: the SiteIDCode or SiteName names another division, the home page is a parked
  domain, or the portal redirected to another county's host. Nothing is stored from the site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import urlsplit

from crawler.counties import County
from reportparser import divisions
from reportparser.places import matcher

Verdict = Literal["verified", "unverified", "mismatch"]

SITE_ID_META: Final = "SiteIDCode"
SITE_NAME_META: Final = "SiteName"
_SITE_ID: Final = re.compile(r"\s*(\d{6})[0-9A-Za-z]{0,8}\s*")
# Parked or for-sale domains: registrars' and parking services' pages.
_PARKED: Final = re.compile(
    r"域名(?:出售|转让|停放|正在出售|可出售|已过期)|此域名|domain (?:is )?(?:for sale|parked)|"
    r"buy this domain|this domain (?:may be|is) for sale|parked (?:free|domain)|"
    r"sedoparking|parkingcrew|bodis\.com|dan\.com|afternic",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SiteIdentity:
    verdict: Verdict
    reason: str
    site_code: str | None = None  # the SiteIDCode as printed
    site_name: str | None = None


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _belongs(host: str, county: County) -> bool:
    domain = county.registered_domain
    return bool(domain) and (host == domain or host.endswith("." + domain))


def _place_codes(code: str) -> set[str]:
    """Every code the place `code` names has had (its older and newer codes)."""
    return {d.code for d in divisions.table().history(code)} | {code}


def judge_site(
    county: County,
    metas: Mapping[str, str],
    *,
    final_url: str | None = None,
    title: str = "",
    registry: Iterable[County] = (),
) -> SiteIdentity:
    """The verdict on a county's home page (see the module docstring). `registry` is the
    other counties, to name the one a redirect went to."""
    site_code = (metas.get(SITE_ID_META) or "").strip() or None
    site_name = (metas.get(SITE_NAME_META) or "").strip() or None
    found = {"site_code": site_code, "site_name": site_name}
    host = _host_of(final_url) if final_url else ""
    if host and not _belongs(host, county):
        owner = next((c for c in registry if c.code != county.code and _belongs(host, c)), None)
        if owner is not None:
            return SiteIdentity(
                "mismatch",
                f"the portal redirects to {host}, the site of {owner.label}",
                **found,
            )
    if _PARKED.search(" ".join(filter(None, (site_name, title)))) or (
        host and _PARKED.search(host)
    ):
        return SiteIdentity("mismatch", f"a parked domain ({title or site_name or host})", **found)
    if site_code is not None:
        match = _SITE_ID.fullmatch(site_code)
        if match is None:
            return SiteIdentity("unverified", f"unreadable SiteIDCode {site_code!r}", **found)
        code = match.group(1)
        if code in _place_codes(county.code):
            return SiteIdentity("verified", f"SiteIDCode {site_code} names {county.label}", **found)
        named = divisions.get(code)
        what = f"{named.full_name} ({code})" if named else code
        return SiteIdentity(
            "mismatch",
            f"SiteIDCode {site_code} names {what}, not {county.label}",
            **found,
        )
    if site_name is not None:
        other = _other_place(site_name, county)
        if other is not None:
            return SiteIdentity(
                "mismatch", f"SiteName {site_name!r} names {other}, not {county.label}", **found
            )
        if _names_county(site_name, county):
            return SiteIdentity("verified", f"SiteName {site_name!r} names the county", **found)
    return SiteIdentity(
        "unverified", "the home page has no SiteIDCode or SiteName naming a place", **found
    )


def _names_county(text: str, county: County) -> bool:
    forms = (county.name, *divisions.short_names(county.name))
    return any(form in text for form in forms)


def _other_place(text: str, county: County) -> str | None:
    """A division `text` names that is neither the county nor one of its ancestors."""
    current = divisions.get(county.code)
    if current is None:
        return None
    own = _place_codes(county.code) | {d.code for d in divisions.table().ancestors(current)}
    places = matcher()
    for mention in places.mentions(text):
        options = places.candidates(mention, None)
        if options and not any(d.code in own for d in options):
            if mention.text in (county.name, *divisions.short_names(county.name)):
                continue
            return f"{mention.text} ({', '.join(d.code for d in options)})"
    return None
