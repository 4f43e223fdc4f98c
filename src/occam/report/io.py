"""Atomic file output for reports and results (temporary file in the same folder + os.replace)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any

from occam._atomic import atomic_write_bytes as _atomic_write_bytes


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file next to it, fsync, os.replace."""
    return _atomic_write_bytes(path, data)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def jsonable(value: Any, *, keep_nonfinite: bool = False) -> Any:
    """Plain JSON data: non-finite floats as None (kept when ``keep_nonfinite``), numpy/torch
    scalars as Python numbers, tuples as lists, paths as strings (the one JSON cleaning of
    occam)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, keep_nonfinite=keep_nonfinite) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, keep_nonfinite=keep_nonfinite) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value) and not keep_nonfinite:
        return None
    return value


def write_json(path: str | Path, obj: Any, *, keep_nonfinite: bool = False) -> Path:
    """JSON (indent 2, non-finite floats as null), written atomically. ``keep_nonfinite`` writes
    them as ``Infinity``/``NaN`` instead (Python's JSON dialect: for files occam itself reads
    back with :func:`read_json`, such as cached experiment parts)."""
    text = json.dumps(
        jsonable(obj, keep_nonfinite=keep_nonfinite), indent=2, allow_nan=keep_nonfinite
    )
    return atomic_write_text(path, text + "\n")


def read_json(path: str | Path) -> Any:
    """The data of a JSON file written by :func:`write_json` (``Infinity``/``NaN`` accepted)."""
    return json.loads(Path(path).read_text())


def column_union(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key of ``rows``, in the order first seen (the header of a table of mixed rows)."""
    return list(dict.fromkeys(k for row in rows for k in row))


def csv_text(rows: Iterable[Mapping[str, Any]], fieldnames: Sequence[str] | None = None) -> str:
    """Rows of dicts as CSV text; the header is ``fieldnames`` or :func:`column_union` of the rows
    (missing cells and None are empty)."""
    rows = list(rows)
    if fieldnames is None:
        fieldnames = column_union(rows)
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=list(fieldnames), lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in fieldnames})
    return buf.getvalue()


def write_csv(
    path: str | Path, rows: Iterable[Mapping[str, Any]], fieldnames: Sequence[str] | None = None
) -> Path:
    """CSV written atomically."""
    return atomic_write_text(path, csv_text(rows, fieldnames))
