"""What a check answers: :class:`Problem` and its :class:`Severity`."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs


class Severity(str, enum.Enum):
    """How bad a problem is: an error refuses the request, a warning only informs."""

    ERROR = "error"
    WARNING = "warning"


def _severity(value: Severity | str) -> Severity:
    """``"error"`` is :attr:`Severity.ERROR`; anything not a severity is refused, never a warning."""
    try:
        return Severity(value)
    except ValueError:
        raise ValueError(f"Problem.severity must be 'error' or 'warning', not {value!r}") from None


@attrs.frozen
class Problem:
    """One reason a request is refused (or a warning about it).

    ``code`` is stable English (listed in ``docs/codes.md``), ``field`` the request field it
    concerns, ``message`` Chinese as the portals word it, with personal data masked.
    """

    code: str
    field: str
    message: str
    severity: Severity = attrs.field(default=Severity.ERROR, converter=_severity)

    @property
    def is_error(self) -> bool:
        """Whether this problem refuses the request."""
        return self.severity is Severity.ERROR


def _error(code: str, field: str, message: str) -> Problem:
    return Problem(code, field, message, Severity.ERROR)


def _warning(code: str, field: str, message: str) -> Problem:
    return Problem(code, field, message, Severity.WARNING)


def accepted(problems: Iterable[Problem]) -> bool:
    """Whether a request with these problems is accepted: it has no error (warnings are fine)."""
    return not any(p.is_error for p in problems)
