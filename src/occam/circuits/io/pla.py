"""Espresso PLA files of fully specified examples (``.type fr``), plain or gzip (issue 18 item 1).

The IWLS 2020 "learning from examples" benchmark stores each data set as a PLA: a header
(``.i`` inputs, ``.o`` outputs, optional ``.p`` rows, ``.type``, ``.ilb``/``.ob`` names), then one
row per minterm, the input bits, white space, the output bits, and an optional ``.e``/``.end``.
``#`` starts a comment. A row must be fully specified: inputs and outputs are ``0``/``1`` only
(a ``-`` don't-care cube is not one example and is rejected, as are ``~``, ``2`` and ``4``).

:func:`read_pla` returns bool arrays ``X (n, i)`` and ``Y (n, o)``; :func:`write_pla` writes them
back (atomically; gzip when the name ends in ``.gz``). A malformed file raises
:class:`occam.errors.FileFormatError` naming the file and line: unknown directive or character,
a row of the wrong arity, a ``.p`` count that disagrees with the rows, missing ``.i``/``.o``.
"""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path

import numpy as np

from occam._atomic import atomic_write_bytes
from occam.errors import FileFormatError

__all__ = ["parse_pla", "read_pla", "write_pla", "write_pla_text"]

_KNOWN = {".i", ".o", ".p", ".type", ".ilb", ".ob", ".e", ".end", ".phase"}
_MAX_DIM = 1 << 20  # refuses absurd headers before allocating


def _int_arg(parts: list[str], src: str, lineno: int) -> int:
    if len(parts) != 2 or not (parts[1].isascii() and parts[1].isdigit()):
        raise FileFormatError(src, lineno, f"{parts[0]} needs one non-negative integer")
    v = int(parts[1])
    if v > _MAX_DIM:
        raise FileFormatError(src, lineno, f"{parts[0]} {v} is larger than {_MAX_DIM}")
    return v


def _bits(field: str, width: int, what: str, src: str, lineno: int) -> np.ndarray:
    if len(field) != width:
        raise FileFormatError(
            src, lineno, f"{what} part has {len(field)} characters, expected {width}"
        )
    raw = np.frombuffer(field.encode("ascii", "replace"), dtype=np.uint8)
    bad = np.flatnonzero((raw != 48) & (raw != 49))
    if bad.size:
        ch = field[int(bad[0])]
        raise FileFormatError(
            src,
            lineno,
            f"unknown character {ch!r} in {what} column {int(bad[0])} (only 0 and 1 are allowed "
            "in fully specified examples)",
        )
    return raw == 49


def parse_pla(text: str, source: str = "<memory>") -> tuple[np.ndarray, np.ndarray]:
    """Parse PLA ``text``; returns ``(X, Y)`` bool arrays. ``source`` names the file in errors."""
    n_in = n_out = n_rows = None
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    last = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        last = lineno
        if body.startswith("."):
            parts = body.split()
            key = parts[0]
            if key not in _KNOWN:
                raise FileFormatError(source, lineno, f"unknown directive {key!r}")
            if key in (".e", ".end"):
                break
            if xs and key in (".i", ".o"):
                raise FileFormatError(source, lineno, f"{key} after the first row")
            if key == ".i":
                n_in = _int_arg(parts, source, lineno)
            elif key == ".o":
                n_out = _int_arg(parts, source, lineno)
            elif key == ".p":
                n_rows = _int_arg(parts, source, lineno)
            elif key == ".type" and (len(parts) != 2 or parts[1] not in ("f", "fr", "fd", "fdr")):
                raise FileFormatError(source, lineno, f"unsupported .type {' '.join(parts[1:])!r}")
            continue
        if n_in is None or n_out is None:
            raise FileFormatError(source, lineno, "row before the .i and .o declarations")
        parts = body.split()
        if len(parts) == 1 and (n_in == 0 or n_out == 0):
            parts = ["", parts[0]] if n_in == 0 else [parts[0], ""]
        if len(parts) != 2:
            raise FileFormatError(
                source, lineno, f"expected 'INPUTS OUTPUTS' (two fields), found {len(parts)}"
            )
        xs.append(_bits(parts[0], n_in, "input", source, lineno))
        ys.append(_bits(parts[1], n_out, "output", source, lineno))
    if last == 0:
        raise FileFormatError(source, 1, "empty file: no .i/.o declarations and no rows")
    if n_in is None or n_out is None:
        raise FileFormatError(source, last, "missing .i or .o declaration")
    if n_rows is not None and n_rows != len(xs):
        raise FileFormatError(source, last, f".p declares {n_rows} rows but {len(xs)} were read")
    x = np.array(xs, dtype=bool).reshape(len(xs), n_in)
    y = np.array(ys, dtype=bool).reshape(len(ys), n_out)
    return x, y


def read_pla(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read a PLA file (gzip when it starts with the gzip magic bytes); returns ``(X, Y)``.

    Raises ``FileNotFoundError`` for a missing file and :class:`FileFormatError` (file and line)
    for malformed content, including a corrupt gzip stream or non-ASCII text.
    """
    p = Path(path)
    data = p.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise FileFormatError(p, 0, f"corrupt gzip stream ({e})") from None
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FileFormatError(p, line, f"non-ASCII byte 0x{data[e.start]:02x}") from None
    return parse_pla(text, str(p))


def write_pla_text(x: np.ndarray, y: np.ndarray) -> str:
    """The ``.type fr`` PLA text of examples ``x (n, i)`` and labels ``y (n,)`` or ``(n, o)``."""
    xa = np.asarray(x, dtype=bool)
    ya = np.asarray(y, dtype=bool)
    if ya.ndim == 1:
        ya = ya[:, None]
    if xa.ndim != 2 or ya.ndim != 2 or xa.shape[0] != ya.shape[0]:
        raise ValueError(
            f"write_pla: x must be (n, i) and y (n,) or (n, o), received {xa.shape} and {ya.shape}"
        )
    if xa.shape[1] + ya.shape[1] == 0 and xa.shape[0]:
        raise ValueError("write_pla: rows with no inputs and no outputs cannot be written")
    buf = io.StringIO()
    buf.write(f".i {xa.shape[1]}\n.o {ya.shape[1]}\n.p {xa.shape[0]}\n.type fr\n")
    xs = np.where(xa, "1", "0")
    ys = np.where(ya, "1", "0")
    for r in range(xa.shape[0]):
        buf.write("".join(xs[r]) + " " + "".join(ys[r]) + "\n")
    buf.write(".e\n")
    return buf.getvalue()


def write_pla(path: str | os.PathLike[str], x: np.ndarray, y: np.ndarray) -> Path:
    """Write ``x``, ``y`` as a PLA file (gzip when ``path`` ends in ``.gz``), atomically."""
    p = Path(path)
    data = write_pla_text(x, y).encode("ascii")
    if p.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    return atomic_write_bytes(p, data)
