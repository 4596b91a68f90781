"""Old spellings kept for one release, each mapped to its new name with a warning.

``lines`` once named both the insurance lines (险种) an assessment or a batch is asked for and
the rows an assessment answers. The selection is now ``insurance`` everywhere (keyword, CLI
option, HTTP field, case file); ``lines`` is left to the result's rows. The old keyword
``lines=`` still works until the next release, with a :class:`DeprecationWarning`. So does
``BackpayRequest(lines=...)``, whose (month, person) entries are now ``person_months``.
"""

from __future__ import annotations

import warnings
from typing import TypeVar

T = TypeVar("T")

#: The note for the old spelling, in the CLI's and the HTTP API's words.
LINES_NOTE = "lines 已改名为 insurance (险种), 旧名将在下一版本移除"


def renamed(value: T | None, old_value: T | None, where: str, new: str, old: str, stacklevel: int = 3) -> T | None:
    """``value`` (keyword ``new``), or ``old_value`` given under its deprecated name ``old``.

    Both given is a caller's error (TypeError): which one was meant cannot be guessed.
    ``stacklevel`` points the warning at the caller of ``where``.
    """
    if old_value is None:
        return value
    if value is not None:
        raise TypeError(f"{where}() got both {new!r} and its deprecated name {old!r}")
    warnings.warn(f"{where}({old}=...) is deprecated; use {new}=...", DeprecationWarning, stacklevel=stacklevel)
    return old_value


def insurance_or_lines(insurance: T | None, lines: T | None, where: str) -> T | None:
    """``insurance``, or the deprecated ``lines`` given in its place (see :func:`renamed`)."""
    return renamed(insurance, lines, where, "insurance", "lines", stacklevel=4)
