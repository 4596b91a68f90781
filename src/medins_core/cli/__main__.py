"""``python -m medins_core.cli``: the same as the ``medins`` command."""

import sys

from medins_core.cli import main

sys.exit(main())
