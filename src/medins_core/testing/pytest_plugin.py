"""The conformance kit as a pytest plugin (entry point ``pytest11``: ``medins``).

``pytest --medins-plugin NAME`` adds one test per plugin running :func:`run_kit`, and
``--medins-cases PATH`` one test per case file running :func:`run_cases`; a failure lists
each file and key. Without these options the plugin adds nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medins_core.registry import Registry, load_registry
from medins_core.testing.cases import case_files, run_cases
from medins_core.testing.kit import Failure, run_kit


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--medins-plugin NAME`` and ``--medins-cases PATH`` (both repeatable)."""
    group = parser.getgroup("medins", "medins conformance kit")
    group.addoption("--medins-plugin", action="append", default=[], metavar="NAME",
                    help="run the conformance kit on this installed medins plugin")
    group.addoption("--medins-cases", action="append", default=[], metavar="PATH",
                    help="run the [[case]] files in this file or folder")


class KitFailed(Exception):
    """The failures of one kit or case item."""


class KitItem(pytest.Item):
    """One plugin's kit, or one case file."""

    def __init__(self, *, plugin: str = "", file: Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugin = plugin
        self.file = file

    def runtest(self) -> None:
        registry = _registry(self.config)
        if self.file is not None:
            failures = run_cases(registry, [self.file])
        else:
            failures = run_kit(registry, self.plugin)
            if not any(r.plugin == self.plugin for r in registry) and not failures:
                failures = [Failure(self.plugin, "load", "插件未加载")]
        if failures:
            raise KitFailed("\n".join(map(str, failures)))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, KitFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path | str, int | None, str]:
        return (self.file or self.plugin, None, self.name)


_REGISTRY = pytest.StashKey[Registry]()


def _registry(config: pytest.Config) -> Registry:
    if _REGISTRY not in config.stash:
        config.stash[_REGISTRY] = load_registry()
    return config.stash[_REGISTRY]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the kit's items after the ordinary tests."""
    for plugin in config.getoption("medins_plugin"):
        items.append(KitItem.from_parent(session, name=f"medins-kit[{plugin}]", plugin=plugin))
    for file in case_files(config.getoption("medins_cases")):
        items.append(KitItem.from_parent(session, name=f"medins-cases[{file}]", file=file))
