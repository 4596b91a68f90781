"""The region data file: its schema, how it is read, and the checks that need more than one key.

A region file (one per pooling region, shipped in a province plugin's ``data/`` folder) looks
like this; see ``docs/parameters.md`` for every key::

    [region]
    code = "320500"
    name = "苏州市"
    province = "江苏省"
    extends = "320000"         # optional: the province's shared file of rules
    default_lines = ["310", "330", "510"]
    data_through = "202208"    # the last period the sources evidence the values for
    data_through_source = "jiangsu-suzhou-unit-hall-training.txt PART4.2 缴费通知单 2022-08"

    [[values]]
    line = "310"
    from = "202208"            # first period the values apply to (费款所属期)
    until = "202312"           # optional: last period they are known to apply to
    unit_rate = "0.06"         # strings: TOML floats are binary, money is not
    person_rate = "0.02"
    unit_fixed = "0"
    person_fixed = "0"
    source = "jiangsu-suzhou-unit-hall-training.txt, PART1 注意事项 2"
    status = "verified"        # or "provisional"

    [[rules]]
    name = "enroll_backdate_months"
    value = 6
    from = "202201"            # optional, like values: the months the rule is in force
    source = "…"
    status = "verified"

An entry lists the parameters its source states; a parameter it does not list stays unknown.
A province's shared file (``[region] shared = true``, code ``xx0000``) holds only rules; a
city file that ``extends`` it gets them, and its own rules of the same name replace them.
Operators overlay their own files (same format; ``[region]`` needs only ``code``).
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from medins_core.datacheck import check_region_file, fail
from medins_core.errors import DataFileError, RegionError
from medins_core.io.limits import MAX_NESTING
from medins_core.money import ROUNDING_NAMES, RoundingPolicy
from medins_core.period import Period

#: Parameters of an insurance line. Rates are shares of the base; fixed amounts are yuan per
#: person per month; transfer rates are shares of the base credited to the personal account.
PARAMETERS = {
    "unit_rate": "单位缴费比例",
    "person_rate": "个人缴费比例",
    "unit_fixed": "单位定额(元/人/月)",
    "person_fixed": "个人定额(元/人/月)",
    "unit_transfer_rate": "单位缴费划入个人账户比例",
    "person_transfer_rate": "个人缴费划入个人账户比例",
}


class Status(str, enum.Enum):
    """How far a shipped value can be trusted."""

    VERIFIED = "verified"  # stated in a first-hand (official) document
    PROVISIONAL = "provisional"  # derived, garbled in the source, or second-hand: warns on use


class Readable(Protocol):
    """A file-like location: a :class:`pathlib.Path` or an importlib.resources Traversable."""

    @property
    def name(self) -> str: ...

    def read_bytes(self) -> bytes: ...


@attrs.frozen
class ParamValue:
    """One effective-dated value of one parameter of one insurance line."""

    line: str
    parameter: str
    start: Period
    value: Decimal
    source: str
    status: Status
    end: Period | None = None
    note: str = ""
    file: str = ""

    def applies(self, period: Period) -> bool:
        """Whether ``period`` lies in this value's effective range."""
        return self.start <= period and (self.end is None or period <= self.end)


@attrs.frozen
class ValuesEntry:
    """A ``[[values]]`` table: the parameters one source states for one line and period range."""

    line: str
    start: Period
    source: str
    status: Status
    end: Period | None = None
    unit_rate: Decimal | None = None
    person_rate: Decimal | None = None
    unit_fixed: Decimal | None = None
    person_fixed: Decimal | None = None
    unit_transfer_rate: Decimal | None = None
    person_transfer_rate: Decimal | None = None
    note: str = ""

    def expand(self, file: str) -> list[ParamValue]:
        """One :class:`ParamValue` per parameter this entry states."""
        return [
            ParamValue(
                self.line, name, self.start, value, self.source, self.status, self.end, self.note, file
            )
            for name in PARAMETERS
            if (value := getattr(self, name)) is not None
        ]


@attrs.frozen
class BaseLimit:
    """Base floor and ceiling (缴费基数上下限) for a range of periods; either may be unknown."""

    start: Period
    source: str
    status: Status
    end: Period | None = None
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    file: str = ""

    def applies(self, period: Period) -> bool:
        """Whether ``period`` lies in this limit's effective range."""
        return self.start <= period and (self.end is None or period <= self.end)

    def clamp(self, wage: Decimal) -> Decimal:
        """The base for a declared wage: the wage held between floor and ceiling."""
        if self.floor is not None and wage < self.floor:
            return self.floor
        if self.ceiling is not None and wage > self.ceiling:
            return self.ceiling
        return wage


@attrs.frozen
class Rule:
    """A non-rate rule of a region (a window, an age limit, a list), with its source.

    Which names exist, and their types, is :mod:`medins_core.rule_catalogue`. A rule may be
    dated like a value (``from``/``until``, by the month of the operation); undated, it is
    always in force.
    """

    name: str
    value: Any
    source: str
    status: Status
    start: Period | None = None
    end: Period | None = None
    note: str = ""
    file: str = ""

    def applies(self, month: Period) -> bool:
        """Whether the rule is in force in ``month``."""
        return (self.start is None or self.start <= month) and (self.end is None or month <= self.end)


@attrs.frozen
class RoundingSpec:
    """How a region rounds, as written in its data file."""

    mode: str = "half_up"
    quantum: Decimal = Decimal("0.01")
    stage: str = "per_line"

    def policy(self) -> RoundingPolicy:
        """The :class:`~medins_core.money.RoundingPolicy` this spec describes."""
        return RoundingPolicy(mode=ROUNDING_NAMES[self.mode], quantum=self.quantum, stage=self.stage)


@attrs.frozen
class RegionHeader:
    """The ``[region]`` table of a data file."""

    code: str
    name: str = ""
    province: str = ""
    aliases: dict[str, str] = attrs.Factory(dict)
    default_lines: tuple[str, ...] = ()
    optional_lines: tuple[str, ...] = ()
    rounding: RoundingSpec = RoundingSpec()
    rounding_source: str = ""
    data_through: Period | None = None
    data_through_source: str = ""
    documents: tuple[str, ...] = ()
    notes: str = ""
    extends: str = ""  # the code of the province's shared file whose rules this region gets
    shared: bool = False  # a province's shared file of rules, not a region


@attrs.frozen
class LocalLine:
    """A local insurance line a region runs beside the national ones (``[[lines]]``)."""

    code: str
    name: str
    source: str


@attrs.frozen
class RegionFile:
    """A whole data file, as structured by cattrs."""

    region: RegionHeader
    lines: tuple[LocalLine, ...] = ()
    values: tuple[ValuesEntry, ...] = ()
    base_limits: tuple[BaseLimit, ...] = ()
    rules: tuple[Rule, ...] = ()
    file: str = ""


# A wrong type in a data file is a bad value there: cattrs reports ValueError with its path.
def _structure_decimal(value: object, _type: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f'expected a string such as "0.06" (TOML floats are binary), got {value!r}')  # noqa: TRY004
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _structure_period(value: object, _type: object) -> Period:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(f'expected a period such as "202208", got {value!r}')  # noqa: TRY004
    return Period.parse(value)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_structure_hook(Period, _structure_period)
    for cls in (ValuesEntry, BaseLimit, Rule):
        conv.register_structure_hook(
            cls,
            make_dict_structure_fn(
                cls,
                conv,
                _cattrs_forbid_extra_keys=True,
                start=override(rename="from"),
                end=override(rename="until"),
                file=override(omit=True),
            ),
        )
    conv.register_structure_hook(
        RegionFile,
        make_dict_structure_fn(
            RegionFile, conv, _cattrs_forbid_extra_keys=True, file=override(omit=True)
        ),
    )
    return conv


_CONVERTER = _make_converter()


def parse_region_file(location: Readable | Path, *, overlay: bool = False) -> RegionFile:
    """Read and validate one data file; errors name the file, the key and the bad value.

    A shipped file must name its region; an ``overlay`` file needs only ``[region] code``.
    """
    file = str(location)
    try:
        raw = tomllib.loads(location.read_bytes().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise fail(file, None, f"不是有效的 UTF-8 TOML: {exc}") from None
    except RecursionError:
        raw = None
    if raw is None or _depth(raw) > MAX_NESTING:
        raise DataFileError(
            "input_too_deep", f"参数文件中表与数组嵌套超过 {MAX_NESTING} 层, 已拒绝", file=file
        )
    try:
        data = _CONVERTER.structure(raw, RegionFile)
    except cattrs.BaseValidationError as exc:
        details = [_with_value(raw, message) for message in cattrs.transform_error(exc, path="$")]
        raise fail(file, None, "; ".join(details)) from None
    except Exception as exc:  # noqa: BLE001 - a validator raised outside cattrs' grouping
        raise fail(file, None, str(exc)) from None
    check_region_file(data, file, overlay=overlay)
    return attrs.evolve(
        data,
        file=file,
        base_limits=tuple(attrs.evolve(b, file=file) for b in data.base_limits),
        rules=tuple(attrs.evolve(r, file=file) for r in data.rules),
    )


def _depth(value: object) -> int:
    """How deeply tables and arrays nest in a parsed TOML document (without recursion)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in children)
    return deepest


_RENAMED = {"start": "from", "end": "until"}


def _with_value(raw: object, message: str) -> str:
    """cattrs' message for one bad key (``… @ $.values[3].status``), with the bad value added."""
    head, _, path = message.rpartition(" @ $")
    for attribute, key in _RENAMED.items():
        path = path.replace(f".{attribute}", f".{key}")
    message = f"{head} @ ${path}"
    value: object = raw
    for key in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        name, index = key
        try:
            value = value[int(index)] if index else value[name]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return message
    return f"{message} (值: {value!r})"


def iter_toml_files(directory: Path) -> Iterable[Path]:
    """The ``*.toml`` files of an overlay directory, in name order."""
    if not directory.is_dir():
        raise RegionError("params_dir_missing", f"参数目录不存在: {directory}", file=str(directory))
    return sorted(directory.glob("*.toml"))
