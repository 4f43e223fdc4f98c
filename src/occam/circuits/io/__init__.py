"""Circuit files chosen by suffix (issue 3 item 4): AIGER ``.aag``/``.aig``, BLIF ``.blif``
(read and write) and structural Verilog ``.v`` (write only).

OR and NOT are mapped to AIG form when writing AIGER and back when reading (see
:mod:`occam.circuits.io.aig`, which holds the single AIG ↔ {AND, OR, NOT} count conversion
:func:`basis_gate_counts`). Malformed files raise :class:`CircuitFormatError` (a ``ValueError``)
naming the file and line. Files are written atomically (temporary file + ``os.replace``).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from occam._atomic import atomic_write_bytes, check_writable
from occam.circuits.core import Circuit
from occam.circuits.io.aig import (
    Aig,
    aig_to_circuit,
    basis_gate_counts,
    circuit_to_aig,
    normalize_aig,
)
from occam.circuits.io.aiger import parse_aiger, read_aiger, write_aiger_bytes
from occam.circuits.io.blif import parse_blif, read_blif, write_blif_text
from occam.circuits.io.errors import CircuitFormatError, UnknownFormatError
from occam.circuits.io.pla import read_pla, write_pla
from occam.circuits.io.verilog import write_verilog_text

__all__ = [
    "FORMATS",
    "Aig",
    "CircuitFormatError",
    "UnknownFormatError",
    "aig_to_circuit",
    "basis_gate_counts",
    "check_output_path",
    "circuit_to_aig",
    "normalize_aig",
    "parse_aiger",
    "parse_blif",
    "read",
    "read_pla",
    "write",
    "write_pla",
]

#: suffix -> (readable, writable)
FORMATS = {".aag": (True, True), ".aig": (True, True), ".blif": (True, True), ".v": (False, True)}


def _suffix(path: Path, fmt: str | None, arg: str) -> str:
    suf = ("." + fmt.lstrip(".")) if fmt is not None else path.suffix
    suf = suf.lower()
    if suf not in FORMATS:
        raise UnknownFormatError(
            f"{arg}: unknown circuit format {suf!r} for {str(path)!r}; expected one of "
            f"{sorted(FORMATS)} (or pass fmt=)"
        )
    return suf


def read(path: str | os.PathLike[str], fmt: str | None = None) -> Circuit:
    """Read a circuit; the format comes from the suffix (``.aag``, ``.aig``, ``.blif``) or ``fmt``.

    Raises :class:`CircuitFormatError` (file and line) for malformed content, ``ValueError`` for
    an unknown or write-only format, ``FileNotFoundError`` for a missing file.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"read: path must be a str or PathLike, received {type(path).__name__}")
    p = Path(path)
    if p.is_dir():  # before the suffix: a folder name usually has none
        raise IsADirectoryError(errno.EISDIR, "is a folder, expected a circuit file", str(p))
    suf = _suffix(p, fmt, "read")
    if not FORMATS[suf][0]:
        raise UnknownFormatError(f"read: format {suf!r} is write-only (structural Verilog)")
    if suf in (".aag", ".aig"):
        return read_aiger(p, binary=suf == ".aig")
    return read_blif(p)


def check_output_path(path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Check, before any work, that :func:`write` can write a circuit to ``path``: a known
    suffix (or ``fmt``) and a writable location. Raises :class:`UnknownFormatError` or an
    ``OSError`` naming ``path``; returns ``path`` as a Path."""
    p = Path(path)
    _suffix(p, fmt, "write")
    return check_writable(p)


def write(circuit: Circuit, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write ``circuit`` in the format of the suffix (``.aag``, ``.aig``, ``.blif``, ``.v``) or
    ``fmt``; names are kept (AIGER symbol table, BLIF/Verilog net names). Returns the path."""
    if not isinstance(circuit, Circuit):
        raise TypeError(f"write: circuit must be a Circuit, received {type(circuit).__name__}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"write: path must be a str or PathLike, received {type(path).__name__}")
    p = Path(path)
    suf = _suffix(p, fmt, "write")
    if suf in (".aag", ".aig"):
        data = write_aiger_bytes(circuit, binary=suf == ".aig")
    elif suf == ".blif":
        data = write_blif_text(circuit, model=_module_name(p)).encode()
    else:
        data = write_verilog_text(circuit, module=_module_name(p)).encode()
    atomic_write_bytes(p, data)
    return p


def _module_name(p: Path) -> str:
    stem = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in p.stem)
    if not stem or stem[0].isdigit():
        stem = "c_" + stem
    return stem
