"""Checks of the business operations a unit submits in the portals, as a library.

One module per operation, mirroring ``docs/operations/``: :func:`check_enrollment`,
:func:`check_suspension`, :func:`check_wage_declaration`, :func:`check_backpay`,
:func:`check_unit_registration` and :func:`check_change` (information changes, with their
attachments: :mod:`medins_core.operations.attachments`). Each takes the request, the :class:`~medins_core.region.Region`
(its data and its plugin's hooks), ``today`` and a :class:`CheckContext`, and returns **every**
problem it finds; an empty list means accepted. ``region.check(request, today=...)`` does the
same, choosing the operation by the request's class. Nothing here reads the clock or a
database: whatever the portal would look up (the person's other covers, the unit's arrears, the
business period) comes in through :class:`CheckContext`.

Where a rule is generic with a number or a list (an age limit, a back-date window, password
lengths) the number is a ``[[rules]]`` entry of the region file and the check is here; where a
rule is peculiar logic (an order of months) it is a ``medins_check`` hook of the province
plugin. The rule names each check reads are listed in ``docs/operations/``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import date
from typing import Any

from medins_core.operations._common import RegionLike, full_unit_no, same_unit
from medins_core.operations.attachments import check_attachment, check_attachments
from medins_core.operations.backpay import check_backpay
from medins_core.operations.change import FieldChange, changed_fields, check_change
from medins_core.operations.change_records import (
    Attachment,
    ChangeRequest,
    PersonRecord,
    UnitRecord,
)
from medins_core.operations.enrollment import check_enrollment, enrollment_person_type
from medins_core.operations.problems import Problem, Severity, accepted
from medins_core.operations.requests import (
    COVER_KINDS,
    ActiveCover,
    Arrear,
    BackpayLine,
    BackpayRequest,
    CheckContext,
    EnrollmentRequest,
    MonthChange,
    Request,
    SuspensionRequest,
    UnitRegistrationRequest,
    WageDeclarationRequest,
)
from medins_core.operations.suspension import check_suspension
from medins_core.operations.unit import check_unit_registration
from medins_core.operations.wages import check_wage_declaration

__all__ = [
    "COVER_KINDS",
    "OPERATIONS",
    "ActiveCover",
    "Arrear",
    "Attachment",
    "BackpayLine",
    "BackpayRequest",
    "ChangeRequest",
    "CheckContext",
    "EnrollmentRequest",
    "FieldChange",
    "MonthChange",
    "PersonRecord",
    "Problem",
    "RegionLike",
    "Request",
    "Severity",
    "SuspensionRequest",
    "UnitRecord",
    "UnitRegistrationRequest",
    "WageDeclarationRequest",
    "accepted",
    "changed_fields",
    "check",
    "check_attachment",
    "check_attachments",
    "check_backpay",
    "check_change",
    "check_enrollment",
    "check_suspension",
    "check_unit_registration",
    "check_wage_declaration",
    "enrollment_person_type",
    "full_unit_no",
    "operation_of",
    "same_unit",
]



def __getattr__(name: str) -> Any:
    """``Context``, the former name of :class:`CheckContext`, for one more release (warns)."""
    if name == "Context":
        warnings.warn(
            "medins_core.operations.Context is deprecated; use CheckContext", DeprecationWarning, stacklevel=2
        )
        return CheckContext
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

Check = Callable[..., list[Problem]]

OPERATIONS: dict[str, tuple[type, Check]] = {
    "enrollment": (EnrollmentRequest, check_enrollment),
    "suspension": (SuspensionRequest, check_suspension),
    "wage_declaration": (WageDeclarationRequest, check_wage_declaration),
    "backpay": (BackpayRequest, check_backpay),
    "unit_registration": (UnitRegistrationRequest, check_unit_registration),
    "change": (ChangeRequest, check_change),
}
"""Each operation's name, request class and check function (the names hooks receive)."""


def operation_of(request: Request) -> str:
    """The operation name of a request (``"enrollment"`` …), by its class."""
    for name, (request_class, _) in OPERATIONS.items():
        if isinstance(request, request_class):
            return name
    raise TypeError(f"not an operation request: {type(request).__name__}")


def check(
    request: Request,
    *,
    region: RegionLike,
    today: date,
    context: CheckContext = CheckContext(),
) -> list[Problem]:
    """Check any request with its operation's function (chosen by the request's class)."""
    function = OPERATIONS[operation_of(request)][1]
    return function(request, region=region, today=today, context=context)
