"""The history database (SQLite): programs started and sessions done; the only module that imports sqlite3."""
from __future__ import annotations

import datetime as dt
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import VoicecoachError

# 'VCHI' in the header marks the file as ours, so a foreign SQLite file is never taken for one.
APPLICATION_ID = 0x56434849
FILE_NAME = "history.sqlite3"
TOKEN_FILE = "serve-token"  # serve's secret, kept beside the history
PRIVATE_FOLDER = 0o700  # the history holds pain ratings and notes: the owner's alone
PRIVATE_FILE = 0o600
BUSY_SECONDS = 30.0
# A row as sqlite3 hands it back: its values untyped (an old or hand-edited file may hold anything),
# so each reader converts them, and _session checks them.
Row = tuple[Any, ...]

# One list of statements per schema version: MIGRATIONS[n] takes a database from version n to
# n + 1. Version 1 is the first release's schema; later releases only ever append.
MIGRATIONS: list[list[str]] = [
    [
        # runs.ref is what history.encode_ref writes (see Run.ref); the comment in the statement
        # is as version 1 shipped it, before a translation was kept as LANGUAGE/ID.
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            program TEXT NOT NULL,            -- the program's id
            ref TEXT NOT NULL,                -- a built-in id or an absolute path to its file
            title TEXT NOT NULL,
            sessions_per_week INTEGER NOT NULL CHECK (sessions_per_week > 0),
            started TEXT NOT NULL,            -- YYYY-MM-DD
            ended TEXT                        -- NULL while it is the active program
        )""",
        "CREATE UNIQUE INDEX one_active_run ON runs ((ended IS NULL)) WHERE ended IS NULL",
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            date TEXT NOT NULL,               -- YYYY-MM-DD
            routine TEXT NOT NULL,
            run INTEGER REFERENCES runs (id),
            week INTEGER CHECK (week > 0),
            completed INTEGER NOT NULL CHECK (completed IN (0, 1)),
            seconds REAL CHECK (seconds >= 0),
            pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
            pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
            note TEXT,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX sessions_by_date ON sessions (date, id)",
    ],
    [
        # How the back was the morning after, and the warning symptoms reported (a comma-joined
        # list of names; '' when asked and there were none, NULL when never asked).
        "ALTER TABLE sessions ADD COLUMN next_day TEXT CHECK (next_day IN ('better', 'same', 'worse'))",
        "ALTER TABLE sessions ADD COLUMN symptoms TEXT",
        # A paused program goes on after `program resume`: pauses count only sessions after it.
        """CREATE TABLE resumes (
            id INTEGER PRIMARY KEY,
            run INTEGER NOT NULL REFERENCES runs (id),
            after_session INTEGER NOT NULL,   -- the newest session id when it was resumed (0: none)
            date TEXT NOT NULL,               -- YYYY-MM-DD
            recorded_at TEXT NOT NULL
        )""",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryFileError(VoicecoachError):
    """The history database cannot be used as it is; it is left exactly as found."""

    def __init__(self, path: Path, reason: str, action: str):
        self.path = path
        super().__init__(f"{path}: {reason}; it was left untouched. {action}")


def _move_aside(path: Path) -> str:
    return (f"Move it aside (for example to {path.name}.bak) to start a new history, or set "
            "VOICECOACH_DATA to another folder.")


@dataclass(frozen=True)
class Run:
    """One start of a program: which, from when, until when (None while active)."""

    id: int
    program: str  # the program's id
    # Where its program is found again (history.encode_ref and decode_ref): a built-in's id, as
    # LANGUAGE/ID for its translation, or the absolute path of the program's file.
    ref: str
    title: str
    sessions_per_week: int
    started: dt.date
    ended: dt.date | None = None


@dataclass(frozen=True)
class Logged:
    """One session done, as recorded."""

    id: int
    date: dt.date
    routine: str
    run: int | None
    program: str | None
    week: int | None
    completed: bool
    seconds: float | None
    pain_before: int | None
    pain_after: int | None
    note: str | None = None
    next_day: str | None = None  # 'better', 'same' or 'worse': the morning after; None: not said
    symptoms: tuple[str, ...] | None = None  # warning symptoms reported; None: not asked


def data_folder() -> Path:
    given = os.environ.get("VOICECOACH_DATA")
    if given:
        return Path(given).expanduser()
    return _default_data_folder()


def _default_data_folder() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("voicecoach", appauthor=False))


def make_data_folder(folder: Path) -> None:
    """Make the data folder readable by its owner alone. One voicecoach made (it did not exist, or
    it is the default one) is set to 0700 whatever it was; a folder VOICECOACH_DATA names that
    existed already keeps its mode, and only the files in it are made private."""
    existed = folder.is_dir()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        if not existed or folder == _default_data_folder():
            _make_private(folder, PRIVATE_FOLDER)
    except OSError as exc:
        raise VoicecoachError(f"cannot make the data folder {folder}: {exc.strerror or exc}. "
                              "Set VOICECOACH_DATA to a folder you can write.") from None


def _make_private(path: Path, mode: int) -> None:
    """chmod a file or folder of ours that others can read; never through a link, never another
    user's file."""
    try:
        found = os.lstat(path)
        if found.st_uid == os.getuid() and not os.path.islink(path) \
                and found.st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError:
        pass  # a file system without modes (a FAT stick): nothing more can be done


class Store:
    """An open history database, checked to be ours and brought to the current schema."""

    def __init__(self, path: Path):
        self.path = path
        self.skipped: list[int] = []  # ids of sessions the last sessions() could not read
        make_data_folder(path.parent)
        if path.is_dir():
            raise HistoryFileError(path, "this is a folder, not the history database",
                                   _move_aside(path))
        if path.is_symlink():
            raise HistoryFileError(path, "this is a link; voicecoach never writes its history "
                                   "through a link", "Put the database itself there, or set "
                                   "VOICECOACH_DATA to the folder that holds it.")
        try:
            # Made private before SQLite opens it: its journal files take the database's mode.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, PRIVATE_FILE))
            _make_private(path, PRIVATE_FILE)
        except OSError:
            pass  # sqlite3 below says what is wrong with it
        try:
            self.db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise VoicecoachError(f"cannot open the history database {path}: {exc}") from None
        try:
            self._check_and_migrate()
        except BaseException:
            self.db.close()
            raise

    @classmethod
    def default(cls) -> Store:
        return cls(data_folder() / FILE_NAME)

    def close(self) -> None:
        self.db.close()

    # identity and schema --------------------------------------------------------------------
    def _identity(self) -> tuple[int, int, int]:
        """The file's application id, schema version and number of objects, read together: in
        one read transaction, so a process setting up a new file is seen before or after, never
        half way (the tables there but not yet the id, which would look like someone else's)."""
        own = not self.db.in_transaction
        try:
            if own:
                self.db.execute("BEGIN")
            try:
                app = self.db.execute("PRAGMA application_id").fetchone()[0]
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                objects = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            finally:
                if own:
                    self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._failed(exc) from None
            raise HistoryFileError(self.path, f"damaged or not a database ({exc})",
                                   _move_aside(self.path)) from None
        except sqlite3.DatabaseError as exc:
            raise HistoryFileError(self.path, f"damaged or not a database ({exc})",
                                   _move_aside(self.path)) from None
        return app, version, objects

    def _refuse_unless_ours(self, app: int, version: int, objects: int) -> None:
        if app == version == objects == 0:
            return  # a new, empty file: ours to set up
        if app != APPLICATION_ID:
            raise HistoryFileError(self.path, "an SQLite database that is not a voicecoach "
                                   "history", _move_aside(self.path))
        if version > SCHEMA_VERSION:
            raise HistoryFileError(
                self.path, f"written by a newer voicecoach (schema {version}; this one knows up "
                f"to {SCHEMA_VERSION})", "Upgrade voicecoach to use it.")

    def _check_and_migrate(self) -> None:
        app, version, objects = self._identity()
        self._refuse_unless_ours(app, version, objects)
        self._retry(lambda: self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}"))
        if version < SCHEMA_VERSION:
            # WAL lets readers and one writer work at once; setting it is a no-op once set.
            self._retry(lambda: self.db.execute("PRAGMA journal_mode = WAL"))
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA foreign_keys = ON")
        if version == SCHEMA_VERSION:
            return
        with self.transaction():
            # Checked again under the write lock: another process may have just set it up.
            app, version, objects = self._identity()
            self._refuse_unless_ours(app, version, objects)
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _retry(self, action: Callable[[], object]) -> None:
        """Changing the journal mode does not wait on the busy timeout, so wait here."""
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                action()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise self._failed(exc) from None
                time.sleep(0.02)

    def _failed(self, exc: sqlite3.Error) -> VoicecoachError:
        if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
            return HistoryFileError(self.path, f"damaged or not a database ({exc})",
                                    _move_aside(self.path))
        return VoicecoachError(f"the history database {self.path} could not be used: {exc}; "
                               "nothing was changed")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside land together or not at all; one writer at a time."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._failed(exc) from None
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self.db.execute("ROLLBACK")
            raise self._failed(exc) from None

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[Row]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise self._failed(exc) from None

    # programs -------------------------------------------------------------------------------
    def start_run(self, program: str, ref: str, title: str, sessions_per_week: int,
                  started: dt.date) -> Run:
        """Make a program the active one, ending any other on the same day."""
        with self.transaction():
            self._query("UPDATE runs SET ended = ? WHERE ended IS NULL", (started.isoformat(),))
            self._query("INSERT INTO runs (program, ref, title, sessions_per_week, started) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (program, ref, title, sessions_per_week, started.isoformat()))
            run_id = int(self._query("SELECT last_insert_rowid()")[0][0])
        return Run(run_id, program, ref, title, sessions_per_week, started)

    def runs(self) -> list[Run]:
        rows = self._query("SELECT id, program, ref, title, sessions_per_week, started, ended "
                           "FROM runs ORDER BY id")
        return [Run(r[0], r[1], r[2], r[3], r[4], dt.date.fromisoformat(r[5]),
                    dt.date.fromisoformat(r[6]) if r[6] else None) for r in rows]

    def active_run(self) -> Run | None:
        active = [run for run in self.runs() if run.ended is None]
        return active[-1] if active else None

    # sessions -------------------------------------------------------------------------------
    def add_session(self, date: dt.date, routine: str, run: int | None, week: int | None,
                    completed: bool, seconds: float | None, pain_before: int | None,
                    pain_after: int | None, note: str | None,
                    symptoms: tuple[str, ...] | None = None) -> int:
        self._query(
            "INSERT INTO sessions (date, routine, run, week, completed, seconds, pain_before, "
            "pain_after, note, symptoms, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (date.isoformat(), routine, run, week, int(completed), seconds, pain_before,
             pain_after, note, _joined(symptoms), _now()))
        return int(self._query("SELECT last_insert_rowid()")[0][0])

    def set_after(self, session_id: int, next_day: str | None,
                  symptoms: tuple[str, ...] | None) -> None:
        """Record how a session went afterwards: the next morning, symptoms (added to any already
        recorded). Inside the caller's transaction."""
        if next_day is not None:
            self._query("UPDATE sessions SET next_day = ? WHERE id = ?", (next_day, session_id))
        if symptoms is not None:
            had = self._query("SELECT symptoms FROM sessions WHERE id = ?", (session_id,))[0][0]
            together = tuple(dict.fromkeys([*(_split(had) or ()), *symptoms]))
            self._query("UPDATE sessions SET symptoms = ? WHERE id = ?",
                        (_joined(together), session_id))

    def resume(self, run: int, on: dt.date) -> None:
        """Continue a paused program: what was reported up to now no longer pauses it."""
        with self.transaction():
            newest = self._query("SELECT coalesce(max(id), 0) FROM sessions")[0][0]
            self._query("INSERT INTO resumes (run, after_session, date, recorded_at) "
                        "VALUES (?, ?, ?, ?)", (run, newest, on.isoformat(), _now()))

    def resumes(self, run: int) -> list[int]:
        """The newest session id at each time the run was resumed, in order."""
        return [r[0] for r in self._query("SELECT after_session FROM resumes WHERE run = ? "
                                          "ORDER BY id", (run,))]

    def set_weeks(self, weeks: dict[int, int]) -> None:
        """Set the program week of sessions, by id (inside the caller's transaction)."""
        for session_id, week in weeks.items():
            self._query("UPDATE sessions SET week = ? WHERE id = ? AND week IS NOT ?",
                        (week, session_id, week))

    def sessions(self, run: int | None = None) -> list[Logged]:
        sql = ("SELECT s.id, s.date, s.routine, s.run, r.program, s.week, s.completed, s.seconds, "
               "s.pain_before, s.pain_after, s.note, s.next_day, s.symptoms "
               "FROM sessions s LEFT JOIN runs r ON r.id = s.run")
        args: tuple[object, ...] = ()
        if run is not None:
            sql += " WHERE s.run = ?"
            args = (run,)
        rows = self._query(sql + " ORDER BY s.date, s.id", args)
        found: list[Logged] = []
        self.skipped = []
        for row in rows:
            session = _session(row)
            if session is None:
                self.skipped.append(row[0])
            else:
                found.append(session)
        return found


def _session(row: Row) -> Logged | None:
    """A session as stored, or None for a row no version of voicecoach should have written (an
    infinite length, a date that is not one): the rest of the history is still read."""
    number, date, routine, run, program, week, completed, seconds, before, after, note, \
        next_day, symptoms = row
    try:
        day = dt.date.fromisoformat(date)
    except (TypeError, ValueError):
        return None
    if not isinstance(routine, str) or completed not in (0, 1) \
            or (seconds is not None and not (isinstance(seconds, int | float)
                                             and math.isfinite(seconds) and seconds >= 0)) \
            or any(p is not None and not (isinstance(p, int) and 0 <= p <= 10)
                   for p in (before, after)) \
            or (week is not None and not (isinstance(week, int) and week > 0)):
        return None
    if (next_day is not None and not isinstance(next_day, str)) \
            or (symptoms is not None and not isinstance(symptoms, str)):
        return None
    return Logged(number, day, routine, run, program, week, bool(completed),
                  None if seconds is None else float(seconds), before, after,
                  note if isinstance(note, str) else None, next_day, _split(symptoms))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _joined(symptoms: tuple[str, ...] | None) -> str | None:
    return None if symptoms is None else ",".join(symptoms)


def _split(stored: str | None) -> tuple[str, ...] | None:
    return None if stored is None else tuple(name for name in stored.split(",") if name)
