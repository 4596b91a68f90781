"""``medins serve``: the engine and the unit book over HTTP (FastAPI on uvicorn).

Needs the ``serve`` extra (``pip install 'medins[serve]'``). :func:`create_app` builds the
ASGI application; the routes are in :mod:`.stateless` and :mod:`.units`, the error answers in
:mod:`.errors`, the body limit, timeout and request log in :mod:`.middleware`. See docs/serve.md.
"""

from __future__ import annotations

from medins_core.serve.app import app_from_env, create_app
from medins_core.serve.state import Settings

__all__ = ["Settings", "app_from_env", "create_app"]
