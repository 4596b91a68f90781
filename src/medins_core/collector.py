"""The cyclic garbage collector paused around work that makes many short-lived objects.

A batch check or a group of assessments makes hundreds of thousands of tuples, lists and
small objects, none in a cycle, and the collector would walk every one of them (and all else
the process holds) again each time enough new ones pile up: a third of the check of 100,000
rows, a fifth of assessing a group of units. Reference counting frees them as before; the
collector resumes, if it was on, when the work is done. The switch is process-wide, so other
threads run without it meanwhile.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """``with collector_paused():`` runs the block with the cyclic collector off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
