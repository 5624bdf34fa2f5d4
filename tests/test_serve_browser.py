"""`voicecoach serve`'s page in a real browser: Debian's chromium, driven by Playwright (never a browser
Playwright downloads), at a phone's size. It plays, shows the spoken line, and jumps to a chapter."""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

from helpers import Running, serving

CHROMIUM = "/usr/bin/chromium"  # scripts/setup --test installs Debian's package
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--autoplay-policy=no-user-gesture-required"]
PHONE = {"width": 390, "height": 844}


@contextmanager
def phone(tmp_path: Path, scale: float = 1) -> Iterator[tuple[Running, str, BrowserContext]]:
    """desk-break served with its episode made, and Debian's chromium at a phone's size; the
    server must stop cleanly afterwards."""
    assert shutil.which(CHROMIUM), "Debian's chromium is needed: scripts/setup --test installs it"
    running = serving(tmp_path / "data", "desk-break", log=tmp_path / "stderr.txt")
    try:
        index = running.get("")[2].decode()
        key = re.search(r'href="(desk-break-standard-[0-9a-f]{12})\.html"', index).group(1)
        assert running.get(f"{key}.mp3")[0] == 200  # made before the page is opened
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=CHROMIUM, args=ARGS, headless=True,
                viewport=PHONE, device_scale_factor=scale, is_mobile=True, has_touch=True)
            try:
                yield running, key, browser
            finally:
                browser.close()
    finally:
        code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr


def inside(page, start: float, end: float) -> None:
    """Wait until the player's position is in [start, end): a seek lands on `start` exactly."""
    page.wait_for_function(f"(t => t >= {start} - 0.05 && t < {end})"
                           "(document.getElementById('player').currentTime)", timeout=20_000)


def test_the_page_plays_shows_the_line_and_jumps_to_a_chapter(tmp_path: Path):
    with phone(tmp_path, scale=2) as (running, key, browser):
        cues = set(re.findall(r"-->.*\n(.+)", running.get(f"{key}.vtt")[2].decode()))
        page = browser.new_page()
        page.goto(f"{running.url}{key}.html")
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        page.screenshot(path=str(tmp_path / "phone-before.png"))
        page.evaluate("document.getElementById('player').play()")
        page.wait_for_function("document.getElementById('player').currentTime > 2", timeout=20_000)
        page.wait_for_function("document.getElementById('line').textContent.length > 0",
                               timeout=20_000)
        assert page.inner_text("#line") in cues
        chapter = page.locator("a.chapter").nth(2)
        start_at = float(chapter.get_attribute("data-start"))
        end_at = float(page.locator("a.chapter").nth(3).get_attribute("data-start"))
        before = page.inner_text("#line")
        chapter.click()
        inside(page, start_at, end_at)  # however slowly a loaded machine gets there
        page.wait_for_function("document.querySelectorAll('a.chapter')[2].classList"
                               ".contains('now')", timeout=20_000)  # marked as it plays
        page.wait_for_function(  # a line of the new chapter is shown: a cue, not the old one
            f"(l => {json.dumps(sorted(cues))}.includes(l) && l !== {json.dumps(before)})"
            "(document.getElementById('line').textContent)", timeout=20_000)
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        listing = browser.new_page()
        listing.goto(running.url)
        listing.screenshot(path=str(tmp_path / "phone-index.png"), full_page=True)


# Records the handlers the page gives the Media Session, so the test can press what a lock screen
# or a headset would (no browser API presses them)
PRESSABLE = """
window.pressable = {};
if (navigator.mediaSession) {
  const register = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
  navigator.mediaSession.setActionHandler = (action, handler) => {
    window.pressable[action] = handler;
    register(action, handler);
  };
}
"""


def test_the_lock_screen_follows_the_player_and_its_buttons_move_by_exercise(tmp_path: Path):
    with phone(tmp_path) as (running, key, browser):
        page = browser.new_page()
        page.add_init_script(PRESSABLE)
        page.goto(f"{running.url}{key}.html")
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        chapters = page.eval_on_selector_all(
            "a.chapter", "links => links.map(a => [parseFloat(a.dataset.start), "
            "a.textContent.replace(a.querySelector('.at').textContent, '').trim()])")
        assert [title for _, title in chapters][:2] == ["Introduction", "Stand and reach"]

        def lock_screen() -> tuple[str, str]:
            return tuple(page.evaluate("[navigator.mediaSession.playbackState, "
                                       "navigator.mediaSession.metadata.title]"))

        def press(action: str, details: str = "{}") -> None:
            page.evaluate(f"window.pressable[{action!r}]({details})")

        def at(seconds: float, until: float | None = None) -> None:
            """The player is at `seconds` (paused), or inside [seconds, until) (playing,
            however slowly a loaded machine gets there)."""
            inside(page, seconds, until if until is not None else seconds + 0.05)

        assert page.evaluate("Object.keys(window.pressable).sort()") == sorted(
            ["play", "pause", "stop", "previoustrack", "nexttrack", "seekbackward",
             "seekforward", "seekto"])
        press("play")
        page.wait_for_function("navigator.mediaSession.playbackState === 'playing'")
        assert lock_screen() == ("playing", "Introduction")
        press("nexttrack")
        at(chapters[1][0], chapters[2][0])
        page.wait_for_function("navigator.mediaSession.metadata.title === 'Stand and reach'")
        press("pause")
        page.wait_for_function("navigator.mediaSession.playbackState === 'paused'")
        press("seekto", f"{{seekTime: {chapters[2][0] + 1}}}")  # the scrubber
        at(chapters[2][0] + 1)
        page.wait_for_function(f"navigator.mediaSession.metadata.title === {chapters[2][1]!r}")
        assert lock_screen()[0] == "paused"
        press("previoustrack")  # a second into an exercise: the one before
        at(chapters[1][0], chapters[2][0])
        page.wait_for_function("navigator.mediaSession.playbackState === 'playing'")
        assert lock_screen() == ("playing", "Stand and reach")
