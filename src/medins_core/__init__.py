"""medins: rules engine for the employer side of China's employee medical insurance.

The everyday API in one import::

    import medins_core as medins

    region = medins.load_registry().region("320500")
    roster = medins.read_roster("roster.csv", rules=region.rules)
    result = medins.assess(roster.members, region, "2022-08")
    print(result.total, result.total_upper)
    data = medins.to_json(result)                       # and back: medins.from_json(data, medins.Assessment)

Names are imported on first use (PEP 562), so ``import medins_core`` stays cheap and the
command line imports only what its subcommand needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medins_core._lazy import lazy_names

# name -> module that defines it: the one table of the public face
_EXPORTS = {
    # regions and their rules
    "load_registry": "medins_core.registry",
    "Registry": "medins_core.registry",
    "Region": "medins_core.region",
    "RegionRules": "medins_core.params",
    # periods and money
    "Period": "medins_core.period",
    "RoundingPolicy": "medins_core.money",
    "rmb_upper": "medins_core.money",
    # rosters and members
    "read_roster": "medins_core.io.roster",
    "roster_from_rows": "medins_core.io.roster",
    "Roster": "medins_core.io.roster",
    "Member": "medins_core.model",
    "Person": "medins_core.model",
    "Coverage": "medins_core.model",
    "WageDeclaration": "medins_core.model",
    # assessment
    "assess": "medins_core.assessment",
    "Assessment": "medins_core.assessment",
    "AssessmentLine": "medins_core.assessment",
    "AssessmentWarning": "medins_core.assessment",
    "LineTotal": "medins_core.assessment",
    "Parts": "medins_core.assessment",
    "PaymentType": "medins_core.assessment",
    # business-operation checks
    "EnrollmentRequest": "medins_core.operations",
    "SuspensionRequest": "medins_core.operations",
    "WageDeclarationRequest": "medins_core.operations",
    "BackpayRequest": "medins_core.operations",
    "BackpayLine": "medins_core.operations",
    "UnitRegistrationRequest": "medins_core.operations",
    "CheckContext": "medins_core.operations",
    "ActiveCover": "medins_core.operations",
    "Arrear": "medins_core.operations",
    "Problem": "medins_core.operations",
    "Severity": "medins_core.operations",
    "accepted": "medins_core.operations",
    # retirement age (the function ``retirement`` stays in its module, whose name it shares)
    "reaching_retirement": "medins_core.retirement",
    # JSON both ways
    "to_json": "medins_core.serialize",
    "from_json": "medins_core.serialize",
    # errors
    "MedinsError": "medins_core.errors",
    "InputError": "medins_core.errors",
    "FileProblems": "medins_core.errors",
    "ParameterError": "medins_core.errors",
    "RegionError": "medins_core.errors",
    "DataFileError": "medins_core.errors",
    "OutputError": "medins_core.errors",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_names(__name__, globals(), _EXPORTS)


if TYPE_CHECKING:  # what the type checker sees: the same names, imported eagerly
    from medins_core.assessment import (
        Assessment,
        AssessmentLine,
        AssessmentWarning,
        LineTotal,
        Parts,
        PaymentType,
        assess,
    )
    from medins_core.errors import (
        DataFileError,
        FileProblems,
        InputError,
        MedinsError,
        OutputError,
        ParameterError,
        RegionError,
    )
    from medins_core.io.roster import Roster, read_roster, roster_from_rows
    from medins_core.model import Coverage, Member, Person, WageDeclaration
    from medins_core.money import RoundingPolicy, rmb_upper
    from medins_core.operations import (
        ActiveCover,
        Arrear,
        BackpayLine,
        BackpayRequest,
        CheckContext,
        EnrollmentRequest,
        Problem,
        Severity,
        SuspensionRequest,
        UnitRegistrationRequest,
        WageDeclarationRequest,
        accepted,
    )
    from medins_core.params import RegionRules
    from medins_core.period import Period
    from medins_core.region import Region
    from medins_core.registry import Registry, load_registry
    from medins_core.retirement import reaching_retirement
    from medins_core.serialize import from_json, to_json
