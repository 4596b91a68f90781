"""Helpers for tests of medins and of province plugins, and the conformance kit.

A plugin author checks a region against the figures of its own source documents with
:func:`make_resident_id` and :func:`roster_with_bases`, or declaratively with case files
(:func:`run_cases`), and the plugin itself with :func:`run_kit` (``medins test --plugin NAME``,
or ``pytest --medins-plugin NAME``); see ``docs/plugins.md``.
"""

from __future__ import annotations

from medins_core.testing.cases import case_files, run_cases
from medins_core.testing.fixtures import make_resident_id, roster_with_bases
from medins_core.testing.kit import Failure, run_kit

__all__ = ["Failure", "case_files", "make_resident_id", "roster_with_bases", "run_cases", "run_kit"]
