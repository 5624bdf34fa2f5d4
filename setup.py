"""The build's one step beyond pyproject.toml: compile the phrasebook's catalogs, every
voicecoach/locale/LANG/LC_MESSAGES/voicecoach.po to its .mo, with Babel, before the package's files
are collected. It runs for a wheel, an sdist's install and `pip install -e .` alike; the .mo files
are not kept in git (scripts/phrasebook compile makes them in a checkout by hand)."""
from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).resolve().parent / "voicecoach" / "locale"


def compile_catalogs() -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    made = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/voicecoach.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime_ns >= po.stat().st_mtime_ns:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name, domain="voicecoach")
        temporary = mo.with_suffix(".mo.tmp")
        with temporary.open("wb") as out:
            write_mo(out, catalog)
        temporary.replace(mo)
        made.append(mo)
    return made


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        compile_catalogs()
        super().run()

    def get_outputs(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        compile_catalogs()  # an editable install asks for the outputs without running run()
        return super().get_outputs(*args, **kwargs)


setup(cmdclass={"build_py": BuildWithCatalogs})
