"""How fast the classroom dashboard responds: seconds per 10 simulated days, redrawn.

Two measures on classroom defaults (1,000 traders, the `full` strategy):
- in process: run 10 days of the live market and draw every chart to PNG, as the page does
  after a Step, early, mid and late in the year (the charts grow with the days shown);
- in the browser (unless --no-browser): Debian's chromium, headless, clicks Step on a served
  dashboard and waits for the new day to show; a Step runs a week, scaled here to 10 days.

    .venv/bin/python benchmarks/dashboard.py [--results benchmarks/dashboard.md]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from throughput import machine  # noqa: E402

from sim.dashboard.app import CHARTS, DAYS_PER_STEP, ClassroomMarket  # noqa: E402
from sim.simulation.live import Controls  # noqa: E402

DRAWINGS = tuple(CHARTS)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def in_process(n_traders: int, starts: list[int]) -> list[dict]:
    """Seconds to run 10 days and draw every chart, from each day in `starts`."""
    rows = []
    model = ClassroomMarket(Controls(n_traders=n_traders))
    for start in starts:
        while model.day < start:
            model.step()
        began = time.perf_counter()
        for _ in range(10):
            model.step()
        stepped = time.perf_counter()
        for draw in DRAWINGS:
            draw(model).savefig(io.BytesIO(), format="png")
        drawn = time.perf_counter()
        rows.append({"from_day": start, "run": stepped - began, "draw": drawn - stepped})
    return rows


def in_browser(steps: int) -> list[float]:
    """Seconds from a Step click to the new day on the page, for `steps` clicks."""
    from playwright.sync_api import expect, sync_playwright

    subprocess.run(["bash", str(ROOT / "scripts" / "chromium.sh")], check=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "sim.dashboard", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        _wait(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            expect(page.locator(".kpi-gmv")).to_be_visible(timeout=120_000)
            seconds = []
            for k in range(1, steps + 1):
                began = time.perf_counter()
                page.get_by_role("button", name="Step a week", exact=True).click()
                # checked at every animation frame: `expect` polls at growing intervals
                # (0.1, 0.25, 0.5, 1 s), which would round the time up
                page.wait_for_function(
                    "day => document.querySelector('.day')?.textContent.includes(day)",
                    arg=f"Day {k * DAYS_PER_STEP} of",
                    polling="raf",
                    timeout=60_000,
                )
                seconds.append(time.perf_counter() - began)
            browser.close()
        return seconds
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the dashboard did not answer on {url}")


def report(rows: list[dict], clicks: list[float], n_traders: int) -> list[str]:
    lines = [
        "# Dashboard responsiveness",
        "",
        f"Written by `benchmarks/dashboard.py`; machine: {machine()}; {n_traders:,} traders, "
        "strategy full.",
        "",
        "| days | run 10 days s | draw the charts s | total s |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        days = f"{r['from_day']}-{r['from_day'] + 10}"
        lines.append(f"| {days} | {r['run']:.3f} | {r['draw']:.3f} | {r['run'] + r['draw']:.3f} |")
    if clicks:
        per_10 = [c * 10 / DAYS_PER_STEP for c in clicks]
        lines += [
            "",
            f"In chromium: {len(clicks)} Step clicks of {DAYS_PER_STEP} days, click to new day "
            f"shown: median {statistics.median(clicks):.2f} s, slowest {max(clicks):.2f} s; "
            f"per 10 days median {statistics.median(per_10):.2f} s, slowest {max(per_10):.2f} s.",
        ]
    return lines


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traders", type=int, default=1000)
    parser.add_argument("--from-days", type=int, nargs="+", default=[0, 180, 355])
    parser.add_argument("--clicks", type=int, default=20, help="Step clicks in the browser")
    parser.add_argument("--no-browser", action="store_true", help="only the in-process measure")
    parser.add_argument("--results", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    rows = in_process(args.traders, args.from_days)
    clicks = [] if args.no_browser else in_browser(args.clicks)
    lines = report(rows, clicks, args.traders)
    print("\n".join(lines))
    if args.results:
        args.results.write_text("\n".join(lines) + "\n")
    return lines


if __name__ == "__main__":
    main()
