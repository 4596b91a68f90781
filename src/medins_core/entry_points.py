"""The entry points of one group, found as :func:`importlib.metadata.entry_points` finds them.

Importing :mod:`importlib.metadata` costs about 15 ms (it imports ``email``, ``zipfile`` and
``csv``), a tenth of a short command, to answer what for a usual install is a few directory
listings and small text files. :func:`entry_points` answers that usual case itself: every
``sys.path`` entry a directory (or missing), distributions in ``*.dist-info``/``*.egg-info``
folders, and no finder of distributions but importlib's own path finder. Anything else (a zip
or an egg on the path, another finder, a folder name without a project name, an unreadable
file or a line that does not parse) is left to ``importlib.metadata``, so which entry points
are found, in what order, and how a bad one fails to load are the same either way.
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, Protocol


class EntryPointLike(Protocol):
    """What the registry reads of an entry point."""

    @property
    def name(self) -> str: ...

    def load(self) -> Any: ...


# importlib.metadata.EntryPoint.pattern; a value it does not match is left to importlib.metadata
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


class EntryPoint:
    """An entry point read from a distribution's ``entry_points.txt``; loads as importlib's does."""

    __slots__ = ("group", "name", "value")

    def __init__(self, name: str, value: str, group: str) -> None:
        self.name, self.value, self.group = name, value, group

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"

    def load(self) -> Any:
        """The module the value names, or the object at its ``:attr.path``."""
        match = _VALUE.match(self.value)
        assert match is not None  # checked when read
        module = importlib.import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return functools.reduce(getattr, attrs, module)


class _Unusual(Exception):
    """Something only importlib.metadata knows how to read."""


def entry_points(group: str) -> Sequence[EntryPointLike]:
    """The entry points of ``group`` of every installed distribution, first on ``sys.path`` first."""
    try:
        return _plain_entry_points(group)
    except _Unusual:
        pass
    from importlib.metadata import entry_points as metadata_entry_points

    return list(metadata_entry_points(group=group))


def _plain_entry_points(group: str) -> list[EntryPoint]:
    if any(
        hasattr(finder, "find_distributions") and finder is not importlib.machinery.PathFinder
        for finder in sys.meta_path
    ):
        raise _Unusual
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for root in sys.path:
        for name, folder in _distributions(root):
            if name not in seen:  # the first distribution of a name hides the later ones
                seen.add(name)
                found += _read(os.path.join(root, folder, "entry_points.txt"), group)
    return found


def _normalize(name: str) -> str:
    # importlib.metadata.Prepared.normalize: PEP 503, dashes as underscores
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _distributions(root: object) -> list[tuple[str, str]]:
    """The (normalized name, folder) of the distributions in a path entry, in importlib's order:
    by name in the order names first appear in the listing, folders of one name together."""
    if not isinstance(root, str) or os.path.basename(root).lower().endswith(".egg"):
        raise _Unusual
    try:
        children = os.listdir(root or ".")
    except Exception:  # noqa: BLE001 - as importlib.metadata: a path entry it cannot list
        if os.path.exists(root or ".") and not os.path.isdir(root or "."):  # perhaps a zip
            raise _Unusual from None
        return []
    by_name: dict[str, list[str]] = {}
    for child in children:
        stem, ext = os.path.splitext(child)
        if not child.lower().endswith((".dist-info", ".egg-info")):
            continue
        name = _normalize(stem.partition("-")[0])
        if ext not in (".dist-info", ".egg-info") or not name:  # named only inside its metadata
            raise _Unusual
        by_name.setdefault(name, []).append(child)
    return [(name, folder) for name, folders in by_name.items() for folder in folders]


def _read(path: str, group: str) -> list[EntryPoint]:
    """The entry points of ``group`` in one ``entry_points.txt`` (none when there is no such
    file); every line is parsed, as importlib.metadata does."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return []
    except (OSError, ValueError):  # unreadable or not UTF-8: importlib.metadata says how
        raise _Unusual from None
    found, section = [], None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section is not None:
            name, equals, value = line.partition("=")
            if not equals:
                raise _Unusual
            if section == group:
                if not _VALUE.match(value.strip()):
                    raise _Unusual
                found.append(EntryPoint(name.strip(), value.strip(), section))
    return found
