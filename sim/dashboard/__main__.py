"""`python -m sim dashboard [--host HOST] [--port PORT]`: serve the classroom dashboard.

It runs Solara's server on the app in `sim.dashboard.app`, on 127.0.0.1 unless told otherwise,
with its front-end assets served from the installed `solara-assets` package and telemetry off,
so the page works on a machine with no internet.
"""

from __future__ import annotations

import argparse
import os
import sys

APP = "sim.dashboard.app"
OFFLINE = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # Solara would report usage to Mixpanel
    "SOLARA_THEME_SHOW_BANNER": "False",
    # Solara warns on every page load over plain http to a host other than "localhost"
    "PYTHONWARNINGS": "ignore::UserWarning:solara.server.starlette",
}


def port_number(text: str) -> int:
    """A TCP port, 1-65535 (argparse turns the ValueError into a usage message)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port={text!r}: a whole number is needed") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port={port}: allowed are 1 to 65535")
    return port


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim dashboard", description="Serve the classroom dashboard."
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: the class)",
    )
    parser.add_argument("--port", type=port_number, default=8765, help="default 8765")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    command = [sys.executable, "-m", "solara", "run", APP, "--production", "--no-open"]
    command += ["--no-check-version"]  # it would ask PyPI for Solara's newest version
    command += ["--host", args.host, "--port", str(args.port), "--log-level", "warning"]
    print(f"Classroom dashboard on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    os.execve(sys.executable, command, {**os.environ, **OFFLINE})


if __name__ == "__main__":
    main()
