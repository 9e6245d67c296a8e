"""The classroom dashboard in a real browser: Debian's chromium, driven headless by Playwright.

The set-up installs chromium when it is missing (scripts/chromium.sh) and serves the dashboard
with the README's command on a free port of 127.0.0.1. Every request the page makes to any
other host is blocked and recorded, so the tests also show the page needs no internet.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sim.dashboard.app import DAYS_PER_STEP
from tests.helpers import ROOT

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
STARTUP_SECONDS = 120
WAIT_MS = 60_000  # a generous bound for a slow CI machine; the usual response is well under 1 s
# Playing a whole year is 52 steps of a week, each run and redrawn: 20 to 40 s on this machine
# in a good hour, over 60 s in a slow one. This bound only stops a hang from blocking CI.
YEAR_MS = 600_000

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium() -> str:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "chromium.sh")], capture_output=True)
    if done.returncode != 0:
        pytest.fail(f"could not install chromium: {done.stderr.decode()[-2000:]}")
    return "/usr/bin/chromium"


def cdn_cache() -> set[Path]:
    """Solara serves front-end assets from this folder and fetches any it lacks from a CDN
    into it: a file appearing there while the page runs would mean it needed the internet."""
    import solara.server.settings

    folder = Path(solara.server.settings.assets.proxy_cache_dir)
    return set(folder.rglob("*")) if folder.exists() else set()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.dashboard", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    before = cdn_cache()
    try:
        _wait_until_served(url, process)
        yield url
        assert cdn_cache() == before, "the dashboard fetched front-end assets from the internet"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_served(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"the dashboard exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the dashboard did not answer on {url} within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Session:
    """One browser session on the dashboard, recording page errors and outside requests."""

    def __init__(self, browser: Browser, url: str, viewport: tuple[int, int] = (1400, 1000)):
        width, height = viewport
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, accept_downloads=True
        )
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._local_only)
        self.page.goto(url)
        expect(self.page.locator(".kpi-gmv")).to_be_visible(timeout=WAIT_MS)

    def _local_only(self, route) -> None:
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:")):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def kpi(self, name: str) -> str:
        return self.page.locator(f".kpi-{name}").inner_text()

    def kpis(self) -> dict[str, str]:
        names = self.page.locator(".kpi [class*='kpi-']").evaluate_all(
            "nodes => nodes.map(n => [...n.classList].find(c => c.startsWith('kpi-')))"
        )
        return {name.removeprefix("kpi-"): self.kpi(name.removeprefix("kpi-")) for name in names}

    def day(self) -> int:
        return int(self.page.locator(".day").inner_text().split()[1])

    def expect_day_at_least(self, day: int) -> None:
        """Checked at every animation frame: while playing, a poll may miss a given day."""
        self.page.wait_for_function(
            "day => parseInt(document.querySelector('.day').textContent.split(' ')[1]) >= day",
            arg=day,
            polling="raf",
            timeout=WAIT_MS,
        )

    def expect_day(self, day: int, timeout_ms: int = WAIT_MS) -> None:
        expect(self.page.locator(".day")).to_contain_text(f"Day {day} of", timeout=timeout_ms)

    def click(self, button: str) -> None:
        self.page.get_by_role("button", name=button, exact=True).click()

    def choose(self, label: str, option: str) -> None:
        self.page.locator(".v-select").filter(has_text=label).click()
        self.page.get_by_role("option", name=option, exact=True).click()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser: Browser, server: str) -> Iterator[Session]:
    s = Session(browser, server)
    yield s
    s.close()


def test_the_page_loads_offline_with_no_errors(session: Session):
    session.expect_day(0)
    tiles = session.kpis()
    assert set(tiles) >= {
        "visit_conversion",
        "repeat_rate",
        "retention_90d",
        "share_of_wallet",
        "churn_rate",
        "gmv",
    }
    assert tiles["gmv"] == "0"
    assert session.page.get_by_text("python -m sim strategy=full").is_visible()
    # the market tab: the map and the roles chart, each an image
    expect(session.page.locator(".v-window-item--active img")).to_have_count(2, timeout=WAIT_MS)
    # Mesa's own controls and its internal time are not on the page
    for jargon in ("Play Interval", "Render Interval", "Use Threads", r"^Time: \d"):
        assert session.page.get_by_text(re.compile(jargon)).count() == 0, jargon
    assert session.errors == []
    assert session.outside == []


OVERFLOW = """() => {
    const cut = el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
    const tiles = [...document.querySelectorAll('.kpi')].filter(cut).map(el => el.innerText);
    const command = document.querySelector('.command');
    const box = command.getBoundingClientRect();
    const chart = document.querySelector('.v-window-item--active img').getBoundingClientRect();
    return {
        page: document.documentElement.scrollWidth - window.innerWidth,
        tiles,
        command: box.right > window.innerWidth || cut(command),
        chartTop: chart.top,
        height: window.innerHeight,
    };
}"""


@pytest.mark.parametrize("size", [(1280, 720), (1400, 1000)])
def test_the_page_fits_a_projector_and_a_laptop(
    browser: Browser, server: str, size: tuple[int, int], tmp_path: Path
):
    s = Session(browser, server, viewport=size)
    try:
        s.click("Step a week")
        s.expect_day(DAYS_PER_STEP)
        s.page.screenshot(path=tmp_path / f"dashboard_{size[0]}x{size[1]}.png")
        fit = s.page.evaluate(OVERFLOW)
        assert fit["page"] <= 0, "the page scrolls sideways"
        assert fit["tiles"] == [], "a tile's text is cut"
        assert not fit["command"], "the command line is cut"
        assert fit["chartTop"] < fit["height"] - 150, "the charts start below the fold"
        # every knob shows its value with its unit, not only while dragged
        labels = s.page.locator(".v-slider").locator("xpath=..").locator("label").all_inner_texts()
        assert len(labels) >= 7 and all(any(c.isdigit() for c in label) for label in labels)
        assert s.errors == []
    finally:
        s.close()


def test_stepping_runs_a_week_and_reset_returns_to_day_zero(session: Session):
    session.click("Step a week")
    session.expect_day(DAYS_PER_STEP)
    assert session.kpi("gmv") != "0"
    assert session.kpi("visit_conversion") != "n/a"
    # churn on day 7 compares days 0-3 with 4-6: the tile says it is not yet meaningful
    assert session.kpi("churn_rate") in ("not yet", "n/a")
    assert "from day 120" in session.page.locator(".kpi").filter(has_text="churn").inner_text()
    session.click("Step a week")
    session.expect_day(2 * DAYS_PER_STEP)
    session.click("Reset")
    session.expect_day(0)
    assert session.kpi("gmv") == "0"
    assert session.errors == []


def test_play_runs_week_after_week_until_paused(session: Session):
    session.click("Play")
    session.expect_day_at_least(3 * DAYS_PER_STEP)  # it gets there on its own
    session.click("Pause")
    time.sleep(2)  # the week under way when paused finishes and shows
    paused = session.day()
    time.sleep(2)
    assert session.day() == paused >= 3 * DAYS_PER_STEP
    assert session.errors == []


def test_play_stops_at_the_end_of_the_year(session: Session):
    session.click("Play")
    session.expect_day(365, timeout_ms=YEAR_MS)  # the last week stops short at the year's end
    time.sleep(2)
    assert session.day() == 365
    expect(session.page.get_by_role("button", name="Step a week", exact=True)).to_be_disabled()
    assert session.errors == []


def test_a_scenario_pauses_on_its_shock_day_with_a_banner(session: Session):
    session.choose("Scenario", "fx_shock")
    expect(session.page.locator(".scenario")).to_contain_text("Day 120")
    session.click("Reset")
    expect(session.page.locator(".command")).to_contain_text("market=fx_shock")
    session.click("Play")
    banner = session.page.locator(".banner")
    expect(banner).to_contain_text("Day 120", timeout=YEAR_MS)
    expect(banner).to_contain_text("CN")
    time.sleep(2)
    assert session.day() == 121  # paused right after the shock's day
    session.click("Step a week")
    session.expect_day(128)
    assert session.page.locator(".banner").count() == 0
    assert session.errors == []


def test_trust_and_ties_follow_one_buyer(session: Session):
    session.click("Step a week")
    session.expect_day(DAYS_PER_STEP)
    session.click("Step a week")
    session.expect_day(2 * DAYS_PER_STEP)
    session.page.get_by_role("tab", name="Trust and ties").click()
    story = session.page.locator(".story")
    expect(story).to_contain_text("remembers", timeout=WAIT_MS)
    first = story.inner_text()
    expect(session.page.locator("table.story-beliefs")).to_be_visible()
    field = session.page.get_by_label("Buyer to follow")
    field.fill("3")
    field.press("Enter")
    expect(story).to_contain_text("Buyer 3 ", timeout=WAIT_MS)
    session.page.get_by_role("button", name="The busiest buyer").click()
    expect(story).to_have_text(first, timeout=WAIT_MS)
    assert session.errors == []
    assert session.outside == []


def test_the_run_and_the_charts_download_in_one_click_each(session: Session):
    session.click("Step a week")
    session.expect_day(DAYS_PER_STEP)
    with session.page.expect_download(timeout=WAIT_MS) as csv:
        session.page.get_by_role("button", name="Days as CSV").click()
    lines = Path(csv.value.path()).read_text().splitlines()
    assert lines[0].startswith("day,") and len(lines) == 1 + DAYS_PER_STEP
    with session.page.expect_download(timeout=WAIT_MS) as png:
        session.page.get_by_role("button", name="Charts as PNG").click()
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert session.errors == []


def test_changing_a_control_and_stepping_changes_a_kpi(session: Session):
    session.click("Step a week")
    session.expect_day(DAYS_PER_STEP)
    with_marketing = session.kpis()
    assert with_marketing["contact_conversion"] != "n/a"  # the full strategy sends contacts
    session.choose("Marketing strategy", "baseline")
    expect(session.page.locator(".pending")).to_be_visible()
    session.click("Reset")
    session.expect_day(0)
    session.click("Step a week")
    session.expect_day(DAYS_PER_STEP)
    without = session.kpis()
    assert without["contact_conversion"] == "n/a"  # the baseline sends none
    assert "strategy=baseline" in session.page.locator(".command").inner_text()
    assert session.errors == []


def test_a_slider_moved_by_keyboard_shows_its_value_and_applies_on_reset(session: Session):
    slider = session.page.locator(".v-input").filter(has_text="Verified sellers")
    thumb = slider.get_by_role("slider")
    thumb.focus()
    for value in ("0.1", "0.2", "0.3", "0.4", "0.5"):  # a step of 0.1 a key press
        session.page.keyboard.press("ArrowRight")
        expect(thumb).to_have_attribute("aria-valuenow", value)
        time.sleep(0.5)  # as a person would: the page sends a value when the slider settles
    expect(slider).to_contain_text("Verified sellers: 50%")  # the label shows the value
    # the market on screen keeps its settings until Reset
    assert "0% of sellers verified" in session.page.locator(".settings").inner_text()
    session.click("Reset")
    expect(session.page.locator(".settings")).to_contain_text("50% of sellers verified")
    expect(session.page.locator(".command")).to_contain_text("platform.identity_verification=0.5")
    assert session.errors == []


def test_two_browser_sessions_step_their_own_markets(browser: Browser, server: str):
    first, second = Session(browser, server), Session(browser, server)
    try:
        first.click("Step a week")
        first.expect_day(DAYS_PER_STEP)
        first.click("Step a week")
        first.expect_day(2 * DAYS_PER_STEP)
        second.expect_day(0)
        assert second.kpi("gmv") == "0"
        second.click("Step a week")
        second.expect_day(DAYS_PER_STEP)
        first.expect_day(2 * DAYS_PER_STEP)
        assert first.errors == second.errors == []
    finally:
        first.close()
        second.close()
