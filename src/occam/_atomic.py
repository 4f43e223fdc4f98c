"""Atomic file output shared by every sub-package (checkpoints, circuits, reports, results).

A file is written to a temporary file in the same folder, flushed and fsynced, then moved over the
target with ``os.replace``, so a reader never sees a half-written file and a crash leaves the old
file intact. The new file gets the permissions an ordinary ``open(path, "w")`` would give it:
``0o666`` less the umask for a new file, the old file's mode when one is replaced (``mkstemp``
alone would make every file ``0o600``). A process killed between ``mkstemp`` and ``os.replace``
leaves a ``.NAME.*.tmp`` file behind; :func:`remove_stale_temporaries` deletes those.
Standard library only: ``occam.circuits`` uses it without importing PyTorch.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_TMP_SUFFIX = ".tmp"


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no race-free way to read it elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _target_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Raise an ``OSError`` naming ``path`` when a file cannot be written there (``path`` is a
    folder, or its folder cannot be created or written); else return ``path`` as a Path. Lets a
    long computation refuse a bad output path before it starts instead of after."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, expected a file name", str(path))
    ensure_writable_dir(path.parent)
    return path


def ensure_writable_dir(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` (and parents) if missing and check that files can be created in it;
    raise an ``OSError`` naming the folder otherwise."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".occam-probe.", suffix=_TMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot write here ({exc.strerror})", str(folder)) from None
    os.close(fd)
    os.unlink(probe)
    return folder


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files that killed writes of ``path`` left beside it; return them.
    Only the writer that owns ``path`` should call this (it would break a concurrent write)."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    stale = sorted(path.parent.glob(f".{path.name}.*{_TMP_SUFFIX}"))
    for tmp in stale:
        tmp.unlink(missing_ok=True)
    return stale


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(handle)`` on a temporary binary file beside ``path``, then replace ``path``.

    Creates missing parent folders; the file gets the usual permissions (module docstring). On
    any error the temporary file is removed and ``path`` is left as it was; an ``OSError`` about
    the location names ``path`` itself, not the temporary file.
    """
    path = check_writable(path)
    mode = _target_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            if hasattr(os, "fchmod"):  # POSIX; elsewhere mkstemp's mode stays
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda handle: handle.write(data))
