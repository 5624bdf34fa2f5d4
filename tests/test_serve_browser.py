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

from voicecoach import phrases
from voicecoach.i18n import ENGLISH, phrasebook

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


SPANISH_ROUTINE = """\
language: es
title: Pausa corta
summary: Dos minutos para mover la espalda con calma.
rest: 5s
exercises:
  - name: Rodillas al pecho
    position: lying-back
    setup: Túmbate boca arriba con las rodillas dobladas.
    how: Lleva las rodillas hacia el pecho y quédate ahí.
    hold: 10s
"""

SHOWN_CONTEXTS = {"page", "feed", "episode title", "level name", "pace name", "safety screen heading",
                  "safety screen"}


def english_shown() -> list[str]:
    """The English words of every phrase the page and the feed show (between placeholders, four
    letters or more), but not those Spanish says the same way."""
    book = phrasebook("es")
    found = set()
    screen = [said for pair in phrases.SCREEN for said in pair]
    for said in [*vars(phrases).values(), *screen]:
        if isinstance(said, phrases.Phrase) and said.context in SHOWN_CONTEXTS and book(said) != said.text:
            texts = [said.text]
        elif isinstance(said, phrases.Counted) and said.context in SHOWN_CONTEXTS:
            texts = [said.singular, said.plural]
        else:
            continue
        found |= {part.strip(" ,.:?~") for text in texts for part in re.split(r"\{[^}]*\}", text)
                  if len(re.sub(r"[^A-Za-z]", "", part)) >= 4}
    return sorted(found)


def test_served_in_spanish_the_page_shows_spanish(tmp_path: Path):
    """`serve --language es` with a Spanish routine: Chromium shows the front page and the session's
    page in Spanish (`lang` and the visible words), and none of the framework's English words."""
    assert shutil.which(CHROMIUM), "Debian's chromium is needed: scripts/setup --test installs it"
    routine = tmp_path / "pausa.yaml"
    routine.write_text(SPANISH_ROUTINE, encoding="utf-8")
    running = serving(tmp_path / "data", str(routine), "--language", "es", "--level", "beginner",
                      log=tmp_path / "stderr.txt")
    try:
        index = running.get("")[2].decode()
        key = re.search(r'href="(pausa-beginner-[0-9a-f]{12})\.html"', index).group(1)
        assert running.get(f"{key}.mp3")[0] == 200  # made before the page is opened
        english = english_shown()
        assert "Log this session" in english and "Did you notice any of these" in english
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=CHROMIUM, args=ARGS, headless=True,
                viewport=PHONE, is_mobile=True, has_touch=True)
            try:
                page = browser.new_page()
                page.goto(running.url)
                assert page.evaluate("document.documentElement.lang") == "es"
                page.click("summary")  # the safety screen, opened
                front = page.inner_text("body")
                assert ENGLISH(phrases.SCREEN[0][0]) in english and "Antes de empezar" in front
                for spanish in ("Sesiones para la espalda, para seguir tumbado con los ojos cerrados.",
                                "Seguridad: léelo antes de tu primera sesión", "Reproducir", "Nivel:",
                                "Duración:", "principiante", "1 ejercicio", "Acerca de esta sesión",
                                "añade este feed con su dirección"):
                    assert spanish in front, spanish
                page.goto(f"{running.url}{key}.html")
                assert page.evaluate("document.documentElement.lang") == "es"
                assert page.title() == "Pausa corta (principiante)"
                session = page.inner_text("body")
                for spanish in ("Todas las sesiones", "Ejercicios", "¿Has terminado?", "Dolor antes, 0-10",
                                "Dolor después, 0-10", "¿Has notado algo de esto?", "Descargar MP3, ",
                                "Registrar esta sesión"):
                    assert spanish in session, spanish
                track = page.locator("track")
                track = (track.get_attribute("srclang"), track.get_attribute("label"))
                assert track == ("es", "Texto hablado")
                for shown in (front, session):
                    left = [words for words in english if re.search(rf"(?<![A-Za-z]){re.escape(words)}"
                                                                    r"(?![A-Za-z])", shown)]
                    assert not left, left
            finally:
                browser.close()
    finally:
        code, stderr = running.stop()
    assert code == 130 and "Traceback" not in stderr
