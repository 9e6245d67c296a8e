import sys

from sim.cli import check_overrides, main
from sim.config import ConfigError

try:
    check_overrides(sys.argv[1:])
except ConfigError as error:
    print(f"Configuration error: {error}", file=sys.stderr)
    sys.exit(2)
main()
