"""A region's parameters and rules as the engine reads them: :class:`RegionRules`.

Built from a region's data file (:mod:`medins_core.datafile`), the province file it extends,
and the operator's overlays. Lookup is by the fee period (费款所属期), so back-pay for 2012-05
uses the value in force in 2012-05. A value that is not known for a period is ``None`` here
and an error in the engine: never a silent zero. An overlay value wins over a shipped one for
the periods it covers. Rules are looked up by the month of the operation (:meth:`RegionRules.as_of`).
"""

from __future__ import annotations

from datetime import date

import attrs

from medins_core.codes import NATIONAL_LINES, InsuranceLine
from medins_core.datacheck import fail, overlaps
from medins_core.datafile import (
    PARAMETERS,
    BaseLimit,
    ParamValue,
    RegionFile,
    Rule,
    Status,
)
from medins_core.errors import ParameterError, RegionError
from medins_core.money import RoundingPolicy
from medins_core.period import Period


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
    data_through_source: str
    documents: tuple[str, ...]
    aliases: dict[str, str]
    notes: str
    values: dict[tuple[str, str], list[ParamValue]]
    base_limits: list[BaseLimit]
    rules: dict[str, tuple[Rule, ...]]  # each name's entries, the one that wins first
    shipped: tuple[str, ...]  # the region's data file, and its province's when it extends one
    overlays: list[str] = attrs.Factory(list)  # the operator's files, newest first
    _dated: dict[int, RegionRules] = attrs.field(init=False, factory=dict, repr=False, eq=False)

    @classmethod
    def from_file(cls, data: RegionFile, plugin: str, province: RegionFile | None = None) -> RegionRules:
        """Rules for the region of one shipped data file, and of the province file it extends.

        A region's own rules of a name replace the province's rules of that name.
        """
        header = data.region
        rules = _by_name(province.rules) if province is not None else {}
        rules.update(_by_name(data.rules))
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
            data_through_source=header.data_through_source,
            documents=header.documents,
            aliases=dict(header.aliases),
            notes=header.notes,
            values=values,
            base_limits=list(data.base_limits),
            rules=rules,
            shipped=(data.file,) if province is None else (data.file, province.file),
        )

    def overlay(self, data: RegionFile) -> None:
        """Put an operator's file in front: its values win for the periods they cover."""
        for index, entry in enumerate(data.values):
            if entry.line not in self.lines:
                raise fail(data.file, f"values[{index}].line", f"统筹区 {self.code} 没有险种 {entry.line!r}")
            for value in entry.expand(data.file):
                known = self.values.setdefault((value.line, value.parameter), [])
                for other in known:
                    # two operator files for the same value and months: neither may silently win
                    if other.file in self.overlays and overlaps(value.start, value.end, other.start, other.end):
                        raise fail(
                            data.file, f"values[{index}].{value.parameter}",
                            f"{value.line} {value.parameter} 自 {value.start} 起的值与参数文件 {other.file} "
                            "给出的重叠; 请只在一个文件中给出",
                        )  # fmt: skip
                known.insert(0, value)
        self.base_limits[:0] = data.base_limits
        for name, entries in _by_name(data.rules).items():
            self.rules[name] = (*entries, *self.rules.get(name, ()))
        header = data.region
        if header.default_lines:
            self.default_lines = header.default_lines
        self.overlays.insert(0, data.file)
        self._dated.clear()

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

    def rule(self, name: str, month: Period | None = None) -> Rule | None:
        """A non-rate rule by name: the one in force in ``month``, or with no month the latest.

        None when the region does not have it (then). The checks read the rules of a region
        made :meth:`as_of` the day of the operation, which holds one rule of each name.
        """
        entries = self.rules.get(name, ())
        if month is None:
            if len(entries) < 2:  # the common case (rules made as_of a day): nothing to choose
                return entries[0] if entries else None
            return max(entries, key=lambda r: (r.end is None, r.end.index if r.end else 0), default=None)
        return next((rule for rule in entries if rule.applies(month)), None)

    def as_of(self, day: date | Period) -> RegionRules:
        """These rules with, for each name, only the rule in force in the month of ``day``.

        Made once a month and kept: a batch checks every row on the same day.
        """
        month = day if isinstance(day, Period) else Period.of(day)
        dated = self._dated.get(month.index)
        if dated is None:
            rules: dict[str, tuple[Rule, ...]] = {
                name: (rule,) for name in self.rules if (rule := self.rule(name, month)) is not None
            }
            dated = self._dated[month.index] = attrs.evolve(self, rules=rules)
        return dated

    @property
    def files(self) -> list[str]:
        """Every file the rules come from: the overlays, newest first, then the shipped ones."""
        return [*self.overlays, *self.shipped]

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


def _by_name(rules: tuple[Rule, ...]) -> dict[str, tuple[Rule, ...]]:
    grouped: dict[str, tuple[Rule, ...]] = {}
    for rule in rules:
        grouped[rule.name] = (*grouped.get(rule.name, ()), rule)
    return grouped
