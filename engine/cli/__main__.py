"""``python -m engine.cli``: the same as the ``sagasu`` command."""

import sys

from engine.cli import main

sys.exit(main())
