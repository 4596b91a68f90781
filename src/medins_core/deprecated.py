"""Old spellings kept for one release, each mapped to its new name with a warning.

``lines`` once named both the insurance lines (险种) an assessment or a batch is asked for and
the rows an assessment answers. The selection is now ``insurance`` everywhere (keyword, CLI
option, HTTP field, case file); ``lines`` is left to the result's rows. The old keyword
``lines=`` still works until the next release, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import warnings
from typing import TypeVar

T = TypeVar("T")

#: The note for the old spelling, in the CLI's and the HTTP API's words.
LINES_NOTE = "lines 已改名为 insurance (险种), 旧名将在下一版本移除"


def insurance_or_lines(insurance: T | None, lines: T | None, where: str, *, stacklevel: int = 3) -> T | None:
    """``insurance``, or the deprecated ``lines`` given in its place (with a warning).

    Both given is a caller's error (TypeError): which one was meant cannot be guessed.
    ``stacklevel`` points the warning at the caller of ``where``.
    """
    if lines is None:
        return insurance
    if insurance is not None:
        raise TypeError(f"{where}() got both 'insurance' and its deprecated name 'lines'")
    warnings.warn(
        f"{where}(lines=...) is deprecated; use insurance=...", DeprecationWarning, stacklevel=stacklevel
    )
    return lines
