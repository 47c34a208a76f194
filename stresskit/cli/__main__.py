"""`python -m stresskit.cli`: the `stresskit` command."""

import sys

from . import main

if __name__ == "__main__":  # importing this module (as an import-all check does) runs nothing
    sys.exit(main())
