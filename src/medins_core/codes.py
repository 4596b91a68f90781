"""National code tables (NHSA information standard) and insurance lines.

The codes are the stable identifiers; the Chinese names are display text. Provinces run local
lines that the national table lacks (Suzhou's 地方补充医疗保险): a region declares those in its
data file with its own code and name, and :class:`InsuranceLine` carries both kinds.
"""

from __future__ import annotations

import enum
import re

import attrs


@attrs.frozen
class InsuranceLine:
    """A line of cover (险种): its code, its Chinese name and whether it is in the national table."""

    code: str
    name: str
    national: bool = True


class Insutype(str, enum.Enum):
    """险种类型 (insutype), the national table. Local lines are :class:`InsuranceLine` only."""

    BASIC = "310"
    CIVIL_SERVANT = "320"
    LARGE_AMOUNT = "330"
    RETIRED_CADRE = "340"
    DISABLED_SERVICEMAN = "350"
    RED_ARMY_VETERAN = "360"
    ENTERPRISE_SUPPLEMENTARY = "370"
    NEW_RURAL_COOPERATIVE = "380"
    RESIDENT_BASIC = "390"
    URBAN_RESIDENT_BASIC = "391"
    RESIDENT_CRITICAL_ILLNESS = "392"
    OTHER_SPECIAL = "399"
    LONG_TERM_CARE = "410"
    MATERNITY = "510"

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return _INSUTYPE_NAMES[self.value]


_INSUTYPE_NAMES = {
    "310": "职工基本医疗保险",
    "320": "公务员医疗补助",
    "330": "大额医疗费用补助",
    "340": "离休人员医疗保障",
    "350": "一至六级残疾军人医疗补助",
    "360": "老红军医疗保障",
    "370": "企业补充医疗保险",
    "380": "新型农村合作医疗",
    "390": "城乡居民基本医疗保险",
    "391": "城镇居民基本医疗保险",
    "392": "城乡居民大病医疗保险",
    "399": "其他特殊人员医疗保障",
    "410": "长期照护保险",
    "510": "生育保险",
}

#: The national lines as :class:`InsuranceLine` values, by code.
NATIONAL_LINES: dict[str, InsuranceLine] = {t.value: InsuranceLine(t.value, t.zh) for t in Insutype}


class PersonCategory(str, enum.Enum):
    """人员类别 (psn_type), top level. Local subtypes (职工在职, 公务员在职 …) map onto these."""

    ACTIVE = "11"
    RETIRED = "12"

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return {"11": "在职", "12": "退休"}[self.value]

    @classmethod
    def parse(cls, text: str) -> PersonCategory:
        """Read a code (``11``) or a name as the portals write it (在职, 职工在职, 公务员在职, 退休 …)."""
        text = text.strip()
        for member in cls:
            if text == member.value:
                return member
        if text.endswith("在职"):
            return cls.ACTIVE
        if text.endswith(("退休", "离休")):
            return cls.RETIRED
        raise ValueError(text)


class InsuranceStatus(str, enum.Enum):
    """参保状态 (psn_insu_stas)."""

    ACTIVE = "1"
    SUSPENDED = "2"
    TERMINATED = "4"

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return {"1": "正常参保", "2": "暂停参保", "4": "终止参保"}[self.value]


class CertType(str, enum.Enum):
    """证件类型 (psn_cert_type): the two codes the project's sources give.

    Other documents (passports, 通行证, 外国人永久居留身份证) are kept by name on the person and
    are not checked; their national codes are not in the sources.
    """

    RESIDENT_ID = "01"
    OTHER = "99"

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return {"01": "居民身份证(户口簿)", "99": "其他身份证件"}[self.value]


#: The name a request or roster row takes when its 证件类型 is left out.
RESIDENT_ID = "居民身份证"

#: Names under which rosters write the resident ID card.
RESIDENT_ID_NAMES = frozenset(
    {CertType.RESIDENT_ID.value, RESIDENT_ID, CertType.RESIDENT_ID.zh, "身份证", "户口簿"}
)


def is_resident_id_type(cert_type: str) -> bool:
    """Whether a roster's 证件类型 cell means the resident ID (GB 11643), whose number is checked."""
    return cert_type.strip() in RESIDENT_ID_NAMES


_LINE_SEPARATORS = re.compile(r"[,，、;；]")


def split_lines(text: str | None) -> tuple[str, ...]:
    """The insurance lines written in one cell or option (``310,330``, ``职工基本医疗保险、生育保险``):
    the parts between , ， 、 ; or ；, stripped, empty ones dropped, each once in order.

    The one reader of such cells; mapping a name to its code is the region's (``rules.lines``).
    """
    parts = (part.strip() for part in _LINE_SEPARATORS.split(text or ""))
    return tuple(dict.fromkeys(part for part in parts if part))
