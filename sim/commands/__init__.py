"""The commands: `python -m sim` (`run`), `python -m sim compare`, `python -m sim calibrate`,
`python -m sim facts` and `python -m sim parameters` (docs/parameters.md); each parses its
arguments, checks them before any work, and exits 2 on bad input."""
