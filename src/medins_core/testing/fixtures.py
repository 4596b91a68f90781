"""Valid ID numbers and simple rosters, for tests of medins and of province plugins."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from medins_core.deprecated import insurance_or_lines
from medins_core.ids import resident_id_check
from medins_core.model import Member


def make_resident_id(county: str = "320506", birth: datetime.date | str = "19850312", sequence: int = 1) -> str:
    """A resident ID number with a correct check character (GB 11643-1999).

    ``sequence`` 0–999: an odd sequence makes a man, an even one a woman.
    """
    if isinstance(birth, datetime.date):
        birth = birth.strftime("%Y%m%d")
    body = f"{county}{birth}{sequence:03d}"
    return body + resident_id_check(body)


def roster_with_bases(
    bases: Iterable[Decimal | int | str], *, insurance: Sequence[str] = (), lines: Sequence[str] | None = None
) -> list[Member]:
    """One member per base, with distinct valid ID numbers and the given insurance lines
    (``lines=`` is the deprecated name of ``insurance``)."""
    insurance = insurance_or_lines(tuple(insurance) or None, lines, "roster_with_bases") or ()
    members = []
    for index, base in enumerate(bases):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=index % 15000)
        cert_no = make_resident_id("320506", birth, index % 1000)
        members.append(Member.simple(cert_no, f"职工{index + 1}", base, insurance=tuple(insurance)))
    return members
