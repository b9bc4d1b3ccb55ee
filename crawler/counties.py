"""The county registry: one entry per county site the project crawls.

Pure data, no Scrapy: the database seeds its `counties` table from it, the spiders take their
domain and start URL from it, and the scaffolding command appends to it. Names and codes come from
`reportparser.divisions` (GB/T 2260), so a county's name is spelled in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from reportparser.divisions import BY_CODE, prefecture_of, province_of


@dataclass(frozen=True, slots=True)
class County:
    slug: str  # ASCII pinyin: spider name, module name, fixture directory
    code: str  # GB/T 2260 six-digit code
    site: str  # the county government's main host
    site_verified: bool = True  # False where the host is a guess (see sites.md)

    @property
    def name(self) -> str:
        return BY_CODE[self.code].name

    @property
    def prefecture(self) -> str:
        prefecture = prefecture_of(BY_CODE[self.code])
        return prefecture.name if prefecture else ""

    @property
    def province(self) -> str:
        province = province_of(BY_CODE[self.code])
        return province.name if province else ""

    @property
    def registered_domain(self) -> str:
        """The domain whose hosts belong to the county (www.nxjy.gov.cn → nxjy.gov.cn)."""
        return self.site.removeprefix("www.")

    @property
    def start_url(self) -> str:
        return f"https://{self.site}/"


COUNTIES: Final[tuple[County, ...]] = (
    County("xingqing", "640104", "www.xqq.gov.cn"),
    County("xixia", "640105", "www.ycxixia.gov.cn"),
    County("jinfeng", "640106", "www.ycjinfeng.gov.cn"),
    County("yongning", "640121", "www.nxyn.gov.cn"),
    County("helan", "640122", "www.nxhl.gov.cn"),
    County("lingwu", "640181", "www.nxlw.gov.cn"),
    County("dawukou", "640202", "www.dwk.gov.cn"),
    County("huinong", "640205", "www.huinong.gov.cn"),
    County("pingluo", "640221", "www.pingluo.gov.cn"),
    County("litong", "640302", "www.ltq.gov.cn"),
    County("hongsibu", "640303", "www.hongsibu.gov.cn"),
    County("yanchi", "640323", "www.yanchi.gov.cn"),
    County("tongxin", "640324", "www.tongxin.gov.cn"),
    County("qingtongxia", "640381", "www.qtx.gov.cn"),
    County("yuanzhou", "640402", "www.yzh.gov.cn"),
    County("xiji", "640422", "www.nxxj.gov.cn"),
    County("longde", "640423", "www.nxld.gov.cn"),
    County("jingyuan", "640424", "www.nxjy.gov.cn"),
    County("pengyang", "640425", "www.pengyang.gov.cn"),
    County("shapotou", "640502", "www.spt.gov.cn"),
    County("zhongning", "640521", "www.znzf.gov.cn"),
    County("haiyuan", "640522", "www.nxhy.gov.cn", site_verified=False),
)

BY_SLUG: Final[dict[str, County]] = {c.slug: c for c in COUNTIES}
BY_COUNTY_CODE: Final[dict[str, County]] = {c.code: c for c in COUNTIES}
