"""`python -m stresskit.cli`: the `stresskit` command."""

import sys

from . import main

sys.exit(main())
