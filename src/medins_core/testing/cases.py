"""Declarative assessment cases (TOML), in the spirit of OpenFisca's YAML tests.

A case file holds ``[[case]]`` tables; each names a region, the periods and options, the
persons, and what the assessment must give::

    [[case]]
    name = "苏州 2022-08 缴费通知单"
    source = "jiangsu-suzhou-unit-hall-training.txt PART4.2"
    region = "320500"
    period = "2022-08"            # to = "2022-10" for a range
    payment_type = "regular"      # or "backpay"; parts = "both" | "unit" | "person"
    insurance = ["510"]           # optional; the region's default lines otherwise
    bases = [[8910, 1286], [8913, 193], [8914, 1]]   # [base, how many persons]
    # or persons, each with its own wages by period:
    # [[case.persons]]
    # cert_no = "320826199401261422"
    # name = "高莹莹"
    # wages = [["202101", "5737"], ["202107", "5783"]]

    [case.expect]
    total = "1300048.92"
    total_upper = "壹佰叁拾万零肆拾捌圆玖角贰分"
    warnings = ["provisional_value"]     # codes that must be among the warnings
    # error = "parameter_unknown"        # the assessment must be refused with this code
    [case.expect.lines.310]              # the total of one insurance line
    person_amount = "263806.06"

Amounts are strings compared to the fen. :func:`run_cases` answers a :class:`Failure` per
mismatch, naming the file and the key (``case[0].expect.lines.310.person_amount``).
``lines = [...]`` is the deprecated name of ``insurance`` (a DeprecationWarning; both is a
failure).
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medins_core.assessment import Assessment, Parts, PaymentType, assess
from medins_core.errors import MedinsError
from medins_core.model import Member, Person, WageDeclaration
from medins_core.period import Period
from medins_core.registry import Registry
from medins_core.testing.fixtures import roster_with_bases
from medins_core.testing.kit import Failure

__all__ = ["case_files", "run_cases"]

_CASE_KEYS = {
    "name", "source", "region", "period", "to", "payment_type", "parts", "insurance", "lines", "bases",
    "persons", "expect",
}
_EXPECT_KEYS = {"total", "total_upper", "persons", "warnings", "error", "lines"}
_LINE_KEYS = {
    "persons", "unit_base", "person_base", "unit_amount", "person_amount", "amount",
    "account_transfer",
}


def case_files(paths: Iterable[str | Path]) -> list[Path]:
    """The ``*.toml`` files of ``paths`` (files, or folders searched recursively), sorted."""
    found: list[Path] = []
    for path in map(Path, paths):
        found += sorted(path.rglob("*.toml")) if path.is_dir() else [path]
    return found


def run_cases(registry: Registry, files: Sequence[Path]) -> list[Failure]:
    """Every failure of the cases in ``files``; an unreadable file is one failure."""
    failures: list[Failure] = []
    for file in files:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            failures.append(Failure(str(file), "-", f"无法读取: {exc}"))
            continue
        cases = data.get("case")
        if not isinstance(cases, list) or not cases or set(data) != {"case"}:
            failures.append(Failure(str(file), "case", "应只含 [[case]] 表"))
            continue
        for index, case in enumerate(cases):
            failures += _run(registry, str(file), f"case[{index}]", case)
    return failures


def _run(registry: Registry, file: str, key: str, case: dict[str, Any]) -> list[Failure]:
    unknown = set(case) - _CASE_KEYS
    if unknown:
        return [Failure(file, f"{key}.{sorted(unknown)[0]}", "未知的键")]
    expect = case.get("expect", {})
    unknown = set(expect) - _EXPECT_KEYS
    if unknown:
        return [Failure(file, f"{key}.expect.{sorted(unknown)[0]}", "未知的键")]
    if "lines" in case:
        if "insurance" in case:
            return [Failure(file, f"{key}.lines", "insurance 与其旧名 lines 不能同时给出")]
        warnings.warn(f"{file} {key}: lines = [...] is deprecated; use insurance", DeprecationWarning, stacklevel=2)
    try:
        region = registry.region(str(case["region"]))
        result = assess(
            _members(case),
            region.rules,
            case["period"],
            case.get("to"),
            payment_type=PaymentType(case.get("payment_type", "regular")),
            insurance=case.get("insurance", case.get("lines")),
            parts=Parts(case.get("parts", "both")),
        )
    except MedinsError as exc:
        if expect.get("error") == exc.code:
            return []
        return [Failure(file, key, f"评估出错 {exc.code}: {exc.message}")]
    except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
        return [Failure(file, key, f"用例不完整或有误: {exc!r}")]
    if "error" in expect:
        return [Failure(file, f"{key}.expect.error", f"应报错 {expect['error']}，实际通过")]
    return _compare(file, f"{key}.expect", expect, result)


def _members(case: dict[str, Any]) -> list[Member]:
    members = roster_with_bases(
        base for base, count in case.get("bases", []) for _ in range(int(count))
    )
    for person in case.get("persons", []):
        wages = tuple(WageDeclaration(Period.parse(p), Decimal(w)) for p, w in person["wages"])
        members.append(Member(Person(person["cert_no"], person["name"]), wages))
    return members


def _compare(file: str, key: str, expect: dict[str, Any], result: Assessment) -> list[Failure]:
    failures = []

    def differ(where: str, want: object, got: object) -> None:
        if _norm(want) != _norm(got):
            failures.append(Failure(file, f"{key}.{where}", f"应为 {want}，实际 {got}"))

    for name in ("total", "total_upper", "persons"):
        if name in expect:
            differ(name, expect[name], getattr(result, name))
    codes = {w.code for w in result.warnings}
    for code in expect.get("warnings", []):
        if code not in codes:
            failures.append(Failure(file, f"{key}.warnings", f"缺少警告 {code}；实际 {sorted(codes)}"))
    totals = {t.insurance: t for t in result.totals}
    for line, wanted in expect.get("lines", {}).items():
        if line not in totals:
            failures.append(Failure(file, f"{key}.lines.{line}", "结果中没有此险种"))
            continue
        for name, want in wanted.items():
            if name not in _LINE_KEYS:
                failures.append(Failure(file, f"{key}.lines.{line}.{name}", "未知的键"))
            else:
                differ(f"lines.{line}.{name}", want, getattr(totals[line], name))
    return failures


def _norm(value: object) -> object:
    """Amounts compare as Decimals to the fen ("791418.18" == Decimal("791418.18"))."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value
