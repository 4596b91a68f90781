"""The conformance kit: the checks every shipped province passes, run against any plugin.

:func:`run_kit` answers a list of :class:`Failure`, each naming the file and the key at fault;
an empty list means the plugin conforms. ``medins test --plugin NAME`` and the pytest plugin
(``pytest --medins-plugin NAME``) run it; ``docs/plugins.md`` explains each check.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

import attrs

from medins_core.io.templates import KINDS, Template
from medins_core.operations import (
    BackpayRequest,
    ChangeRequest,
    CheckContext,
    EnrollmentRequest,
    PersonRecord,
    Request,
    SuspensionRequest,
    UnitRegistrationRequest,
    WageDeclarationRequest,
    operation_of,
)
from medins_core.params import RegionRules
from medins_core.period import Period
from medins_core.region import Region
from medins_core.registry import Registry

__all__ = ["Failure", "run_kit"]

_AMOUNTS = ("unit_rate", "person_rate", "unit_fixed", "person_fixed")
_TODAY = datetime.date(2022, 9, 15)
# one plain request per operation, to ask the hooks with
_SAMPLES: tuple[Request, ...] = (
    EnrollmentRequest(unit_no="U1", cert_no="", name="测试", start="202209", insurance=("310",)),
    SuspensionRequest(unit_no="U1", cert_no="", date=datetime.date(2022, 8, 31)),
    WageDeclarationRequest(unit_no="U1", cert_no="", start="202207", end="202306", wage="5000"),
    BackpayRequest(unit_no="U1", start="202201", end="202203", insurance=("310",)),
    UnitRegistrationRequest(uscc="", name="测试单位"),
    ChangeRequest(PersonRecord(name="测试"), PersonRecord(name="测试二"), kind="non_key"),
)


@attrs.frozen
class Failure:
    """One way a plugin or a case does not conform: where (file, key) and what."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


def run_kit(registry: Registry, plugin: str) -> list[Failure]:
    """Every failure of ``plugin`` (its entry-point or registered name) in ``registry``."""
    failures = [Failure(plugin, "load", p.message) for p in registry.problems if p.plugin == plugin]
    regions = [r for r in registry if r.plugin == plugin]
    foreign = _foreign_rules(registry, plugin)
    for region in regions:
        failures += _values(region.rules)
        failures += _default_lines(region.rules)
        failures += _hooks_run(region)
        failures += _templates(region)
    failures += _foreign_answers(registry, plugin, foreign)
    # a hook that raised while the kit asked it is in the registry's problems now
    failures += [
        Failure(plugin, "hooks", p.message)
        for p in registry.problems
        if p.plugin == plugin and not any(f.message == p.message for f in failures)
    ]
    return failures


def _values(rules: RegionRules) -> list[Failure]:
    found = []
    for (line, parameter), values in sorted(rules.values.items()):
        for value in values:
            key = f"values[line={line}, start={value.start}].{parameter}"
            if not value.source.strip():
                found.append(Failure(value.file or rules.code, key, "没有来源 (source)"))
            if value.status is None:
                found.append(Failure(value.file or rules.code, key, "没有状态 (status)"))
    for rule in (rule for entries in rules.rules.values() for rule in entries):
        if not rule.source.strip():
            found.append(Failure(rule.file or rules.code, f"rules.{rule.name}", "没有来源 (source)"))
    return found


def _default_lines(rules: RegionRules) -> list[Failure]:
    """Each default line has an amount for every month from the first month in which all
    default lines have one to the end of the region's data (``data_through``, which a region
    with amounts must declare). A region with no amounts at all has no data years (its
    sources give none) and nothing to check."""
    file = rules.files[0] if rules.files else rules.code
    if not rules.has_rates():
        return []
    if rules.data_through is None:  # else an assessment years later would not warn beyond_data
        return [Failure(file, "region.data_through", "有费率的统筹区须给出 data_through 及其来源")]
    starts = []
    for line in rules.default_lines:
        found = [v.start for p in _AMOUNTS for v in rules.values.get((line, p), [])]
        if not found:
            return [Failure(file, f"region.default_lines.{line}", "默认险种没有任何费率或定额")]
        starts.append(min(found))
    if not starts:
        return []
    last = rules.data_through
    failures = []
    for line in rules.default_lines:
        missing = [
            p for p in _periods(max(starts), last)
            if not any(rules.value(line, name, p) is not None for name in _AMOUNTS)
        ]
        if missing:
            failures.append(
                Failure(file, f"values[line={line}]", f"默认险种在 {missing[0]}…{missing[-1]} 有月份没有费率或定额")
            )
    return failures


def _periods(first: Period, last: Period) -> Iterable[Period]:
    period = first
    while period <= last:
        yield period
        period = period + 1


def _hooks_run(region: Region) -> list[Failure]:
    found = []
    for request in _SAMPLES:
        for problem in region.check(request, today=_TODAY):
            if problem.code == "plugin_failed":
                found.append(Failure(region.plugin, f"medins_check[{region.code}]", problem.message))
    return found


def _templates(region: Region) -> list[Failure]:
    found = []
    for kind in KINDS:
        template = region.template(kind)
        key = f"medins_template[{region.code}, {kind}]"
        found += [Failure(region.plugin, key, m) for m in _template_faults(template, kind)]
    return found


def _template_faults(template: Template, kind: str) -> list[str]:
    faults = []
    if not isinstance(template, Template):
        return [f"不是 Template: {type(template).__name__}"]
    if template.kind != kind:
        faults.append(f"kind 为 {template.kind!r}，应为 {kind!r}")
    if not template.columns:
        faults.append("没有列")
    fields = [c.field for c in template.columns]
    if len(set(fields)) != len(fields):
        faults.append("列的 field 重复")
    if not template.source.strip():
        faults.append("模板没有来源 (source)")
    faults += [f"列 {c.field} 没有来源 (source)" for c in template.columns if not c.source.strip()]
    return faults


def _foreign_rules(registry: Registry, plugin: str) -> list[RegionRules]:
    """Regions of other plugins, or a made-up one when the plugin is alone."""
    others = [r.rules for r in registry if r.plugin != plugin]
    if others:
        return others[:3]
    own = [r.rules for r in registry if r.plugin == plugin]
    return [attrs.evolve(own[0], code="000000", name="测试", plugin="kit")] if own else []


def _foreign_answers(registry: Registry, plugin: str, foreign: Sequence[RegionRules]) -> list[Failure]:
    """A plugin's hooks answer nothing (``[]``, ``None``) for regions that are not its own."""
    manager = registry.plugin_manager
    found = []
    for rules in foreign:
        for impl in manager.hook.medins_check.get_hookimpls():
            if impl.plugin_name != plugin:
                continue
            for request in _SAMPLES:
                answer = _ask(impl.function, impl.argnames, operation=operation_of(request),
                              request=request, rules=rules, today=_TODAY, context=CheckContext())
                if answer:
                    found.append(Failure(plugin, f"medins_check[{rules.code}]", f"对他省统筹区答复了 {answer!r}"))
        for impl in manager.hook.medins_template.get_hookimpls():
            if impl.plugin_name != plugin:
                continue
            for kind in KINDS:
                answer = _ask(impl.function, impl.argnames, kind=kind, rules=rules)
                if answer is not None:
                    found.append(Failure(plugin, f"medins_template[{rules.code}, {kind}]", "对他省统筹区答复了模板"))
    return found


def _ask(function: object, argnames: Sequence[str], **kwargs: object) -> object:
    try:
        return function(**{a: kwargs[a] for a in argnames})  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001 - a raising hook is a failure to report
        return f"出错: {exc!r}"

