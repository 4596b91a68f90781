"""Rules as data: effective-dated parameters per region, loaded from TOML files with sources.

A region file (one per pooling region, shipped in a province plugin's ``data/`` folder) looks
like this; see ``docs/parameters.md`` for every key::

    [region]
    code = "320500"
    name = "苏州市"
    province = "江苏省"
    default_lines = ["310", "330", "510"]

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

An entry lists the parameters its source states; a parameter it does not list stays unknown.

Lookup is by the fee period (费款所属期), so back-pay for 2012-05 uses the value in force in
2012-05. A value that is not known for a period is ``None`` here and an error in the engine:
never a silent zero. Operators overlay their own files (same format; ``[region]`` needs only
``code``): an overlay value wins over a shipped one for the periods it covers.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from medins_core.codes import NATIONAL_LINES, InsuranceLine
from medins_core.errors import DataFileError, ParameterError, RegionError
from medins_core.money import RoundingPolicy
from medins_core.period import Period
from medins_core.rule_catalogue import rule_problem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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

ROUNDING_MODES = {
    "half_up": "ROUND_HALF_UP",
    "half_even": "ROUND_HALF_EVEN",
    "half_down": "ROUND_HALF_DOWN",
    "up": "ROUND_UP",
    "down": "ROUND_DOWN",
    "ceiling": "ROUND_CEILING",
    "floor": "ROUND_FLOOR",
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
class Sourced:
    """Where a value comes from: the document and place, and its :class:`Status`."""

    source: str
    status: Status


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

    The engine reads rules by name; which names exist is documented with the checks that use them.
    """

    name: str
    value: Any
    source: str
    status: Status
    note: str = ""
    file: str = ""


@attrs.frozen
class RoundingSpec:
    """How a region rounds, as written in its data file."""

    mode: str = "half_up"
    quantum: Decimal = Decimal("0.01")
    stage: str = "per_line"

    def policy(self) -> RoundingPolicy:
        """The :class:`~medins_core.money.RoundingPolicy` this spec describes."""
        import decimal

        return RoundingPolicy(
            mode=getattr(decimal, ROUNDING_MODES[self.mode]), quantum=self.quantum, stage=self.stage
        )


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
    documents: tuple[str, ...] = ()
    notes: str = ""


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
    for cls in (ValuesEntry, BaseLimit):
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
        Rule, make_dict_structure_fn(Rule, conv, _cattrs_forbid_extra_keys=True, file=override(omit=True))
    )
    conv.register_structure_hook(
        RegionFile,
        make_dict_structure_fn(
            RegionFile, conv, _cattrs_forbid_extra_keys=True, file=override(omit=True)
        ),
    )
    return conv


_CONVERTER = _make_converter()


def _fail(file: str, field: str | None, message: str) -> DataFileError:
    return DataFileError("invalid_data_file", f"参数文件有误: {message}", file=file, field=field)


def parse_region_file(location: Readable | Path, *, overlay: bool = False) -> RegionFile:
    """Read and validate one data file; errors name the file, the key and the bad value.

    A shipped file must name its region; an ``overlay`` file needs only ``[region] code``.
    """
    file = str(location)
    try:
        raw = tomllib.loads(location.read_bytes().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(file, None, f"不是有效的 UTF-8 TOML: {exc}") from None
    try:
        data = _CONVERTER.structure(raw, RegionFile)
    except cattrs.BaseValidationError as exc:
        details = [_with_value(raw, message) for message in cattrs.transform_error(exc, path="$")]
        raise _fail(file, None, "; ".join(details)) from None
    except Exception as exc:  # noqa: BLE001 - a validator raised outside cattrs' grouping
        raise _fail(file, None, str(exc)) from None
    _check(data, file, overlay=overlay)
    return attrs.evolve(
        data,
        file=file,
        base_limits=tuple(attrs.evolve(b, file=file) for b in data.base_limits),
        rules=tuple(attrs.evolve(r, file=file) for r in data.rules),
    )


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


def _check(data: RegionFile, file: str, *, overlay: bool) -> None:
    """Checks that need more than one key: names, ranges, overlaps."""
    header = data.region
    if not (header.code.isdigit() and len(header.code) == 6):
        raise _fail(file, "region.code", f"统筹区代码应为6位数字: {header.code!r}")
    if not overlay and not header.name:
        raise _fail(file, "region.name", "缺少统筹区名称")
    if header.rounding.mode not in ROUNDING_MODES:
        raise _fail(file, "region.rounding.mode", f"未知的舍入方式 {header.rounding.mode!r}")
    if header.rounding.quantum not in (Decimal("0.01"), Decimal("0.1"), Decimal(1)):
        # amounts are reported in yuan to the fen: a finer quantum could not be shown
        raise _fail(file, "region.rounding.quantum", f"舍入单位应为 0.01、0.1 或 1: {header.rounding.quantum}")
    if header.rounding.stage not in ("per_line", "per_total"):
        raise _fail(file, "region.rounding.stage", f"未知的舍入阶段 {header.rounding.stage!r}")
    known_lines = set(NATIONAL_LINES) | {line.code for line in data.lines}
    for key in ("default_lines", "optional_lines"):
        for code in getattr(header, key):
            if code not in known_lines:
                raise _fail(file, f"region.{key}", f"未知的险种代码 {code!r}")
    seen: dict[tuple[str, str], list[ParamValue]] = {}
    for index, entry in enumerate(data.values):
        where = f"values[{index}]"
        if not overlay and entry.line not in known_lines:
            raise _fail(file, f"{where}.line", f"未知的险种代码 {entry.line!r}")
        if entry.end is not None and entry.end < entry.start:
            raise _fail(file, f"{where}.until", "until 早于 from")
        if not entry.source.strip():
            raise _fail(file, f"{where}.source", "每个参数值须注明来源")
        values = entry.expand(file)
        if not values:
            raise _fail(file, where, "没有给出任何参数值")
        for value in values:
            key = f"{where}.{value.parameter}"
            if value.value < 0:
                raise _fail(file, key, f"参数值不能为负: {value.value}")
            if value.parameter.endswith("rate") and value.value > 1:
                raise _fail(file, key, f"比例应在 0 与 1 之间: {value.value}")
            for other in seen.setdefault((value.line, value.parameter), []):
                if _overlaps(value.start, value.end, other.start, other.end):
                    raise _fail(file, key, f"{value.line} {value.parameter} 的有效期与另一条重叠")
            seen[(value.line, value.parameter)].append(value)
    for index, limit in enumerate(data.base_limits):
        if limit.floor is not None and limit.ceiling is not None and limit.floor > limit.ceiling:
            raise _fail(file, f"base_limits[{index}]", "基数下限高于上限")
    for index, rule in enumerate(data.rules):
        problem = rule_problem(rule.name, rule.value)
        if problem is not None:
            key, message = problem
            raise _fail(file, f"rules[{index}].{key}", f"{message} (值: {getattr(rule, key)!r})")


def _overlaps(a0: Period, a1: Period | None, b0: Period, b1: Period | None) -> bool:
    return (a1 is None or b0 <= a1) and (b1 is None or a0 <= b1)


@attrs.define
class RegionRules:
    """Everything the engine knows about one pooling region: its parameters and rules.

    Built by the registry from a plugin's data file and any operator overlays; read-only after.
    """

    code: str
    name: str
    province: str
    plugin: str
    default_lines: tuple[str, ...]
    optional_lines: tuple[str, ...]
    lines: dict[str, InsuranceLine]
    rounding: RoundingPolicy
    rounding_source: str
    data_through: Period | None
    documents: tuple[str, ...]
    aliases: dict[str, str]
    notes: str
    values: dict[tuple[str, str], list[ParamValue]]
    base_limits: list[BaseLimit]
    rules: dict[str, Rule]
    files: list[str]

    @classmethod
    def from_file(cls, data: RegionFile, plugin: str) -> RegionRules:
        """Rules for the region of one shipped data file."""
        header = data.region
        lines = dict(NATIONAL_LINES)
        lines.update({ln.code: InsuranceLine(ln.code, ln.name, national=False) for ln in data.lines})
        values: dict[tuple[str, str], list[ParamValue]] = {}
        for entry in data.values:
            for value in entry.expand(data.file):
                values.setdefault((value.line, value.parameter), []).append(value)
        return cls(
            code=header.code,
            name=header.name,
            province=header.province,
            plugin=plugin,
            default_lines=header.default_lines,
            optional_lines=header.optional_lines,
            lines=lines,
            rounding=header.rounding.policy(),
            rounding_source=header.rounding_source,
            data_through=header.data_through,
            documents=header.documents,
            aliases=dict(header.aliases),
            notes=header.notes,
            values=values,
            base_limits=list(data.base_limits),
            rules={rule.name: rule for rule in data.rules},
            files=[data.file],
        )

    def overlay(self, data: RegionFile) -> None:
        """Put an operator's file in front: its values win for the periods they cover."""
        for index, entry in enumerate(data.values):
            if entry.line not in self.lines:
                raise _fail(data.file, f"values[{index}].line", f"统筹区 {self.code} 没有险种 {entry.line!r}")
            shipped = self.files[-1]
            for value in entry.expand(data.file):
                known = self.values.setdefault((value.line, value.parameter), [])
                for other in known:
                    # two operator files for the same value and months: neither may silently win
                    if other.file != shipped and _overlaps(value.start, value.end, other.start, other.end):
                        raise _fail(
                            data.file, f"values[{index}].{value.parameter}",
                            f"{value.line} {value.parameter} 自 {value.start} 起的值与参数文件 {other.file} "
                            "给出的重叠; 请只在一个文件中给出",
                        )  # fmt: skip
                known.insert(0, value)
        self.base_limits[:0] = data.base_limits
        self.rules.update({rule.name: rule for rule in data.rules})
        header = data.region
        if header.default_lines:
            self.default_lines = header.default_lines
        self.files.insert(0, data.file)

    def value(self, line: str, parameter: str, period: Period) -> ParamValue | None:
        """The value of ``parameter`` for ``line`` in force in ``period``; None if unknown."""
        for value in self.values.get((line, parameter), ()):
            if value.applies(period):
                return value
        return None

    def require(self, line: str, parameter: str, period: Period) -> ParamValue:
        """Like :meth:`value`, but an unknown value is a :class:`ParameterError` saying how to supply it."""
        found = self.value(line, parameter, period)
        if found is None:
            line_name = self.lines[line].name if line in self.lines else line
            known = "" if self.has_rates() else "源文件未给出该统筹区的费率；"
            raise ParameterError(
                "parameter_unknown",
                f"{self.name}({self.code}) {line_name}({line}) 在 {period} 的 {parameter}"
                f"({PARAMETERS.get(parameter, parameter)}) 未知。{known}"
                "请用 --params 目录、环境变量 MEDINS_PARAMS 或 API 的 params_dirs 提供参数文件"
                "（见 docs/parameters.md）。",
                field=parameter,
            )
        return found

    def base_limit(self, period: Period) -> BaseLimit | None:
        """The base floor and ceiling in force in ``period``; None when the sources give none."""
        for limit in self.base_limits:
            if limit.applies(period):
                return limit
        return None

    def rule(self, name: str) -> Rule | None:
        """A non-rate rule by name, or None when the region does not have it."""
        return self.rules.get(name)

    def line(self, code: str) -> InsuranceLine:
        """An insurance line this region knows (national or local); unknown is a RegionError."""
        try:
            return self.lines[code]
        except KeyError:
            raise RegionError(
                "unknown_insurance", f"{self.name}({self.code}) 没有险种代码 {code!r}", field="insurance"
            ) from None

    def has_rates(self) -> bool:
        """Whether any rate or fixed amount is known for this region."""
        return any(key[1] in ("unit_rate", "person_rate", "unit_fixed", "person_fixed") for key in self.values)

    def data_years(self) -> str:
        """The span of periods the region's values cover, e.g. ``2009–2022``; empty if none."""
        starts = [v.start for vs in self.values.values() for v in vs]
        ends = [v.end or v.start for vs in self.values.values() for v in vs]
        if self.data_through is not None:
            ends.append(self.data_through)
        if not starts:
            return ""
        first, last = min(starts).year, max(ends).year
        return str(first) if first == last else f"{first}–{last}"

    def status(self) -> str:
        """``verified`` when every value is, ``provisional`` when any is, ``no rates`` when none."""
        statuses = {v.status for vs in self.values.values() for v in vs}
        if not statuses:
            return "no rates"
        return Status.PROVISIONAL.value if Status.PROVISIONAL in statuses else Status.VERIFIED.value


def iter_toml_files(directory: Path) -> Iterable[Path]:
    """The ``*.toml`` files of an overlay directory, in name order."""
    if not directory.is_dir():
        raise RegionError("params_dir_missing", f"参数目录不存在: {directory}", file=str(directory))
    return sorted(directory.glob("*.toml"))
