"""`python -m sim.archive ...` is `python -m sim archive ...` (results packed for readers); the
command lives in `sim/commands/archive.py`."""

import sys

from sim.commands.archive import main

if __name__ == "__main__":
    sys.exit(main())
