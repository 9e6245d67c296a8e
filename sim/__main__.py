import sys

from sim.cli import entry

entry(sys.argv[1:])
