"""`python -m sim.sensitivity ...` is `python -m sim sensitivity ...` (sensitivity analysis); the
command lives in `sim/commands/sensitivity.py`."""

import sys

from sim.commands.sensitivity import main

if __name__ == "__main__":
    sys.exit(main())
