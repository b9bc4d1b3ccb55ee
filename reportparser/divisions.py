"""Administrative divisions (GB/T 2260) the parser can name: code, name, parent.

This is standard reference data, not crawler configuration: the parser needs it to turn "盐池县"
in a report title into 640323. To cover a county outside Ningxia, add its row (and its
prefecture's) here; see CONTRIBUTING.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    parent: str | None  # parent division's code

    @property
    def short_name(self) -> str:
        """The name without its level suffix, as reports sometimes write it (盐池县 → 盐池)."""
        for suffix in ("回族自治区", "自治区", "省", "市", "县", "区", "旗"):
            if self.name.endswith(suffix) and len(self.name) > len(suffix) + 1:
                return self.name[: -len(suffix)]
        return self.name


DIVISIONS: Final[tuple[Division, ...]] = (
    Division("640000", "宁夏回族自治区", None),
    Division("640100", "银川市", "640000"),
    Division("640104", "兴庆区", "640100"),
    Division("640105", "西夏区", "640100"),
    Division("640106", "金凤区", "640100"),
    Division("640121", "永宁县", "640100"),
    Division("640122", "贺兰县", "640100"),
    Division("640181", "灵武市", "640100"),
    Division("640200", "石嘴山市", "640000"),
    Division("640202", "大武口区", "640200"),
    Division("640205", "惠农区", "640200"),
    Division("640221", "平罗县", "640200"),
    Division("640300", "吴忠市", "640000"),
    Division("640302", "利通区", "640300"),
    Division("640303", "红寺堡区", "640300"),
    Division("640323", "盐池县", "640300"),
    Division("640324", "同心县", "640300"),
    Division("640381", "青铜峡市", "640300"),
    Division("640400", "固原市", "640000"),
    Division("640402", "原州区", "640400"),
    Division("640422", "西吉县", "640400"),
    Division("640423", "隆德县", "640400"),
    Division("640424", "泾源县", "640400"),
    Division("640425", "彭阳县", "640400"),
    Division("640500", "中卫市", "640000"),
    Division("640502", "沙坡头区", "640500"),
    Division("640521", "中宁县", "640500"),
    Division("640522", "海原县", "640500"),
)

BY_CODE: Final[dict[str, Division]] = {d.code: d for d in DIVISIONS}
BY_NAME: Final[dict[str, Division]] = {d.name: d for d in DIVISIONS}


def is_county_level(division: Division) -> bool:
    """County-level divisions: the units whose governments publish county reports."""
    parent = BY_CODE.get(division.parent) if division.parent else None
    return parent is not None and parent.parent is not None


COUNTIES: Final[tuple[Division, ...]] = tuple(d for d in DIVISIONS if is_county_level(d))


def prefecture_of(division: Division) -> Division | None:
    return BY_CODE.get(division.parent) if division.parent else None


def province_of(division: Division) -> Division | None:
    current: Division | None = division
    while current is not None and current.parent is not None:
        current = BY_CODE.get(current.parent)
    return current
