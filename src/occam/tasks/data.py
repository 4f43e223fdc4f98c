"""User data as a task: ``load_data(path, x_cols=None, y_cols=None)`` for CSV and NPZ files.

CSV (suffix ``.csv`` or ``.txt``): comma-separated numbers, one sample per line.
- Header: optional and detected. Line 1 is a header exactly when *none* of its cells parses as a
  number; then its cells name the columns (they must be unique). A first line that mixes numbers
  and text is an error, not a header. A first line that reads exactly ``0,1,...,n-1`` (the header
  pandas and numpy write for unnamed columns, but also a possible data row) is refused as
  ambiguous: pass ``header=True`` (it names the columns "0", "1", ...) or ``header=False`` (it is
  data). ``header=True``/``False`` also overrides the detection for any other file.
- Columns: ``y_cols`` defaults to the last column, ``x_cols`` to every column not in ``y_cols``.
  Each may be an int, a column name (needs a header) or a sequence of them; negative ints count
  from the end.
- Blank lines at the end of the file are ignored; a blank line between data lines is an error.

NPZ (suffix ``.npz``): arrays ``"x"`` (n, d_in) or (n,) and ``"y"`` (n, d_out) or (n,), loaded with
``allow_pickle=False``; ``x_cols`` / ``y_cols`` select columns of ``x`` and ``y``.

Every defect — missing or unreadable file, empty file, ragged rows, non-numeric cells, NaN or
infinite values, x/y row-count mismatch — raises :class:`DataError` (a ``ValueError``) naming the
file and the 1-based line (CSV) or row (NPZ). Nothing is dropped silently.

The task's domain Ω is the bounding box of x; a coordinate where all samples agree is padded to
[v − 0.5, v + 0.5] so that Ω has positive width.
"""

from __future__ import annotations

import csv
import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from occam.errors import FileFormatError
from occam.tasks.box import Box, as_box
from occam.tasks.task import Task

ColumnSpec = int | str | Sequence[int | str] | None
DEGENERATE_PAD = 0.5


class DataError(FileFormatError):
    """A data file that cannot be used as it is: ``str(err)`` is ``"FILE, line N, column C: what"``.

    A :class:`~occam.errors.FileFormatError` (so an :class:`~occam.errors.OccamError` and a
    ``ValueError``) with attributes ``path``, ``line`` (1-based; 0 when no line applies, e.g. an
    NPZ array, whose row is then named in the reason), ``column`` (1-based or None) and ``reason``.
    """

    def __init__(
        self,
        path: str | Path | None,
        line: int,
        reason: str,
        *,
        column: int | None = None,
    ) -> None:
        super().__init__(path, line, reason)
        self.column = None if column is None else int(column)
        where = self.path
        if self.line > 0:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        self.args = (f"{where}: {reason}",)

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self):
        return (_rebuild_data_error, (self.path, self.line, self.reason, self.column))


def _rebuild_data_error(path: str, line: int, reason: str, column: int | None) -> DataError:
    return DataError(path, line, reason, column=column)


def _parse_number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _read_csv(path: Path, header_mode: bool | None = None) -> tuple[np.ndarray, list[str] | None]:
    """Parse a CSV file into a float64 matrix and its header (or None); ``header_mode`` as in
    :func:`load_data` (None: detect)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(path, 0, f"cannot read the file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            path, line, f"not a UTF-8 text file ({exc.reason} at byte {exc.start})"
        ) from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataError(path, 1, "the file is empty (no data lines)")
    header: list[str] | None = None
    rows: list[list[float]] = []
    n_cols: int | None = None
    for lineno, cells in enumerate(csv.reader(lines), start=1):
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            raise DataError(path, lineno, "blank line between data lines")
        cells = [c.strip() for c in cells]
        if n_cols is None:
            n_cols = len(cells)
            values = [_parse_number(c) for c in cells]
            if header_mode is None and _looks_like_index_header(values):
                raise DataError(
                    path,
                    1,
                    f"line 1 ({','.join(cells)}) is ambiguous: the column numbers 0..{n_cols - 1} "
                    "may be a header or a data row; say which with header=True/False "
                    "(command line: --header / --no-header)",
                )
            if header_mode or (header_mode is None and all(v is None for v in values)):
                if len(set(cells)) != len(cells):
                    raise DataError(path, 1, f"header has duplicate column names {cells}")
                header = cells
                continue
        elif len(cells) != n_cols:
            raise DataError(path, lineno, f"{len(cells)} cells, expected {n_cols} (as on line 1)")
        row: list[float] = []
        for col, cell in enumerate(cells, start=1):
            value = _parse_number(cell)
            if value is None:
                hint = " (a header line must contain no numbers)" if lineno == 1 else ""
                if any(sep in cell for sep in (";", "\t", " ")):
                    hint += " (cells must be separated by commas)"
                shown = repr(cell) if cell else "an empty cell"
                raise DataError(path, lineno, column=col, reason=f"{shown} is not a number{hint}")
            if not np.isfinite(value):
                raise DataError(path, lineno, column=col, reason=f"value {cell!r} is not finite")
            row.append(value)
        rows.append(row)
    if not rows:
        raise DataError(path, 2, "the file has a header line but no data lines")
    return np.asarray(rows, dtype=np.float64), header


def _looks_like_index_header(values: list[float | None]) -> bool:
    """True when line 1 is exactly 0, 1, ..., n−1 (what pandas and numpy write as the header of
    unnamed columns): as numbers it is also a valid data row, so neither reading is safe."""
    return len(values) >= 2 and values == [float(i) for i in range(len(values))]


def _npz_reason(exc: BaseException) -> str:
    """numpy's reason for refusing a file, without its advice to enable pickle loading."""
    text = str(exc)
    if "pickle" in text.lower():
        return "it holds pickled Python objects, which occam never loads"
    return text


def file_fingerprint(path: str | Path) -> str:
    """SHA-256 of the file's bytes (hex): stored with a trained model so that evaluating it later
    on an edited data file is refused rather than silently done on other data."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _resolve_columns(
    path: Path, spec: ColumnSpec, n_cols: int, header: list[str] | None, arg: str
) -> list[int] | None:
    if spec is None:
        return None
    items = [spec] if isinstance(spec, (int, str, np.integer)) else list(spec)
    if not items:
        raise DataError(path, 0, f"{arg} is empty; give at least one column")
    result = []
    for item in items:
        if isinstance(item, str):
            if header is None:
                raise DataError(
                    path, 0, f"{arg} names column {item!r} but the file has no header line"
                )
            if item not in header:
                raise DataError(path, 0, f"{arg}: no column named {item!r}; columns are {header}")
            result.append(header.index(item))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not -n_cols <= int(item) < n_cols:
                raise DataError(
                    path, 0, f"{arg}: column index {item} out of range for {n_cols} columns"
                )
            result.append(int(item) % n_cols)
        else:
            raise TypeError(f"{arg}: expected column indices or names, got {item!r}")
    if len(set(result)) != len(result):
        raise DataError(path, 0, f"{arg} selects a column twice: {items}")
    return result


def _split_columns(
    path: Path, n_cols: int, x_idx: list[int] | None, y_idx: list[int] | None
) -> tuple[list[int], list[int]]:
    if y_idx is None:
        y_idx = [n_cols - 1]
    if x_idx is None:
        x_idx = [c for c in range(n_cols) if c not in y_idx]
    both = sorted(set(x_idx) & set(y_idx))
    if both:
        raise DataError(path, 0, f"column(s) {both} (0-based) are in both x_cols and y_cols")
    if not x_idx:
        raise DataError(path, 1, f"no input columns (line 1 has {n_cols} column(s))")
    return x_idx, y_idx


def _check_finite(path: Path, array: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            path,
            0,
            f"{what} row {row + 1}, column {col + 1}: value {array[row, col]} is not finite",
        )


def _as_matrix(path: Path, data: np.lib.npyio.NpzFile, key: str) -> np.ndarray:
    if key not in data.files:
        raise DataError(path, 0, f"missing array {key!r} (the file has {sorted(data.files)})")
    try:
        array = data[key]
    except ValueError:
        raise DataError(
            path, 0, f"array {key!r} holds Python objects; occam reads only numeric arrays"
        ) from None
    if array.dtype.kind not in "biuf":
        raise DataError(
            path, 0, f"array {key!r} has non-numeric dtype {array.dtype}; expected real numbers"
        )
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise DataError(
            path, 0, f"array {key!r} must be 1-D or 2-D (n, columns), got shape {array.shape}"
        )
    return array.astype(np.float64)


def _read_npz(path: Path, x_cols: ColumnSpec, y_cols: ColumnSpec) -> tuple[np.ndarray, np.ndarray]:
    try:
        data = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise DataError(path, 0, f"not a readable .npz archive ({_npz_reason(exc)})") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise DataError(path, 0, "expected an .npz archive (arrays 'x' and 'y'), found one array")
    with data:
        try:
            x = _as_matrix(path, data, "x")
            y = _as_matrix(path, data, "y")
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DataError(path, 0, f"not a readable .npz archive ({exc})") from None
    if x.shape[0] != y.shape[0]:
        raise DataError(path, 0, f"x has {x.shape[0]} rows but y has {y.shape[0]} rows")
    if x.shape[0] == 0:
        raise DataError(path, 0, "the arrays are empty (0 rows)")
    if x.shape[1] == 0 or y.shape[1] == 0:
        raise DataError(path, 0, f"x and y need at least one column, got {x.shape}, {y.shape}")
    _check_finite(path, x, "x")
    _check_finite(path, y, "y")
    x_idx = _resolve_columns(path, x_cols, x.shape[1], None, "x_cols")
    y_idx = _resolve_columns(path, y_cols, y.shape[1], None, "y_cols")
    if x_idx is not None:
        x = x[:, x_idx]
    if y_idx is not None:
        y = y[:, y_idx]
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def bounding_box(x: np.ndarray, pad: float = DEGENERATE_PAD) -> Box:
    """The bounding box of the rows of x; coordinates of zero width become [v − pad, v + pad]."""
    low = x.min(axis=0)
    high = x.max(axis=0)
    flat = high <= low
    low = np.where(flat, low - pad, low)
    high = np.where(flat, high + pad, high)
    return Box.from_bounds(low, high)


def load_data(
    path: str | Path,
    x_cols: ColumnSpec = None,
    y_cols: ColumnSpec = None,
    *,
    domain: object = None,
    header: bool | None = None,
) -> Task:
    """Load a CSV or NPZ file as a data :class:`Task` (format rules in the module docstring).

    Parameters
    ----------
    path: the ``.csv``/``.txt`` or ``.npz`` file.
    x_cols, y_cols: input and output columns (default: y = last column, x = the rest; for NPZ the
        whole ``x`` and ``y`` arrays).
    domain: optional Ω (Box, (low, high) tuple, (d, 2) array or tensor); default: bounding box
        of x. Every sample must lie inside a given domain.
    header: CSV only: True if line 1 names the columns (also when the names are numbers), False
        if it is data, None (default) to detect it (see the module docstring).

    The task's ``params["sha256"]`` is the SHA-256 of the file (:func:`file_fingerprint`).

    Raises :class:`DataError` (a ``ValueError``) naming the file and line/row for any defect.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, 0, "no such file")
    if not path.is_file():
        raise DataError(path, 0, "not a regular file")
    suffix = path.suffix.lower()
    x_names: list[str] | None = None
    y_names: list[str] | None = None
    if suffix in (".csv", ".txt"):
        table, names = _read_csv(path, header)
        n_cols = table.shape[1]
        x_idx = _resolve_columns(path, x_cols, n_cols, names, "x_cols")
        y_idx = _resolve_columns(path, y_cols, n_cols, names, "y_cols")
        x_idx, y_idx = _split_columns(path, n_cols, x_idx, y_idx)
        x, y = table[:, x_idx], table[:, y_idx]
        if names is not None:
            x_names = [names[c] for c in x_idx]
            y_names = [names[c] for c in y_idx]
    elif suffix == ".npz":
        x, y = _read_npz(path, x_cols, y_cols)
    else:
        raise DataError(path, 0, f"unsupported suffix {path.suffix!r}; expected .csv, .txt or .npz")
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    if domain is None:
        box = bounding_box(x)
    else:
        box = as_box(domain, dim=x.shape[1], name="domain")
        outside = ~box.contains(x)
        if outside.any():
            row = int(np.flatnonzero(outside)[0])
            raise DataError(path, 0, f"sample {row + 1} lies outside the given domain")
    labels = np.unique(y)
    default_loss = "logistic" if y.shape[1] == 1 and set(labels.tolist()) <= {-1.0, 1.0} else "mse"
    params = {
        "path": str(path),
        "x_cols": _jsonable(x_cols),
        "y_cols": _jsonable(y_cols),
        "x_names": x_names,
        "y_names": y_names,
        "header": header,
        "sha256": file_fingerprint(path),
    }
    return Task(
        name=f"data:{path.name}",
        domain=box,
        d_in=x.shape[1],
        d_out=y.shape[1],
        data=(x, y),
        description=(
            f"{x.shape[0]} samples from {path.name} (d_in={x.shape[1]}, d_out={y.shape[1]})"
        ),
        params=params,
        default_loss=default_loss,
    )


def _jsonable(spec: ColumnSpec) -> object:
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, (int, np.integer)):
        return int(spec)
    return [s if isinstance(s, str) else int(s) for s in spec]
