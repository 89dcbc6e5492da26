"""``python -m server`` is ``chartkeep-server``."""

import sys

from .admin.cli import main

sys.exit(main())
