"""The one place the book calls the region's rules and checks.

``registry.region(code)`` returns the region's :class:`~medins_core.params.RegionRules` today
and a ``Region`` holding them as ``.rules`` (with its own ``check``) later; both are handled
here, so that change touches only this module.
"""

from __future__ import annotations

import datetime

from medins_core.operations import Context, Problem, Request, check
from medins_core.params import RegionRules
from medins_core.registry import Registry


def rules_of(registry: Registry, code: str) -> RegionRules:
    """The rules of region ``code`` (an unknown code raises the registry's error)."""
    region: object = registry.region(code)
    # a RegionRules has a ``rules`` attribute too (its named rules): test the type, not the name
    rules = region if isinstance(region, RegionRules) else getattr(region, "rules")
    assert isinstance(rules, RegionRules)
    return rules


def run_check(
    registry: Registry, code: str, request: Request, *, today: datetime.date, context: Context
) -> list[Problem]:
    """Every problem of ``request`` in region ``code`` on ``today`` with the book's ``context``."""
    return check(
        request, rules=rules_of(registry, code), registry=registry, today=today, context=context
    )
