"""``python -m server`` is ``chartkeep-server``."""

import sys

from .cli import main

sys.exit(main())
