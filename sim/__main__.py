"""`python -m sim [hydra overrides]` runs the market (`-m` sweeps it); `python -m sim COMMAND
...` runs one of the tools around it."""

import importlib
import sys

COMMANDS = {
    "compare": "sim.commands.compare",  # paired comparison of policies, and its report
    "calibrate": "sim.commands.calibrate",  # fit knobs to a transaction log's facts
    "facts": "sim.commands.facts",  # the stylised facts of a transaction log
    "dashboard": "sim.dashboard.__main__",  # the classroom dashboard
    "parameters": "sim.commands.parameters",  # docs/parameters.md, generated from the schema
    "validate": "sim.commands.validate",  # the validation suite: real figures and directions
    "sensitivity": "sim.commands.sensitivity",  # Morris and Sobol indices, run as a sweep
    "archive": "sim.commands.archive",  # a sweep, comparison or study packed for readers
}


def main(argv: list[str]) -> None:
    if argv and argv[0] in COMMANDS:
        command = importlib.import_module(COMMANDS[argv[0]])
        sys.exit(command.main(argv[1:]))
    from sim.commands.run import entry

    entry(argv)


main(sys.argv[1:])
