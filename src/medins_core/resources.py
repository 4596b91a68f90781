"""Files shipped inside a package, found as :func:`importlib.resources.files` finds them.

For a package of files on disk ``files`` answers the package's folder as a
:class:`pathlib.Path`; :func:`package_folder` answers that same Path without importing
importlib.resources (tempfile, zipfile: more than a short command's reading of the files), and
asks ``files`` for anything else (a zip, a namespace package, another loader).
"""

from __future__ import annotations

import importlib
import importlib.machinery
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def package_folder(package: str) -> Traversable:
    """The folder of ``package``, as ``importlib.resources.files(package)`` answers it."""
    spec = importlib.import_module(package).__spec__
    loader = spec.loader if spec is not None else None
    if type(loader) is importlib.machinery.SourceFileLoader and spec and spec.submodule_search_locations:
        return Path(loader.path).parent
    from importlib.resources import files

    return files(package)
