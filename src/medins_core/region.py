"""A pooling region as the engine uses it: its data and its own plugin's hooks, together.

:meth:`medins_core.registry.Registry.region` answers a :class:`Region`. The hooks are those of
the plugin that provides the region, and of add-on plugins that provide no region (pluggy's
``subset_hook_caller``), so no caller carries a registry beside the data. A hook that raises is reported once in the registry's problems and
skipped: a check then answers a ``plugin_failed`` error, a template the generic one.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

import attrs
import pluggy

from medins_core.params import RegionRules
from medins_core.period import Period

if TYPE_CHECKING:
    # imported where used: an assessment needs a region's rules, not its checks or templates
    from medins_core.io.templates import Template
    from medins_core.operations import CheckContext, Problem, Request


@attrs.frozen
class PluginProblem:
    """A plugin that could not be used, and why."""

    plugin: str
    message: str


@attrs.define(eq=False)
class Region:
    """One pooling region: :attr:`rules` (its data) and its plugin's hooks.

    A region's face is its :attr:`code`, :attr:`name` and :attr:`plugin`; everything else the
    data say is read from :attr:`rules` (``region.rules.rate(...)``).
    ``attrs.evolve(region, rules=...)`` gives the same region and hooks over other data.
    """

    rules: RegionRules
    _manager: pluggy.PluginManager = attrs.field(repr=False)
    _problems: list[PluginProblem] = attrs.field(repr=False)
    _callers: dict[str, tuple[Any, list[Any]]] = attrs.field(init=False, factory=dict, repr=False)
    _dated: dict[int, Region] = attrs.field(init=False, factory=dict, repr=False)

    @property
    def code(self) -> str:
        """The region code (统筹区代码)."""
        return self.rules.code

    @property
    def name(self) -> str:
        """The region's Chinese name."""
        return self.rules.name

    @property
    def plugin(self) -> str:
        """The name of the plugin that provides the region."""
        return self.rules.plugin

    def check(
        self, request: Request, *, today: date, context: CheckContext | None = None
    ) -> list[Problem]:
        """Every problem of ``request`` in this region: the engine's checks, then the plugin's.

        ``context`` (what the unit book knows) defaults to an empty :class:`CheckContext`.
        A message the region words its own way (the ``messages`` rule, code → text) replaces
        the engine's default wording.
        """
        from medins_core.operations import CheckContext, check

        dated = self.dated(today)
        return dated.reworded(
            check(request, region=dated, today=today, context=context if context is not None else CheckContext())
        )

    def dated(self, today: date) -> Region:
        """This region with only the rules in force in the month of ``today``.

        Made once a month and kept, with its hook callers: a batch checks every row on one day.
        """
        month = Period.of(today).index
        found = self._dated.get(month)
        if found is None:
            found = self._dated[month] = Region(self.rules.as_of(today), self._manager, self._problems)
        return found

    def reworded(self, problems: list[Problem]) -> list[Problem]:
        """``problems`` in the region's own words (its ``messages`` rule, code → text)."""
        from medins_core.operations.catalogue import reword

        rule = self.rules.rule("messages")
        messages = rule.value if rule is not None and isinstance(rule.value, dict) else None
        return reword(problems, messages)

    def answers(self, hook_name: str) -> bool:
        """Whether any plugin implementation answers ``hook_name`` for this region."""
        return bool(self._implementations(hook_name))

    def hook_problems(
        self, operation: str, request: Request, *, today: date, context: CheckContext
    ) -> list[Problem]:
        """What the region's plugin answers to ``medins_check`` (``[]`` when it has no hook)."""
        from medins_core.operations import Problem, operation_of

        operation_of(request)  # a request of no operation is a caller's error, not a plugin's
        answers = self._call(
            "medins_check",
            operation=operation,
            request=request,
            rules=self.rules,
            today=today,
            context=context,
        )
        found: list[Problem] = []
        for answer in cast("list[list[Problem] | Problem | None]", answers):
            if isinstance(answer, Problem):  # a failure reported by _call
                found.append(answer)
            elif answer is not None:
                found += answer
        return found

    def template(self, kind: str) -> Template:
        """The batch template of ``kind`` the region's portal prints, else the generic one.

        The suspension reasons the region's own data names (``suspend_reasons``) are shown on
        the 中断原因 column as a hint; no region's source gives a closed list.
        """
        from medins_core.io.templates import GENERIC, Template, check_kind, with_reasons

        check_kind(kind)
        answers = self._call("medins_template", kind=kind, rules=self.rules)
        template = next((a for a in answers if isinstance(a, Template)), GENERIC[kind])
        reasons = self.rules.rule("suspend_reasons")
        if reasons is None:  # no list in the region's source: the reason is free text
            return template
        return with_reasons(template, [str(r) for r in reasons.value], reasons.source)

    def _call(self, hook_name: str, **kwargs: object) -> list[Any]:
        """The answers to ``hook_name`` of the region's plugin and of add-on plugins, newest first.

        An add-on provides no region files (an operator's extra checks or template); the
        plugins of other regions are not asked, so one province cannot break another.

        An implementation that raises is reported once and answers a ``plugin_failed`` problem
        (checks) or nothing (templates); the others still answer.
        """
        answers: list[Any] = []
        for impl in self._implementations(hook_name):
            try:
                answer = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as exc:  # noqa: BLE001 - a faulty plugin must not break the engine
                answers.append(self._failed(impl.plugin_name, hook_name, exc))
                continue
            answers.append(answer)
        return answers

    def _implementations(self, hook_name: str) -> list[Any]:
        """The implementations of ``hook_name`` that answer for this region, newest first."""
        # which implementations answer is the same for every call while no plugin is
        # (un)registered: worked out once, not once per row of a batch
        hook = self._manager.hook
        key = (tuple(getattr(hook, hook_name).get_hookimpls()), tuple(hook.medins_region_files.get_hookimpls()))
        cached = self._callers.get(hook_name)
        if cached is None or cached[0] != key:
            providers = {i.plugin_name for i in key[1]}
            others = [
                plugin
                for plugin in self._manager.get_plugins()
                if self._manager.get_name(plugin) in providers - {self.plugin}
            ]
            caller = self._manager.subset_hook_caller(hook_name, remove_plugins=others)
            cached = self._callers[hook_name] = (key, list(reversed(caller.get_hookimpls())))
        return cached[1]

    def _failed(self, plugin: str, hook_name: str, exc: Exception) -> Problem:
        from medins_core.operations import Problem

        message = f"{hook_name} 出错: {exc!r}"
        if PluginProblem(plugin, message) not in self._problems:
            self._problems.append(PluginProblem(plugin, message))
        return Problem(
            "plugin_failed", "", f"插件 {plugin} 对统筹区 {self.code} 的 {hook_name} 出错，已跳过"
        )
