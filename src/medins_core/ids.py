"""Identifiers on a roster: resident ID numbers, unified social credit codes, mobile numbers.

Each ``parse_*`` function normalises a value and checks it, raising
:class:`~medins_core.errors.InputError` when it cannot be used. Error messages carry only
masked values (:func:`mask_cert_no`, :func:`mask_mobile`), never a full number.

python-stdnum supplies the county table, but not the verdict on resident IDs:
``stdnum.cn.ric.validate`` rejects numbers whose county code its table lists only from a year
after the birth year (e.g. 320102 "[1983-]玄武区" for someone born in 1961), yet people keep
numbers issued under the older codes. Here an unknown county is reported through
:attr:`ResidentId.county_known`, never as an error. The two check characters are a line of
arithmetic each, computed here: importing stdnum costs more than a whole small assessment
(its package imports ssl and pydoc), so it is imported only when its table cannot be read
directly (see :func:`_county_table`).
"""

from __future__ import annotations

import datetime
import enum
import functools
import importlib.util
import re
from pathlib import Path

import attrs

from medins_core.errors import InputError

__all__ = [
    "Gender",
    "ResidentId",
    "county_name",
    "is_plain_mobile",
    "is_valid_resident_id",
    "mask_cert_no",
    "mask_mobile",
    "parse_mobile",
    "parse_resident_id",
    "parse_uscc",
    "plain_resident_id",
    "resident_id_check",
    "uscc_category",
    "uscc_check",
]

# 17 ASCII digits and a digit or X; re.ASCII keeps full-width and other Unicode digits out.
_RESIDENT_ID_RE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_LAST = frozenset("0123456789X")
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)

# GB 32100-2015 character set: digits and capitals without I, O, Z, S, V.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RE = re.compile(
    rf"[{_USCC_ALPHABET}]{{2}}"  # registration authority and entity type
    r"[0-9]{6}"  # administrative division code
    rf"[{_USCC_ALPHABET}]{{10}}",  # organisation code and check character
    re.ASCII,
)

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)


class Gender(str, enum.Enum):
    """Gender with the national 性别 codes as values (GB/T 2261.1)."""

    MALE = "1"
    FEMALE = "2"

    @property
    def zh(self) -> str:
        """The Chinese label: 男 or 女."""
        return "男" if self is Gender.MALE else "女"

    @classmethod
    def parse(cls, text: str | Gender) -> Gender:
        """The one reading of a declared gender: the code (``1``/``2``) or 男/女.

        Raises ValueError otherwise; callers turn it into their ``invalid_gender`` problem.
        """
        if isinstance(text, Gender):
            return text
        found = _GENDER_TEXT.get(str(text).strip())
        if found is None:
            raise ValueError(text)
        return found


_GENDER_TEXT = {"1": Gender.MALE, "男": Gender.MALE, "2": Gender.FEMALE, "女": Gender.FEMALE}


@attrs.frozen
class ResidentId:
    """A checked 18-character resident ID number and what it encodes.

    ``cert_no`` is normalised (stripped, upper-case X); ``county`` is its first 6 digits
    and ``county_known`` tells whether that code appears in the county table for any year.
    """

    cert_no: str
    birth: datetime.date
    gender: Gender
    county: str
    county_known: bool


def _invalid_cert_no(what: str, cert_no: str, field: str) -> InputError:
    return InputError("invalid_cert_no", f"{what}：{mask_cert_no(cert_no)}", field=field)


def parse_resident_id(cert_no: str, *, field: str = "cert_no") -> ResidentId:
    """Check a resident ID number (GB 11643-1999) and return what it encodes.

    Checks length, structure (17 digits then a digit or X), the birth date (a real date,
    from 1900-01-01 on; whether it lies in the future is the caller's
    check, against its own "today") and the ISO 7064 MOD 11-2 check character. An unknown county
    code is not an error: see :attr:`ResidentId.county_known`.
    Raises :class:`InputError` with code ``invalid_cert_no``.
    """
    number = cert_no.strip().upper()
    if len(number) != 18:
        raise _invalid_cert_no("证件号码应为18位", number, field)
    if not _RESIDENT_ID_RE.fullmatch(number):
        raise _invalid_cert_no("证件号码格式不正确", number, field)
    birth = _id_birth(number[6:14])
    if birth is None:
        raise _invalid_cert_no("证件号码中的出生日期无效", number, field)
    if number[17] != resident_id_check(number):
        raise _invalid_cert_no("证件号码校验位错误", number, field)
    county = number[:6]
    return ResidentId(
        cert_no=number,
        birth=birth,
        gender=Gender.MALE if int(number[16]) % 2 else Gender.FEMALE,
        county=county,
        county_known=bool(_county_names(county)),
    )


@functools.lru_cache(maxsize=65536)
def _id_birth(digits: str) -> datetime.date | None:
    """The date of an ID's eight birth digits (YYYYMMDD); None when not a date from 1900 on.

    Kept: the persons of a roster share few birthdays next to their number.
    """
    try:
        birth = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return birth if birth >= _EARLIEST_BIRTH else None


def plain_resident_id(number: str) -> tuple[datetime.date, Gender] | None:
    """Birth date and gender of a number :func:`parse_resident_id` accepts as it is, with a
    known county; None for anything else (``parse_resident_id`` then says what is wrong).

    ``number`` must already be stripped and upper-case. The quick test of a batch's column of
    numbers: no ResidentId is built and no message made.
    """
    # _RESIDENT_ID_RE without a regular expression: an ASCII string's digits are 0-9
    if len(number) != 18 or not (number.isascii() and number[:17].isdigit() and number[17] in _LAST):
        return None
    birth = _id_birth(number[6:14])
    if birth is None or number[17] != resident_id_check(number) or not _county_names(number[:6]):
        return None
    return birth, Gender.MALE if int(number[16]) % 2 else Gender.FEMALE


def is_plain_mobile(s: str) -> bool:
    """Whether ``s`` is 11 plain digits :func:`parse_mobile` accepts as they are."""
    return _MOBILE_RE.fullmatch(s) is not None


def is_valid_resident_id(cert_no: str) -> bool:
    """Whether :func:`parse_resident_id` accepts the number."""
    try:
        parse_resident_id(cert_no)
    except InputError:
        return False
    return True


def resident_id_check(number: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident ID's first 17 digits.

    The weights are 2^(17-i) mod 11, and 13 ≡ 2 (mod 11), so reading the digits in base 13
    gives half the weighted sum; the check character c makes sum + c ≡ 1 (mod 11).
    """
    check = (1 - 2 * int(number[:17], 13)) % 11
    return "X" if check == 10 else str(check)


_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check(code: str) -> str:
    """The GB 32100-2015 mod-31 check character of a USCC's first 17 characters."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(code, _USCC_WEIGHTS))
    return _USCC_ALPHABET[-total % 31]


# stdnum/cn/loc.dat: comments, then provinces ("32 province=...") each followed by its counties
# ("  0102 county=..."); a name ends with its line (splitlines' line ends)
_EOL = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_HEAD = re.compile(f"(?:(?:#[^{_EOL}]*)?\n)*")
_TOP_LINE = re.compile(r"\n([^ #\n][^\n]*)")
_PROVINCE_LINE = re.compile(f'[0-9]{{2}} province="[^"{_EOL}]*"')
_COUNTIES = re.compile(f'(?:(?:  [0-9]{{4}} county="[^"{_EOL}]*"|#[^{_EOL}]*)?\n)*')
_COUNTY_LINE = re.compile(r'^  ([0-9]{4}) county="([^"\n]*)"$', re.MULTILINE)
_NEXT_PROVINCE = re.compile(r"\n[0-9]")


class _CountyTable:
    """stdnum's county table, read a province at a time: most rosters name a few provinces.

    A code's answer depends only on its province's lines (numdb looks a code up under the
    line of its first two digits), so those are checked when the province is first asked for.
    """

    def __init__(self, text: str) -> None:
        self._text = text  # starts and ends with a line end
        self._provinces: dict[str, dict[str, str] | None] = {}

    def get(self, county: str) -> str | None:
        """The ``county`` entries of a 6-digit code ("" when the table has none); None when its
        province's lines have another shape (numdb answers then)."""
        province = county[:2]
        if province not in self._provinces:
            self._provinces[province] = self._province(province)
        found = self._provinces[province]
        return None if found is None else found.get(county, "")

    def _province(self, province: str) -> dict[str, str] | None:
        found: dict[str, str] = {}
        line = f"\n{province} province="
        start = self._text.find(line)
        while start >= 0:  # a province listed twice: its later counties win, as in one pass
            body = self._text.index("\n", start + 1) + 1
            after = _NEXT_PROVINCE.search(self._text, body - 1)
            end = after.start() + 1 if after else len(self._text)
            if not _COUNTIES.fullmatch(self._text, body, end):
                return None
            found.update((province + code, entries) for code, entries in _COUNTY_LINE.findall(self._text, body, end))
            start = self._text.find(line, end - 1)
        return found

    def as_dict(self) -> dict[str, str]:
        """Every code of the table and its entries."""
        provinces = dict.fromkeys(m[1][:2] for m in _TOP_LINE.finditer(self._text))
        return {code: entries for p in provinces for code, entries in (self._province(p) or {}).items()}


@functools.cache
def _county_table() -> _CountyTable | None:
    """stdnum's county table (``stdnum/cn/loc.dat``): 6-digit code → its ``county`` entries.

    The file has two levels, a province line and then its 4-digit counties: a province's
    counties are read when one of its codes is asked for, in well under a millisecond where
    stdnum's general prefix reader (numdb) takes about 50. None for a file of any other shape
    at the top level (a range, a third level, a zipped install), and no answer for a province
    whose counties have another shape: numdb then answers (:func:`_county_entries`).
    """
    spec = importlib.util.find_spec("stdnum")  # finds the package without importing it
    folders = spec.submodule_search_locations if spec else None
    path = Path(folders[0], "cn", "loc.dat") if folders else None
    if path is None or not path.is_file():
        return None
    text = "\n" + path.read_bytes().decode("utf-8")
    if not text.endswith("\n"):
        text += "\n"
    tops = list(_TOP_LINE.finditer(text))
    if not tops or not _HEAD.fullmatch(text, 1, tops[0].start() + 1):
        return None
    if not all(_PROVINCE_LINE.fullmatch(top[1]) for top in tops):
        return None
    return _CountyTable(text)


@functools.lru_cache(maxsize=8192)
def _county_names(county: str) -> tuple[str, ...]:
    """Every name the county table gives the 6-digit code in any year, oldest first."""
    # entries look like "[-1991]东郊区,[1992-]东丽区"; drop the year ranges
    entries = _county_entries(county).split(",")
    return tuple(entry.rpartition("]")[2] for entry in entries if entry)


def _county_entries(county: str) -> str:
    table = _county_table()
    found = None if table is None else table.get(county)
    if found is not None:
        return found
    from stdnum import numdb

    # info() splits "320102" into ("32", {"province": ...}) and ("0102", {"county": ...});
    # a known province with an unknown county has no "county" property at all.
    props = {k: v for _, part in numdb.get("cn/loc").info(county) for k, v in part.items()}
    return props.get("county", "")


def county_name(county: str) -> str | None:
    """The latest name of a 6-digit county code, e.g. ``"玄武区"``; None when unknown."""
    names = _county_names(county)
    return names[-1] if names else None


def parse_uscc(code: str, *, field: str = "uscc") -> str:
    """Check a unified social credit code (GB 32100-2015) and return it normalised.

    Unlike ``stdnum.cn.uscc.validate``, letters are allowed in positions 1 and 2 (e.g.
    ``N`` rural collectives, ``Y`` others); positions 3-8 must be digits and the rest
    characters of ``0123456789ABCDEFGHJKLMNPQRTUWXY``, the last one the mod-31 check character.
    Raises :class:`InputError` with code ``invalid_uscc``.
    """
    number = code.strip().upper()

    def invalid(what: str) -> InputError:
        # masked all the same: someone may have typed a resident ID into this field
        return InputError("invalid_uscc", f"{what}：{mask_cert_no(number)}", field=field)

    if len(number) != 18:
        raise invalid("统一社会信用代码应为18位")
    if not _USCC_RE.fullmatch(number):
        raise invalid("统一社会信用代码含有非法字符")
    if number[17] != uscc_check(number):
        raise invalid("统一社会信用代码校验位错误")
    return number


#: The first two characters of a USCC: registration authority and organisation category
#: (GB 32100-2015 附录 A), for the authorities whose units insure employees most often.
#: The Hebei portal fills 单位类型 from the USCC the same way (hebei-qianan-unit-hall-procedures.txt
#: 单位参保登记: 输入统一社会信用代码后，管理类型、单位类型会自动出来).
_USCC_CATEGORIES = {
    "11": "机关", "12": "事业单位", "13": "群众团体", "19": "其他机构编制单位",
    "51": "社会团体", "52": "民办非企业单位", "53": "基金会", "59": "其他民政登记单位",
    "91": "企业", "92": "个体工商户", "93": "农民专业合作社",
}  # fmt: skip


def uscc_category(code: str) -> str | None:
    """The kind of unit a USCC's first two characters name (``"91…"`` → ``"企业"``); None when
    the code is too short or its category is not in the table."""
    return _USCC_CATEGORIES.get(code.strip().upper()[:2])


def parse_mobile(s: str, *, field: str = "mobile") -> str:
    """Check a mainland mobile number and return its 11 digits.

    Accepts a leading ``+86`` or ``86`` and spaces or hyphens between digits.
    Raises :class:`InputError` with code ``invalid_mobile``.
    """
    number = re.sub(r"[ \-]", "", s.strip())
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("86") and len(number) == 13:
        # no 11-digit mobile starts with 86, so only a 13-digit one carries the prefix
        number = number[2:]
    if not _MOBILE_RE.fullmatch(number):
        message = f"手机号码格式不正确：{mask_mobile(s)}"
        raise InputError("invalid_mobile", message, field=field)
    return number


def mask_cert_no(s: str) -> str:
    """Mask an ID number for messages and logs: ``"3205**********123X"``.

    Keeps the first 4 and last 4 characters of 18 or more; of shorter strings at most
    the first 2 and last 2, and always masks at least half.
    """
    s = s.strip()
    keep = 4 if len(s) >= 18 else min(2, len(s) // 4)
    return _mask(s, keep, keep)


def mask_mobile(s: str) -> str:
    """Mask a mobile number for messages and logs: ``"138****5678"``.

    Keeps the first 3 and last 4 of 11 characters; other lengths have their middle half
    masked (rounded up).
    """
    s = s.strip()
    if len(s) == 11:
        return _mask(s, 3, 4)
    shown = len(s) // 2
    return _mask(s, shown // 2, shown - shown // 2)


def _mask(s: str, head: int, tail: int) -> str:
    return s[:head] + "*" * (len(s) - head - tail) + s[len(s) - tail :]


_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])", re.ASCII)
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])", re.ASCII)


def mask_text(text: str) -> str:
    """``text`` with every resident ID number and mobile number in it masked.

    Applied to every error message medins makes (:class:`~medins_core.errors.MedinsError`)
    and to the text of library errors it wraps, so a cell echoed into a message never shows
    a full number: ``未知的险种「3205**********001X」``.
    """
    text = _ID_IN_TEXT.sub(lambda m: mask_cert_no(m.group()), text)
    return _MOBILE_IN_TEXT.sub(lambda m: m.group()[:-8] + "****" + m.group()[-4:], text)
