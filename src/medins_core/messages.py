"""Every warning and error text of an assessment, written once for both engines."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from medins_core.datafile import PARAMETERS, ParamValue
from medins_core.errors import InputError, ParameterError
from medins_core.ids import mask_cert_no
from medins_core.params import RegionRules
from medins_core.period import Period

HOW_TO_SUPPLY = "请用 --params 目录、环境变量 MEDINS_PARAMS 或 API 的 params_dirs 提供参数文件（见 docs/parameters.md）。"


@attrs.frozen
class AssessmentWarning:
    """Something the caller should know about a result that is still correct by its data."""

    code: str
    message: str


Warning = AssessmentWarning  # the short name inside the engine modules


def _region(rules: RegionRules) -> str:
    return f"{rules.name}({rules.code})"


def provisional_value(rules: RegionRules, value: ParamValue) -> AssessmentWarning:
    """A value that is not first-hand was used."""
    return AssessmentWarning(
        "provisional_value",
        f"{_region(rules)} 险种 {value.line} 自 {value.start} 起的参数为暂定值(provisional): {value.note or value.source}",
    )


def base_limits_unknown(rules: RegionRules) -> AssessmentWarning:
    """The base was not clamped: the region's floor and ceiling are unknown."""
    return AssessmentWarning(
        "base_limits_unknown", f"{_region(rules)} 的缴费基数上下限未知，按申报工资计算，未做保底封顶"
    )


def beyond_data(rules: RegionRules) -> AssessmentWarning:
    """The assessment runs past the last period the region's data was checked for."""
    return AssessmentWarning("beyond_data", f"{_region(rules)} 的参数只核对到 {rules.data_through}")


def no_default_lines(rules: RegionRules) -> InputError:
    """A member without lines of their own, in a region whose default lines are not known."""
    return InputError(
        "no_default_lines", f"{_region(rules)} 的默认险种不在源文件中，请指定险种 (--insurance)", field="insurance"
    )


def assessment_lines_required(rules: RegionRules, missing: Iterable[str]) -> InputError:
    """An assessment that leaves out a line the region's portal requires (Hebei: 310, 330, 510)."""
    names = "、".join(f"{rules.lines[c].name if c in rules.lines else c}({c})" for c in missing)
    return InputError(
        "assessment_lines_required", f"{_region(rules)} 单位应收核定必须选择险种: {names}", field="insurance"
    )


def duplicate_person(cert_no: str) -> InputError:
    """The same certificate number twice in one assessment (the smallest such, masked)."""
    return InputError(
        "duplicate_person", f"同一人员在名单中出现两次: {mask_cert_no(cert_no)}", field="cert_no"
    )


def missing_wage(period: Period) -> InputError:
    """A person charged in ``period`` without a declared wage for it."""
    return InputError("missing_wage", f"{period} 没有申报工资", field="wage")


def _spans(indices: Iterable[int]) -> str:
    """Period indices as runs: ``202101–202103、202106``."""
    ks = sorted(set(indices))
    runs: list[tuple[int, int]] = []
    for k in ks:
        if runs and runs[-1][1] == k - 1:
            runs[-1] = (runs[-1][0], k)
        else:
            runs.append((k, k))
    names = (str(Period.from_index(a)) + ("" if a == b else f"–{Period.from_index(b)}") for a, b in runs)
    return "、".join(names)


def parameter_unknown(rules: RegionRules, missing: Iterable[tuple[str, str, int]]) -> ParameterError:
    """Every (line, parameter, period index) the assessment needs and does not know, in one error."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for line, parameter, k in missing:
        grouped.setdefault((line, parameter), []).append(k)
    by_span: dict[tuple[str, str], list[str]] = {}  # (line, periods) → parameters
    for (line, parameter), ks in grouped.items():
        by_span.setdefault((line, _spans(ks)), []).append(f"{parameter}({PARAMETERS.get(parameter, parameter)})")
    parts = []
    for (line, spans), parameters in by_span.items():
        name = rules.lines[line].name if line in rules.lines else line
        parts.append(f"{name}({line}) 在 {spans} 的 {'、'.join(parameters)}")
    known = "" if rules.has_rates() else "源文件未给出该统筹区的费率；"
    return ParameterError(
        "parameter_unknown",
        f"{_region(rules)} 以下参数未知：{'；'.join(parts)}。{known}{HOW_TO_SUPPLY}",
        field=next(iter(grouped))[1],
    )
