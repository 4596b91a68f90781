"""Helping the operator supply what the sources do not give: overlay skeletons and checks.

:func:`skeleton` writes the overlay file an assessment needs, with every missing value empty
and commented, so nothing is invented; :func:`check_directory` validates a folder of overlay
files the way an assessment with ``--params`` would read them, reporting every file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from medins_core.datafile import PARAMETERS, iter_toml_files, parse_region_file
from medins_core.deprecated import insurance_or_lines
from medins_core.errors import MedinsError
from medins_core.params import RegionRules
from medins_core.period import Period, PeriodLike
from medins_core.plan import HasRules, Plan, rules_of

#: How each kind of value is written (the form, not a value: the operator's document gives that).
_FORMS = {"rate": '比例, 小数的字符串 (7.5% 写 "0.075")', "fixed": "元, 字符串"}


@attrs.frozen
class MissingValues:
    """One line's parameters unknown over one run of periods."""

    line: str
    start: Period
    end: Period
    parameters: tuple[str, ...]


def missing_values(
    region: RegionRules | HasRules,
    start: PeriodLike,
    end: PeriodLike | None = None,
    insurance: Sequence[str] | None = None,
    parts: str = "both",
    *,
    lines: Sequence[str] | None = None,
) -> list[MissingValues]:
    """Every parameter an assessment of these periods and insurance lines needs and the data lack.

    The same decision as the assessment's ``parameter_unknown`` (both read the :class:`Plan`).
    ``insurance`` selects the lines as for ``assess`` (``lines=`` is its deprecated name).
    """
    plan = Plan(region, start, end, insurance_or_lines(insurance, lines, "missing_values"), parts)
    return [
        MissingValues(line, Period.from_index(s.first), Period.from_index(s.last), s.missing)
        for line in plan.defaults
        for s in plan.segments(line)
        if s.missing
    ]


def skeleton(
    region: RegionRules | HasRules,
    start: PeriodLike,
    end: PeriodLike | None = None,
    insurance: Sequence[str] | None = None,
    parts: str = "both",
    *,
    lines: Sequence[str] | None = None,
) -> str:
    """An overlay file with every value the assessment needs empty, each with a comment.

    The empty strings are refused on load, so an unfilled skeleton cannot be used by mistake.
    Empty text when nothing is missing.
    """
    rules = rules_of(region)
    missing = missing_values(region, start, end, insurance_or_lines(insurance, lines, "skeleton"), parts)
    if not missing:
        return ""
    first, last = Period.parse(start), Period.parse(end if end is not None else start)
    out = [
        f"# {rules.name}({rules.code}) {first}…{last} 核定所需而数据中没有的参数。",
        "# 由 medins params skeleton 写出: 请按文件 (通知、文件号、条款) 填写每个空值与 source,",
        "# 再用 medins params check 目录 检查, 用 --params 目录 核定。",
        "# 不知道的值请留空并向经办机构确认: medins 不会替你假设任何数值。",
        "[region]",
        f'code = "{rules.code}"',
    ]
    for gap in missing:
        name = rules.lines[gap.line].name if gap.line in rules.lines else gap.line
        out += ["", f"# {name}", "[[values]]", f'line = "{gap.line}"']
        out += [f'from = "{gap.start}"', f'until = "{gap.end}"']
        for parameter in gap.parameters:
            form = _FORMS["fixed" if parameter.endswith("fixed") else "rate"]
            out.append(f'{parameter} = ""'.ljust(24) + f"# {PARAMETERS[parameter]}: {form}")
        out.append('source = ""'.ljust(24) + "# 给出该值的文件与位置")
        out.append('status = "provisional"'.ljust(24) + "# 经核实的正式文件可写 verified")
    if any(rules.base_limit(p) is None for p in Period.range(first, last)):
        out += [
            "",
            "# 缴费基数上下限也未知 (核定不加限制, 并给出警告)。已知时去掉 # 填写:",
            "# [[base_limits]]",
            f'# from = "{first}"',
            '# floor = ""                # 缴费基数下限 (元/月)',
            '# ceiling = ""              # 缴费基数上限 (元/月)',
            '# source = ""',
            '# status = "provisional"',
        ]
    return "\n".join(out) + "\n"


@attrs.frozen
class FileVerdict:
    """One overlay file's verdict: ``error`` is None when it loads and applies."""

    file: str
    region: str | None
    error: MedinsError | None = attrs.field(default=None, eq=False)


def check_directory(directory: str | Path) -> list[FileVerdict]:
    """Each ``*.toml`` of ``directory`` as an assessment with ``--params`` would read it.

    Every file is parsed and checked on its own (so every bad file is reported, not only the
    first); when all parse, they are applied together to the installed regions, which finds an
    unknown region or line and two files that give the same value for the same months.
    """
    from medins_core.registry import load_registry  # here: the registry loads every plugin

    folder = Path(directory)
    verdicts = []
    for path in iter_toml_files(folder):
        try:
            data = parse_region_file(path, overlay=True)
        except MedinsError as exc:
            verdicts.append(FileVerdict(str(path), None, exc))
        else:
            verdicts.append(FileVerdict(str(path), data.region.code))
    if verdicts and all(v.error is None for v in verdicts):
        try:
            load_registry([folder], use_env=False)
        except MedinsError as exc:
            # the error names the file it was found in; the others are fine as far as known
            verdicts = [attrs.evolve(v, error=exc) if exc.file == v.file else v for v in verdicts]
    return verdicts
