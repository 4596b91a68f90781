"""The one place the book resolves a region and runs its checks."""

from __future__ import annotations

import datetime

from medins_core.operations import CheckContext, Problem, Request
from medins_core.params import RegionRules
from medins_core.region import Region
from medins_core.registry import Registry


def region_of(registry: Registry, code: str) -> Region:
    """Region ``code`` with its plugin's hooks (an unknown code raises the registry's error)."""
    return registry.region(code)


def rules_of(registry: Registry, code: str) -> RegionRules:
    """The data of region ``code``."""
    return region_of(registry, code).rules


def run_check(
    registry: Registry, code: str, request: Request, *, today: datetime.date, context: CheckContext
) -> list[Problem]:
    """Every problem of ``request`` in region ``code`` on ``today`` with the book's ``context``."""
    return region_of(registry, code).check(request, today=today, context=context)
