"""The book's refusals: a stable English code, a Chinese message, the check problems if any."""

from __future__ import annotations

from collections.abc import Sequence

from medins_core.errors import MedinsError
from medins_core.ids import mask_cert_no
from medins_core.operations import Problem


class BookRefusal(MedinsError):
    """The book refuses an operation (``unknown_unit``, ``already_noticed``, a check code…)."""

    def __init__(self, code: str, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(code, message)
        self.problems = tuple(problems)


def refused_by_checks(problems: Sequence[Problem], cert_no: str = "") -> BookRefusal:
    """The refusal for a single record whose checks found errors: the first error's code."""
    errors = [p for p in problems if p.is_error]
    who = f"{mask_cert_no(cert_no)}: " if cert_no else ""
    text = "；".join(f"[{p.code}] {p.message}" for p in errors)
    return BookRefusal(errors[0].code, f"{who}{text}", problems)


def unknown_unit(uscc: str) -> BookRefusal:
    """The refusal for a USCC the book does not hold."""
    return BookRefusal("unknown_unit", f"账簿中没有统一社会信用代码为 {uscc} 的单位")
