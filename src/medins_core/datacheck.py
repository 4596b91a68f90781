"""Checks of a region data file that need more than one key: names, ranges, overlaps, and
what a province's shared file may hold. Each failure names the file and the key."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from medins_core.codes import NATIONAL_LINES
from medins_core.errors import DataFileError
from medins_core.money import ROUNDING_NAMES
from medins_core.period import Period
from medins_core.rule_catalogue import rule_problem

if TYPE_CHECKING:  # the schema imports this module to check what it read
    from medins_core.datafile import ParamValue, RegionFile, Rule


def fail(file: str, field: str | None, message: str) -> DataFileError:
    return DataFileError("invalid_data_file", f"参数文件有误: {message}", file=file, field=field)


def check_region_file(data: RegionFile, file: str, *, overlay: bool) -> None:
    """Checks that need more than one key: names, ranges, overlaps."""
    _check_header(data, file, overlay=overlay)
    _check_values(data, file, overlay=overlay)
    for index, limit in enumerate(data.base_limits):
        if limit.floor is not None and limit.ceiling is not None and limit.floor > limit.ceiling:
            raise fail(file, f"base_limits[{index}]", "基数下限高于上限")
    _check_rules(data.rules, file)
    if data.region.shared:
        _check_shared(data, file)


def _check_header(data: RegionFile, file: str, *, overlay: bool) -> None:
    header = data.region
    if not (header.code.isdigit() and len(header.code) == 6):
        raise fail(file, "region.code", f"统筹区代码应为6位数字: {header.code!r}")
    if not overlay and not header.name:
        raise fail(file, "region.name", "缺少统筹区名称")
    if header.rounding.mode not in ROUNDING_NAMES:
        raise fail(file, "region.rounding.mode", f"未知的舍入方式 {header.rounding.mode!r}")
    if header.rounding.quantum not in (Decimal("0.01"), Decimal("0.1"), Decimal(1)):
        # amounts are reported in yuan to the fen: a finer quantum could not be shown
        raise fail(file, "region.rounding.quantum", f"舍入单位应为 0.01、0.1 或 1: {header.rounding.quantum}")
    if header.rounding.stage not in ("per_line", "per_total"):
        raise fail(file, "region.rounding.stage", f"未知的舍入阶段 {header.rounding.stage!r}")
    known_lines = set(NATIONAL_LINES) | {line.code for line in data.lines}
    for key in ("default_lines", "optional_lines"):
        for code in getattr(header, key):
            if code not in known_lines:
                raise fail(file, f"region.{key}", f"未知的险种代码 {code!r}")
    if header.data_through is not None and not overlay and not header.data_through_source.strip():
        raise fail(file, "region.data_through_source", "data_through 须注明来源 (data_through_source)")


def _check_values(data: RegionFile, file: str, *, overlay: bool) -> None:
    known_lines = set(NATIONAL_LINES) | {line.code for line in data.lines}
    seen: dict[tuple[str, str], list[ParamValue]] = {}
    for index, entry in enumerate(data.values):
        where = f"values[{index}]"
        if not overlay and entry.line not in known_lines:
            raise fail(file, f"{where}.line", f"未知的险种代码 {entry.line!r}")
        if entry.end is not None and entry.end < entry.start:
            raise fail(file, f"{where}.until", "until 早于 from")
        if not entry.source.strip():
            raise fail(file, f"{where}.source", "每个参数值须注明来源")
        values = entry.expand(file)
        if not values:
            raise fail(file, where, "没有给出任何参数值")
        for value in values:
            key = f"{where}.{value.parameter}"
            if value.value < 0:
                raise fail(file, key, f"参数值不能为负: {value.value}")
            if value.parameter.endswith("rate") and value.value > 1:
                raise fail(file, key, f"比例应在 0 与 1 之间: {value.value}")
            for other in seen.setdefault((value.line, value.parameter), []):
                if overlaps(value.start, value.end, other.start, other.end):
                    raise fail(file, key, f"{value.line} {value.parameter} 的有效期与另一条重叠")
            seen[(value.line, value.parameter)].append(value)


def _check_rules(rules: Iterable[Rule], file: str) -> None:
    """Each rule's value against the catalogue; one name's dated entries must not overlap."""
    seen: dict[str, list[Rule]] = {}
    for index, rule in enumerate(rules):
        problem = rule_problem(rule.name, rule.value)
        if problem is not None:
            key, message = problem
            raise fail(file, f"rules[{index}].{key}", f"{message} (值: {getattr(rule, key)!r})")
        if rule.start is not None and rule.end is not None and rule.end < rule.start:
            raise fail(file, f"rules[{index}].until", "until 早于 from")
        for other in seen.setdefault(rule.name, []):
            if overlaps(rule.start, rule.end, other.start, other.end):
                raise fail(file, f"rules[{index}].name", f"规则 {rule.name} 的有效期与另一条重叠")
        seen[rule.name].append(rule)


def _check_shared(data: RegionFile, file: str) -> None:
    """A province's shared file carries rules only: rates and lines belong to a region."""
    header = data.region
    if not header.code.endswith("0000"):
        raise fail(file, "region.code", f"省级共用文件的代码应以 0000 结尾: {header.code!r}")
    if header.extends:
        raise fail(file, "region.extends", "省级共用文件不能再 extends 另一个文件")
    for key in ("lines", "values", "base_limits"):
        if getattr(data, key):
            raise fail(file, key, f"省级共用文件只能给出 [[rules]], 不能给出 [[{key}]]")
    for key in ("default_lines", "optional_lines", "aliases", "data_through"):
        if getattr(header, key):
            raise fail(file, f"region.{key}", f"省级共用文件不能给出 {key}")


def overlaps(a0: Period | None, a1: Period | None, b0: Period | None, b1: Period | None) -> bool:
    """Whether two month ranges meet; an open start or end reaches as far as it can."""
    return (a1 is None or b0 is None or b0 <= a1) and (b1 is None or a0 is None or a0 <= b1)
