"""Files in and out, safely: only regular files are read, and outputs are written whole or not at all.

An output is written to a hidden `.NAME.RANDOM.partial` file beside it and renamed over it when
complete, so a failed or interrupted write leaves any earlier file in place. The writer holds an
exclusive lock on its partial file while it writes; a partial whose lock can be taken belongs to
no live writer (its process was killed outright), and the next write into that folder removes it.
"""
from __future__ import annotations

import contextlib
import contextvars
import errno
import functools
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Literal, ParamSpec, TextIO, TypeVar, overload

from . import interrupts
from .errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows, where a file held open cannot be removed anyway
    fcntl = None  # type: ignore[assignment]

PARTIAL_SUFFIX = ".partial"
_RANDOM_CHARS = 8
# The temporary name adds '.', '.', 8 random characters and '.partial' to the target's name: keep
# it under the usual 255-byte name limit by shortening the part taken from the target.
_NAME_MAX = 255
_LONGEST_STEM = _NAME_MAX - (2 + _RANDOM_CHARS + len(PARTIAL_SUFFIX))

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer

_P = ParamSpec("_P")
_T = TypeVar("_T")

# What no output may be written over, with what each is (for the message): the files a command
# reads, and what voicecoach keeps (a folder protects everything inside it).
_protected: contextvars.ContextVar[tuple[tuple[Path, str], ...]] = \
    contextvars.ContextVar("protected", default=())


class NotRegular(OSError):
    """A path that names a folder, FIFO, device or socket where a regular file is expected."""


def kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file (at most `limit`); NotRegular for anything else.

    The file is opened without blocking (a FIFO with no writer would wait forever) and checked
    after opening, so a file swapped for a FIFO between a check and the open cannot block either.
    """
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(errno.EINVAL, f"this is {kind_of(mode)}, not a regular file", str(path))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read() if limit is None else handle.read(limit)
    finally:
        os.close(fd)


class _WholeEntry(contextlib.AbstractContextManager[_T]):
    def __init__(self, inner: contextlib.AbstractContextManager[_T]) -> None:
        self._inner = inner

    def __enter__(self) -> _T:
        entered = False
        try:
            with interrupts.held():
                value = self._inner.__enter__()
                entered = True
        except BaseException as exc:
            if entered and self._inner.__exit__(type(exc), exc, exc.__traceback__):
                raise RuntimeError("a context manager swallowed the signal that stopped it") from exc
            raise
        return value

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool | None:
        return self._inner.__exit__(kind, exc, tb)


def entered_whole(
        generator: Callable[_P, Iterator[_T]]) -> Callable[_P, contextlib.AbstractContextManager[_T]]:
    """contextlib.contextmanager, with its entry never cut in two by Ctrl-C or SIGTERM.

    A plain generator context manager that is stopped just after its generator yields (still
    inside __enter__) never has __exit__ called: the generator stays suspended, and the cleanup
    after its yield (a temporary file or folder removed) never runs before the process ends.
    Here signals wait while the generator runs up to its yield; one that came meanwhile is raised
    once it has yielded, and the generator then cleans up as it would for an error in the body.
    (Here, not in interrupts.py, which must stay quick to import: it runs before the handlers.)"""
    make = contextlib.contextmanager(generator)

    @functools.wraps(generator)
    def entered(*args: _P.args, **kwargs: _P.kwargs) -> contextlib.AbstractContextManager[_T]:
        return _WholeEntry(make(*args, **kwargs))

    return entered


@contextlib.contextmanager
def protecting(places: Iterable[tuple[Path | str, str]]) -> Iterator[None]:
    """While inside, atomic_output refuses to write over any of `places`: (path, what it is) pairs,
    such as ("back.yaml", "the routine file this command reads"), added to those already
    protected. A folder protects everything inside it, whatever links lead there."""
    token = _protected.set(_protected.get() + tuple((Path(p), what) for p, what in places))
    try:
        yield
    finally:
        _protected.reset(token)


def _inside(real: Path, folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return real.is_relative_to(os.path.realpath(folder))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_protected(path: Path) -> Path:
    """`path` with its links followed, unless it is (or is inside) a protected place."""
    resolved = Path(os.path.realpath(path))
    for place, what in _protected.get():
        if _same_file(path, place) or _inside(resolved, place):
            raise OutputError(str(path), f"it is {what}; choose another output name")
    return resolved


def check_output(path: Path) -> Path:
    """Where `path` is really written: a symlink is followed (the link stays a link).

    Refused: a path that is, once links are followed, one of the protected files (the command's
    inputs, what voicecoach keeps) or inside a protected folder; a folder; and anything else that
    is not a regular file (a device such as /dev/null, a FIFO, a socket): renaming over them
    would replace the node itself.
    """
    resolved = refuse_protected(path)
    real = resolved if path.is_symlink() else path
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        return real
    except OSError as exc:
        raise OutputError(str(path), exc.strerror or str(exc)) from None
    if not stat.S_ISREG(mode):
        raise OutputError(str(path), f"it is {kind_of(mode)}; give the name of a regular file")
    return real


def _partial_prefix(name: str) -> str:
    stem = name.encode("utf-8", "surrogateescape")[:_LONGEST_STEM].decode("utf-8", "ignore")
    return f".{stem}."


def _lock(fd: int, wait: bool) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


def remove_stale_partials(folder: Path, prefix: str = ".", suffix: str = PARTIAL_SUFFIX) -> int:
    """Remove the temporary files in `folder` (named prefix...suffix) that no live writer holds.

    A writer keeps its temporary file locked until it is renamed or removed, so a file whose lock
    can be taken was left by a killed process. Returns how many were removed.
    """
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix) and name.startswith(".")):
            continue
        path = folder / name
        try:
            fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode) and _lock(fd, wait=False):
                os.unlink(path)
                removed += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def _open_partial(folder: Path, prefix: str, suffix: str, binary: bool) -> tuple[BinaryIO | TextIO, str]:
    """A new temporary file, locked; retried if a cleaner removed it before the lock was taken."""
    while True:
        name = str(folder / f"{prefix}{secrets.token_hex(_RANDOM_CHARS // 2)}{suffix}")
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        _lock(fd, wait=True)
        try:
            if os.stat(name).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    handle: BinaryIO | TextIO = os.fdopen(fd, "w+b") if binary else os.fdopen(fd, "w", encoding="utf-8")
    return handle, name


@overload
def atomic_output(path: Path | str, mode: Literal["wb"] = "wb", suffix: str = PARTIAL_SUFFIX,
                  check: bool = True) -> contextlib.AbstractContextManager[BinaryIO]: ...
@overload
def atomic_output(path: Path | str, mode: Literal["w"], suffix: str = PARTIAL_SUFFIX,
                  check: bool = True) -> contextlib.AbstractContextManager[TextIO]: ...
@entered_whole
def atomic_output(path: Path | str, mode: str = "wb", suffix: str = PARTIAL_SUFFIX,
                  check: bool = True) -> Iterator[Any]:  # callers see the overloads' types
    """Write to a hidden temporary file beside `path`, renamed over it only when complete.

    A killed or failed write leaves any previous file at `path` untouched and nothing partial
    there; the temporary file is removed unless the process is killed outright, and then the
    next write of the same name into that folder removes it. The handle is seekable.
    """
    path = Path(path)
    target = check_output(path) if check else path
    folder = target.parent if str(target.parent) else Path(".")
    prefix = _partial_prefix(target.name)
    remove_stale_partials(folder, prefix, suffix)
    handle: BinaryIO | TextIO | None = None
    name = ""
    try:
        # Signals wait until the handle is yielded (entered_whole), so a Ctrl-C that comes as the
        # file appears is raised with its name known, and the file is removed below.
        handle, name = _open_partial(folder, prefix, suffix, "b" in mode)
        with handle:
            yield handle
            handle.flush()
            interrupts.check()  # a swallowed Ctrl-C must not let a stopped write take the name
            os.replace(name, target)  # while still locked: no cleaner takes it before the rename
    except BaseException as exc:
        if handle is not None:
            handle.close()
        if name:
            with contextlib.suppress(OSError):
                os.unlink(name)
        if isinstance(exc, OSError):
            raise OutputError(str(path), exc.strerror or str(exc)) from None
        raise


@entered_whole
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A private temporary folder (in TMPDIR) for one piece of work, removed afterwards whatever
    happens. Signals wait while it is made and while it is removed, so a Ctrl-C or SIGTERM at
    either moment is raised with the folder known, or once it is gone: tempfile's
    TemporaryDirectory leaves it behind when the signal comes between mkdtemp and its finalizer,
    or inside its rmtree."""
    name = ""
    try:
        name = tempfile.mkdtemp(prefix=prefix)  # signals wait until it is yielded: entered_whole
        yield Path(name)
    finally:
        if name:
            with interrupts.held():
                shutil.rmtree(name, ignore_errors=True)


def make_folder(folder: Path) -> None:
    """Make the output folder itself, never its parents: a mistyped path is an error, not a tree."""
    try:
        folder.mkdir(exist_ok=True)
    except FileNotFoundError:
        raise OutputError(str(folder), f"the folder {folder.parent} does not exist") from None
    except FileExistsError:
        raise OutputError(str(folder), "it exists and is not a folder") from None
    except OSError as exc:
        raise OutputError(str(folder), exc.strerror or "cannot make this folder") from None


def check_folder(path: Path) -> None:
    """Refuse, before any work is done, an output whose folder does not exist (only the last
    folder of `--split -o` is ever made, by make_folder), or that could not be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(str(path), f"the folder {parent} does not exist")
    refuse_protected(path)  # nor one that would replace what voicecoach keeps, said before the work


def check_suffix(path: Path, suffix: str, what: str) -> None:
    """Refuse an output name whose extension is not the format written (say, -o x.wav for MP3)."""
    if path.suffix.lower() != suffix:
        raise OutputError(str(path), f"{what} is written, so the name must end in {suffix} "
                                     f"(for example {path.stem or 'session'}{suffix})")
