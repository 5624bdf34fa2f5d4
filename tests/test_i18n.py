"""The phrasebook: numbers spelled with their nouns, the catalogs checked against the template,
the language a session speaks chosen and refused as it should be, and no English left in a
German or Spanish session."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from voicecoach import catalogs, i18n, numbers, phrases
from voicecoach import timeline as planner
from voicecoach.i18n import Phrasebook, phrasebook
from voicecoach.routine import builtin_ids, load
from voicecoach.settings import Settings

from helpers import CHECKOUT, voicecoach

# --- a catalog written here, as a translator would, for the number phrases ----------------------

NUMBER_PHRASES = {
    "de": {
        phrases.SECONDS: ("{seconds:feminine} Sekunde", "{seconds:feminine} Sekunden"),
        phrases.MINUTES: ("{minutes:feminine} Minute", "{minutes:feminine} Minuten"),
        phrases.MINUTES_AND_SECONDS: "{minutes} und {seconds}",
        phrases.REPS: ("{reps:feminine} Wiederholung", "{reps:feminine} Wiederholungen"),
        phrases.SETS: ("{sets:masculine} Satz", "{sets:masculine} Sätze"),
        phrases.SET_OF: "Satz {number} von {sets}.",
        phrases.REST_FOR: "Ruh dich {duration} lang aus.",
    },
    "es": {
        phrases.SECONDS: ("{seconds:masculine} segundo", "{seconds:masculine} segundos",
                          "{seconds:masculine} segundos"),
        phrases.MINUTES: ("{minutes:masculine} minuto", "{minutes:masculine} minutos",
                          "{minutes:masculine} minutos"),
        phrases.MINUTES_AND_SECONDS: "{minutes} y {seconds}",
        phrases.REPS: ("{reps:feminine} repetición", "{reps:feminine} repeticiones",
                       "{reps:feminine} repeticiones"),
        phrases.SETS: ("{sets:feminine} serie", "{sets:feminine} series", "{sets:feminine} series"),
        phrases.SET_OF: "Serie {number} de {sets}.",
        phrases.REST_FOR: "Descansa {duration}.",
    },
}

# What a listener hears: the expected words, written out by hand
GOLDEN = {
    "en": {"seconds": {1: "1 second", 2: "2 seconds", 21: "21 seconds", 30: "30 seconds",
                       90: "1 minute 30 seconds", 60: "1 minute", 120: "2 minutes"},
           "reps": {1: "1 rep", 21: "21 reps"}, "set": "Set 1 of 3.", "rest": "Rest for 45 seconds."},
    "de": {"seconds": {1: "eine Sekunde", 2: "zwei Sekunden", 21: "einundzwanzig Sekunden",
                       30: "dreißig Sekunden", 90: "eine Minute und dreißig Sekunden",
                       60: "eine Minute", 120: "zwei Minuten"},
           "reps": {1: "eine Wiederholung", 21: "einundzwanzig Wiederholungen"},
           "set": "Satz eins von drei.", "rest": "Ruh dich fünfundvierzig Sekunden lang aus."},
    "es": {"seconds": {1: "un segundo", 2: "dos segundos", 21: "veintiún segundos",
                       30: "treinta segundos", 90: "un minuto y treinta segundos",
                       60: "un minuto", 120: "dos minutos"},
           "reps": {1: "una repetición", 21: "veintiuna repeticiones"},
           "set": "Serie uno de tres.", "rest": "Descansa cuarenta y cinco segundos."},
}


def write_catalog(folder: Path, language: str, strings: dict) -> Path:
    """A .po and its .mo for `language` in folder/LANG/LC_MESSAGES, from the template: the
    phrases in `strings` translated, every other one as its English between « »."""
    template = catalogs.read(catalogs.TEMPLATE)
    catalog = Catalog(locale=language, domain=i18n.DOMAIN)
    for message in template:
        if not message.id:
            continue
        key = next((p for p in strings if p.context == message.context and
                    (p.text if isinstance(p, phrases.Phrase) else p.singular) ==
                    (message.id if isinstance(message.id, str) else message.id[0])), None)
        if key is not None:
            string = strings[key]
        elif isinstance(message.id, str):
            string = f"«{message.id}»"
        else:
            string = tuple(f"«{message.id[min(k, 1)]}»" for k in range(catalog.num_plurals))
        catalog.add(message.id, string, context=message.context)
    where = folder / language / "LC_MESSAGES"
    where.mkdir(parents=True, exist_ok=True)
    with (where / "voicecoach.po").open("wb") as out:
        write_po(out, catalog)
    with (where / "voicecoach.mo").open("wb") as out:
        write_mo(out, catalog)
    return where / "voicecoach.po"


@pytest.fixture
def test_catalogs(tmp_path, monkeypatch):
    """German and Spanish catalogs of our own (the number phrases translated, the rest marked),
    in place of the real ones, for as long as a test runs."""
    for language, strings in NUMBER_PHRASES.items():
        write_catalog(tmp_path, language, strings)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    phrasebook.cache_clear()
    yield tmp_path
    phrasebook.cache_clear()


def real_book(language: str) -> Phrasebook:
    if not i18n.catalog_path(language).exists():
        pytest.skip(f"no {language} catalog yet (voicecoach/locale/{language}/LC_MESSAGES/voicecoach.po)")
    return phrasebook(language)


def _check_golden(book: Phrasebook, golden: dict) -> None:
    for seconds, said in golden["seconds"].items():
        assert book.duration(seconds) == said
    for reps, said in golden["reps"].items():
        assert book.counted(phrases.REPS, reps, reps=reps) == said


def test_numbers_are_spelled_in_the_form_the_phrase_asks_for():
    assert numbers.spell(1, "de", "feminine") == "eine"
    assert numbers.spell(1, "de") == "eins"  # counting
    assert numbers.spell(21, "de", "feminine") == "einundzwanzig"
    assert numbers.spell(1, "es", "masculine") == "un"
    assert numbers.spell(21, "es", "masculine") == "veintiún"
    assert numbers.spell(21, "es", "feminine") == "veintiuna"
    assert numbers.spell(21, "es") == "veintiuno"
    assert numbers.spell(90, "es") == "noventa"
    assert numbers.spell(1, "de", "cardinal-m") == "einem"
    with pytest.raises(numbers.NumberFormError, match="language 'es' has no number form 'neuter'"):
        numbers.spell(1, "es", "neuter")


def test_english_durations_and_counts_read_as_they_always_have():
    _check_golden(phrasebook("en"), GOLDEN["en"])
    book = phrasebook("en")
    assert book(phrases.SET_OF, number=1, sets=3) == GOLDEN["en"]["set"]
    assert planner.rest_line(45) == GOLDEN["en"]["rest"]


@pytest.mark.parametrize("language", ["de", "es"])
def test_numbers_agree_with_their_nouns_in_a_catalog(language, test_catalogs):
    book = phrasebook(language)
    _check_golden(book, GOLDEN[language])
    assert book(phrases.SET_OF, number=1, sets=3) == GOLDEN[language]["set"]
    assert planner.rest_line(45, book) == GOLDEN[language]["rest"]
    assert book.number(3) == {"de": "drei", "es": "tres"}[language]
    assert not re.search(r"\d", book.duration(3599))


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_real_catalogs_spell_numbers_with_their_nouns(language):
    """The translators' catalogs: the nouns of seconds, minutes and reps with the numbers' gender
    (the joining word of a duration and the sets line are theirs to choose)."""
    book = real_book(language)
    golden = GOLDEN[language]
    for seconds in (1, 2, 21, 30, 60, 120):
        assert book.duration(seconds) == golden["seconds"][seconds]
    first, second = golden["seconds"][90].split(" und " if language == "de" else " y ")
    assert first in book.duration(90) and second in book.duration(90)
    for reps, said in golden["reps"].items():
        assert book.counted(phrases.REPS, reps, reps=reps) == said
    assert "drei" in book(phrases.SET_OF, number=1, sets=3) or "tres" in \
        book(phrases.SET_OF, number=1, sets=3)


# --- the catalogs and the template --------------------------------------------------------------

def test_the_template_is_up_to_date_with_the_phrases_in_the_code(tmp_path):
    """scripts/phrasebook extract, run again, finds the same phrases as the committed .pot."""
    pot = tmp_path / "fresh.pot"
    subprocess.run([sys.executable, str(CHECKOUT / "scripts" / "phrasebook"), "extract", str(pot)],
                   check=True)
    fresh, committed = catalogs.read(pot), catalogs.read(catalogs.TEMPLATE)
    assert catalogs._keys(fresh) == catalogs._keys(committed)
    assert len(catalogs._keys(committed)) >= 85  # every framework phrase, not a few


def test_every_catalog_compiles_and_is_up_to_date():
    assert catalogs.problems() == []


def test_a_catalog_out_of_date_or_broken_is_found(tmp_path):
    po = write_catalog(tmp_path, "de", NUMBER_PHRASES["de"])
    template = catalogs.read(catalogs.TEMPLATE)
    assert catalogs.problems_of("de", po, template) == []
    text = po.read_text()
    # a phrase gone, a placeholder renamed, a number form German does not have
    gone = text.replace('msgctxt "release"\nmsgid "And relax."\nmsgstr "«And relax.»"\n', "")
    broken = gone.replace("Satz {number} von {sets}.", "Satz {nummer} von {sets:plural}.")
    po.write_text(broken)
    found = catalogs.problems_of("de", po, template)
    assert any("out of date with the .pot: no 'And relax.' (release)" in p for p in found), found
    assert any("unknown placeholder {nummer}" in p for p in found), found
    assert any("placeholder {number} is missing" in p for p in found), found
    assert any("{sets:plural}: language 'de' has no number form 'plural'" in p for p in found), found
    po.write_text('msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\nmsgid "x\n')
    assert catalogs.problems_of("de", po, template)


def test_the_plural_forms_are_cldrs(test_catalogs):
    """The header Babel writes from CLDR: Spanish has a form for whole millions."""
    po = catalogs.read(test_catalogs / "es" / "LC_MESSAGES" / "voicecoach.po", "es")
    assert po.num_plurals == 3
    book = phrasebook("es")
    assert book.duration(1_000_000) .startswith("dieciséis mil")  # minutes: not a million


# --- choosing the language -----------------------------------------------------------------------

def test_the_locale_names_the_language_when_it_has_a_catalog(test_catalogs):
    assert i18n.from_locale({"LANG": "de_DE.UTF-8"}) == "de"
    assert i18n.from_locale({"LC_ALL": "es_ES.UTF-8", "LANG": "de_DE.UTF-8"}) == "es"
    assert i18n.from_locale({"LANG": "fr_FR.UTF-8"}) is None
    assert i18n.from_locale({"LANG": "C.UTF-8"}) is None
    assert i18n.from_locale({}) is None


def test_the_config_file_names_a_language(tmp_path, test_catalogs):
    from voicecoach import config
    from voicecoach.errors import ConfigError

    path = tmp_path / "config.toml"
    path.write_text('pace = "slow"\nlanguage = "ES"\n')
    assert config.load(path).language == "es"
    path.write_text('pace = "slow"\nlanguage = "fr"\n')
    with pytest.raises(ConfigError, match=r"config.toml:2: 'language' must be one of en, de, es, "
                                          r"got 'fr'"):
        config.load(path)


def routine_file(folder: Path, language: str | None) -> Path:
    path = folder / "mine.yaml"
    head = f"language: {language}\n" if language else ""
    path.write_text(head + "title: Mine\nexercises:\n  - name: Knee hug\n    position: lying-back\n"
                    "    setup: Lie on your back.\n    hold: 20s\n")
    return path


def test_a_routine_file_says_its_language(tmp_path, test_catalogs):
    assert load(str(routine_file(tmp_path, None))).language == "en"
    assert load(str(routine_file(tmp_path, "de"))).language == "de"
    with pytest.raises(Exception, match=r"mine.yaml:1: 'language' must be one of en, de, es "
                                        r"\(the languages with a phrasebook\), got 'fr'"):
        load(str(routine_file(tmp_path, "fr")))


def test_a_session_speaks_its_routines_language(tmp_path, test_catalogs):
    from voicecoach.session import load_routine

    german = str(routine_file(tmp_path, "de"))
    routine = load_routine(german, Settings(language="es", language_from="config"))
    assert routine.language == "de"  # a default follows the file
    timeline = planner.plan(routine, Settings(), planner.estimate_measure(Settings()))
    texts = [e.text for e in timeline.events if e.kind == "speech"]
    assert "Mine." not in texts and "«{title}.»".replace("{title}", "Mine") in texts
    assert "««Hold for zwanzig Sekunden».»" in texts, texts
    assert [c.title for c in timeline.chapters] == ["«Introduction»", "Knee hug", "«Finish»"]
    with pytest.raises(i18n.LanguageMismatch, match=r"mine.yaml is in German \('language: de'\); it "
                                                    r"cannot be said in Spanish"):
        load_routine(german, Settings(language="es", language_from="option"))


def test_a_voice_that_cannot_speak_the_language_is_refused(test_catalogs):
    from voicecoach.session import speaking

    assert speaking("de", Settings()).voice == "de"  # espeak-ng's German
    assert speaking("de", Settings(voice="espeak:de")).voice == "espeak:de"
    with pytest.raises(i18n.VoiceLanguage, match=r"^the voice flite:slt does not speak German; "
                                                 r"voices that do: espeak:de \(voicecoach voices "
                                                 r"--language de\)$"):
        speaking("de", Settings(voice="flite:slt"))
    assert speaking("en", Settings(voice="flite:slt")).voice == "flite:slt"


def test_a_built_in_without_a_translation_is_one_clear_line(tmp_path, monkeypatch):
    """Every built-in is translated today, so the refusal is tried on a copy of the library with
    one German file taken away: a one-line NotTranslated naming the routine and where it would be,
    while the English original and the other translations still load."""
    import shutil
    import types

    from voicecoach import routine

    package = tmp_path / "voicecoach"
    shutil.copytree(CHECKOUT / "voicecoach" / "library", package / "library")
    (package / "library" / "de" / "desk-break.yaml").unlink()
    monkeypatch.setattr(routine, "resources", types.SimpleNamespace(files=lambda name: package))
    with pytest.raises(i18n.NotTranslated, match=r"^the built-in routine 'desk-break' has no German "
                                                 r"translation \(library/de/"):
        load("desk-break", "de")
    assert (load("desk-break").language, load("floor-relax", "de").language) == ("en", "de")


def test_language_on_the_command_line(tmp_path, speech_cache):
    result = voicecoach("show", "desk-break", "--language", "fr")
    assert result.returncode == 1
    assert result.stderr.startswith("voicecoach: --language: no phrasebook for language 'fr'; there are en")
    voices = voicecoach("voices", "--language", "de")
    assert voices.returncode == 0
    listed = [line.split()[0] for line in voices.stdout.splitlines()[1:]]
    assert listed and all(voice.startswith("espeak:de") for voice in listed)
    english = voicecoach("show", "desk-break", "--language", "en", "--json")
    assert english.returncode == 0
    assert json.loads(english.stdout)["events"][1]["text"].startswith("Safety first")


# --- no English left ----------------------------------------------------------------------------

def english_fragments(language: str) -> list[str]:
    """The words of every English phrase between its placeholders, four letters or more; but not
    a phrase the language says the same way (a pace is "normal" in German and Spanish too)."""
    same = {message.id for message in catalogs.read(catalogs.catalogs()[language], language)
            if isinstance(message.id, str) and message.string == message.id}
    found = set()
    for message in catalogs.read(catalogs.TEMPLATE):
        if message.id in same:
            continue
        for text in (message.id,) if isinstance(message.id, str) else message.id:
            for part in re.split(r"\{[^}]*\}", text or ""):
                part = part.strip(" ,.:?")
                if len(re.sub(r"[^A-Za-z]", "", part)) >= 4:
                    found.add(part)
    return sorted(found)


@pytest.mark.parametrize("language", ["de", "es"])
def test_a_translated_session_has_no_english_framework_phrase_and_no_digit(language):
    real_book(language)
    translated = [routine_id for routine_id in builtin_ids()
                  if (CHECKOUT / "voicecoach" / "library" / language / f"{routine_id}.yaml").exists()]
    if not translated:
        pytest.skip(f"no built-in routine translated to {language} yet (voicecoach/library/{language}/)")
    fragments = english_fragments(language)
    for routine_id in translated:
        routine = load(routine_id, language)
        assert routine.language == language
        for screen in (False, True):
            settings = Settings(safety_screen=screen)
            timeline = planner.plan(routine, settings, planner.estimate_measure(settings))
            texts = [e.text for e in timeline.events if e.kind == "speech"]
            texts += [c.title for c in timeline.chapters]
            sentences = [e.text for e in timeline.events if e.kind == "speech"
                         and e.role not in ("count", "phase", "countdown")]
            assert not [t for t in sentences if t[:1].islower()], routine_id  # "sechs Wied..."
            for text in texts:
                assert not re.search(r"\d", text), (routine_id, text)
                for fragment in fragments:
                    assert not re.search(rf"(?<![A-Za-zÀ-ÿ]){re.escape(fragment)}(?![A-Za-zÀ-ÿ])",
                                         text), (routine_id, fragment, text)


# --- `today`: its list of exercises and its hint, in the listener's language ---------------------

NO_PROGRAM = ("No active program. Start one with 'voicecoach program start NAME' ('voicecoach "
              "program list' shows them).")


def _row(reps=None, hold=None, duration=None, sets=1, sides=()) -> dict:
    return {"name": "x", "reps": reps, "hold": hold, "duration": duration, "sets": sets,
            "rest": 0, "sides": list(sides)}


@pytest.mark.parametrize(("language", "said"), [
    ("en", ["1 rep", "8 reps", "3 x 8 reps, each side", "45 s hold", "1 min 20 s hold",
            "2 x 2 min hold, each side", "2 x 20 s"]),
    ("de", ["1 Wiederholung", "8 Wiederholungen", "3 x 8 Wiederholungen, pro Seite", "45 s halten",
            "1 min 20 s halten", "2 x 2 min halten, pro Seite", "2 x 20 s"]),
    ("es", ["1 repetición", "8 repeticiones", "3 x 8 repeticiones, por cada lado",
            "45 s manteniendo la postura", "1 min 20 s manteniendo la postura",
            "2 x 2 min manteniendo la postura, por cada lado", "2 x 20 s"]),
])
def test_today_s_numbers_are_in_the_listener_s_language_with_digits(language, said):
    from voicecoach.program import describe_numbers

    book = real_book(language) if language != "en" else phrasebook("en")
    rows = [_row(reps=1), _row(reps=8), _row(reps=8, sets=3, sides=("left", "right")), _row(hold=45),
            _row(hold=80), _row(hold=120, sets=2, sides=("left", "right")), _row(duration=20, sets=2)]
    assert [describe_numbers(row, book) for row in rows] == said


def _today_words(text: str, shown: dict) -> str:
    """`today`'s text without what stays as typed: the commands in quotes and the program's and
    routine's ids."""
    text = re.sub(r"'voicecoach [^']*'", "", text)
    return text.replace(shown["program"], "").replace(shown["routine"], "")


@pytest.mark.parametrize("language", ["de", "es"])
def test_today_in_german_or_spanish_has_no_english_word(language):
    """Each built-in program started in the language: `today` on its first day and on the next,
    once a session is logged, with its list of exercises; and `today` with no program."""
    from voicecoach import program as programs

    real_book(language)
    fragments = english_fragments(language)

    def english_in(text: str) -> list[str]:
        return [f for f in fragments
                if re.search(rf"(?<![A-Za-zÀ-ÿ]){re.escape(f)}(?![A-Za-zÀ-ÿ])", text)]

    none = voicecoach("today", "--language", language)
    assert none.returncode == 0 and none.stdout.strip() and english_in(none.stdout) == [], none.stdout
    assert "'voicecoach program start NAME'" in none.stdout
    assert json.loads(voicecoach("today", "--json", "--language", language).stdout)["message"] == \
        NO_PROGRAM  # --json stays English
    for command in ("--play", "--export"):
        refused = voicecoach("today", command, "--language", language)
        assert refused.returncode == 2 and refused.stderr.startswith("voicecoach: "), refused.stderr
        assert english_in(refused.stderr) == [] and "'voicecoach program start NAME'" in refused.stderr
    for program in programs.builtin_ids():
        started = voicecoach("program", "start", program, "--language", language, "--yes", "--date",
                             "2026-03-02")
        assert started.returncode == 0, started.stderr
        for day in ("2026-03-02", "2026-03-03"):
            text = voicecoach("today", "--date", day).stdout
            shown = json.loads(voicecoach("today", "--json", "--date", day).stdout)
            for exercise in shown["exercises"]:  # each one listed, with its numbers
                assert re.search(rf"^  {re.escape(exercise['name'])} +\S", text, re.M), (exercise, text)
            assert english_in(_today_words(text, shown)) == [], (program, day, text)
            logged = voicecoach("log", "--date", day, "--pain-before", "2", "--pain-after", "3")
            assert logged.returncode == 0, logged.stderr


def test_today_in_english_reads_word_for_word_as_before():
    assert voicecoach("today").stdout == NO_PROGRAM + "\n"
    assert voicecoach("today", "--play").stderr == (
        "voicecoach: no active program, so there is no session to play or export. Start one with "
        "'voicecoach program start NAME' ('voicecoach program list' shows them).\n")
    assert voicecoach("program", "start", "cobra-progression", "--date", "2026-03-02").returncode == 0
    assert voicecoach("today", "--date", "2026-03-02").stdout.splitlines()[3:8] == [
        "  Reverse stretch             30 s hold",
        "  Hip flexor release          30 s hold, each side",
        "  Opposite arm and leg reach  10 reps",
        "  Low cobra                   40 s hold",
        "  Sitting against the wall    2 min hold"]
    assert voicecoach("program", "start", "three-exercises-daily", "--yes", "--date",
                      "2026-03-02").returncode == 0
    assert voicecoach("today", "--date", "2026-03-02").stdout.splitlines()[4:7] == [
        "  Press up and sit back             3 x 5 reps",
        "  Side hip lift on hands and knees  3 x 5 reps, each side",
        "  Good morning                      3 x 5 reps"]


@pytest.mark.parametrize("language", ["de", "es"])
def test_check_of_a_translated_built_in_warns_of_nothing(language, speech_cache):
    """`check` measures a German or Spanish routine with a voice of its language, and does not
    look for English equipment nouns in its intro (it warned of the mat and chair in every one)."""
    path = CHECKOUT / "voicecoach" / "library" / language / "three-exercises.yaml"
    result = voicecoach("check", str(path), cache=speech_cache)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout
    assert result.stderr == f"{path}: ok\n"


@pytest.mark.parametrize(("language", "header", "source", "total"), [
    ("de", r"Pause vom Schreibtisch: Stufe Einsteiger, Tempo langsam, insgesamt (\d\d:\d\d)",
     "Quelle: ", "Insgesamt: "),
    ("es", r"Pausa en el escritorio: nivel principiante, ritmo lento, (\d\d:\d\d) en total",
     "Fuente: ", "Total: "),
])
def test_show_frames_the_script_in_the_session_s_language(language, header, source, total,
                                                          speech_cache):
    shown = voicecoach("show", "desk-break", "--language", language, "--level", "beginner",
                       "--pace", "slow", cache=speech_cache)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    length = re.fullmatch(header, lines[0])
    assert length is not None, lines[0]
    assert lines[1] == f"{source}4 Effective Moves to Relieve Back Pain"  # the article's own title
    assert lines[-1] == f"{total}{length[1]}"
    english = voicecoach("show", "desk-break", "--level", "beginner", "--pace", "slow",
                         cache=speech_cache).stdout.splitlines()
    assert english[0].startswith("Desk break: beginner level, slow pace, ")
    assert english[0].endswith(" in all") and english[1].startswith("From: ")
    assert english[-1].startswith("Total: ")
