"""The size-versus-error frontier of built circuits (SPEC 2.3).

C(f, ε) = min{|C| : err(C) ≤ ε} cannot be computed beyond tiny cases, so occam keeps a *frontier*:
the pairs (ε_j, s_j) of circuits actually built, with ε_j their error measured by simulating the
circuit (in one norm, ``"l2"`` or ``"linf"``, SPEC 1) and s_j their size |C| in the basis
{AND, OR, NOT}. From it

    C̄(ε) = min{s_j : ε_j ≤ ε}

is an upper bound on C(f, ε) (+∞ where no point qualifies). Constants are free: with the error of
the best constant c, ``constant_error`` = ‖f − c‖, C̄(ε) = 0 for ε ≥ ‖f − c‖; the constant acts as a
virtual point (‖f − c‖, 0) that dominates every built point of larger error.

Every point carries its provenance in a free ``meta`` dict (model, pruning, widths, ABC or not,
error against the network and against the target, AIG AND count, path of the ``.aig``, ...). The
frontier is written to and read from CSV (atomically); nested metadata travels as JSON in its cell.
Nothing here computes an error: the caller records a point only for a circuit it built and
simulated (SPEC 2.3), and :class:`FrontierPoint` refuses non-finite or negative values.

Use::

    fr = Frontier(norm="l2", constant_error=float(np.std(y)))    # best constant: the mean
    fr.add(err_l2, circuit.size, model="occam.pt", k=6, abc=True, aig="c.aig")
    fr.pareto()               # non-dominated points, by increasing error
    fr.upper_bound(0.05)      # C̄(0.05)
    fr.write_csv("frontier.csv"); Frontier.read_csv("frontier.csv")
    fr.plot("frontier.png")   # with the fitted rate of occam.htmc.estimates
"""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from occam._atomic import atomic_write_bytes
from occam.errors import FileFormatError, OccamError

__all__ = ["NORMS", "Frontier", "FrontierError", "FrontierPoint"]

NORMS = ("l2", "linf")
# columns the frontier owns in its CSV; metadata may not use these names
RESERVED_COLUMNS = ("role", "error", "gates", "norm", "pareto")
_INT = re.compile(r"^[+-]?\d+$")


class FrontierError(OccamError, ValueError):
    """A frontier point or argument that cannot be recorded (names the field and the value)."""


def _check_error(value: Any, name: str = "error") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise FrontierError(f"{name} must be a real number, received {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise FrontierError(f"{name} must be finite and >= 0, received {value!r}")
    return v


def _check_gates(value: Any, name: str = "gates") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise FrontierError(f"{name} must be a non-negative integer, received {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0 or v != math.floor(v):
        raise FrontierError(f"{name} must be a finite non-negative integer, received {value!r}")
    return int(v)


def _plain(value: Any) -> Any:
    """numpy scalars → Python numbers, paths → str; containers recursively."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value


def _check_norm(norm: Any) -> str:
    if norm not in NORMS:
        raise FrontierError(f"norm must be one of {NORMS}, received {norm!r}")
    return str(norm)


@dataclass(frozen=True)
class FrontierPoint:
    """One built circuit: its ``error`` (measured by simulation, in the frontier's norm), its size
    ``gates`` = |C| in {AND, OR, NOT} (SPEC 2.1), and provenance ``meta`` (read-only mapping).

    Raises :class:`FrontierError` for a non-finite or negative error, a non-integer or negative
    gate count, or a metadata key that is one of the reserved CSV columns
    (``role, error, gates, norm, pareto``).
    """

    error: float
    gates: int
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", _check_error(self.error))
        object.__setattr__(self, "gates", _check_gates(self.gates))
        if not isinstance(self.meta, Mapping):
            raise FrontierError(f"meta must be a mapping, received {type(self.meta).__name__}")
        meta = {}
        for k, v in self.meta.items():
            if not isinstance(k, str) or not k:
                raise FrontierError(f"meta keys must be non-empty strings, received {k!r}")
            if k in RESERVED_COLUMNS:
                raise FrontierError(f"meta key {k!r} is reserved (columns {RESERVED_COLUMNS})")
            meta[k] = _plain(v)
        object.__setattr__(self, "meta", MappingProxyType(meta))

    def dominates(self, other: FrontierPoint) -> bool:
        """``self`` is no worse in both error and gates and better in one."""
        return (
            self.error <= other.error
            and self.gates <= other.gates
            and (self.error < other.error or self.gates < other.gates)
        )

    def as_dict(self) -> dict[str, Any]:
        """``{"error", "gates", **meta}`` (a plain dict)."""
        return {"error": self.error, "gates": self.gates, **self.meta}


def _as_point(p: Any) -> FrontierPoint:
    if isinstance(p, FrontierPoint):
        return p
    if isinstance(p, Mapping):
        d = dict(p)
        if "error" not in d or "gates" not in d:
            raise FrontierError(f"a point given as a mapping needs 'error' and 'gates': {p!r}")
        meta = dict(d.pop("meta", {}) or {})
        err, gates = d.pop("error"), d.pop("gates")
        return FrontierPoint(err, gates, {**meta, **d})
    if isinstance(p, tuple) and len(p) in (2, 3):
        return FrontierPoint(*p)
    raise FrontierError(
        "a frontier point must be a FrontierPoint, an (error, gates[, meta]) tuple or a mapping "
        f"with 'error' and 'gates', received {p!r}"
    )


class Frontier:
    """The frontier of built circuits of one function in one norm (SPEC 2.3).

    ``Frontier(points=(), norm="l2", constant_error=None)``: ``points`` are
    :class:`FrontierPoint` objects, ``(error, gates[, meta])`` tuples or mappings with ``error``
    and ``gates`` (the other keys become metadata); ``constant_error`` = ‖f − c‖ for the best
    constant c (mean of f in L2, midrange in L∞), which makes C̄(ε) = 0 for ε ≥ it.

    Points keep their insertion order in :attr:`points`; :meth:`pareto` gives the non-dominated
    ones by increasing error, :meth:`upper_bound` evaluates C̄.
    """

    def __init__(
        self,
        points: Iterable[Any] = (),
        norm: str = "l2",
        constant_error: float | None = None,
    ) -> None:
        self._norm = _check_norm(norm)
        self._constant_error: float | None = None
        self.constant_error = constant_error
        self._points: list[FrontierPoint] = []
        self.extend(points)

    # ------------------------------------------------------------------ contents
    @property
    def norm(self) -> str:
        """``"l2"`` or ``"linf"``: the norm of every point's ``error``."""
        return self._norm

    @property
    def constant_error(self) -> float | None:
        """‖f − c‖ for the best constant c (None when unknown)."""
        return self._constant_error

    @constant_error.setter
    def constant_error(self, value: float | None) -> None:
        self._constant_error = None if value is None else _check_error(value, "constant_error")

    @property
    def points(self) -> tuple[FrontierPoint, ...]:
        """All recorded points, in insertion order."""
        return tuple(self._points)

    def __len__(self) -> int:
        return len(self._points)

    def __iter__(self) -> Iterator[FrontierPoint]:
        return iter(tuple(self._points))

    def __repr__(self) -> str:
        return (
            f"Frontier({len(self._points)} points, {len(self.pareto())} on the Pareto front, "
            f"norm={self._norm!r}, constant_error={self._constant_error!r})"
        )

    def add(
        self, error: float, gates: int, meta: Mapping[str, Any] | None = None, **more: Any
    ) -> FrontierPoint:
        """Record a built circuit of measured ``error`` and size ``gates``; ``meta`` and keyword
        arguments are its provenance. Returns the new point."""
        point = FrontierPoint(error, gates, {**(meta or {}), **more})
        self._points.append(point)
        return point

    def extend(self, points: Iterable[Any]) -> None:
        """Record several points (each as accepted by the constructor)."""
        new = [_as_point(p) for p in points]
        self._points.extend(new)

    # ------------------------------------------------------------------ the staircase
    def pareto_indices(self) -> list[int]:
        """Indices (into :attr:`points`) of the non-dominated points, by increasing error.

        A point is dropped when another has error ≤ and gates ≤ with one strict, when it repeats
        an earlier (error, gates) pair, or when the free constant dominates it (error ≥
        ``constant_error`` with gates > 0, or error > ``constant_error``).
        """
        pts = self._points
        order = sorted(range(len(pts)), key=lambda i: (pts[i].error, pts[i].gates, i))
        front: list[int] = []
        best = math.inf
        ce = self._constant_error
        for i in order:
            p = pts[i]
            if ce is not None and (p.error > ce or (p.error >= ce and p.gates > 0)):
                continue
            if p.gates < best:
                front.append(i)
                best = p.gates
        return front

    def pareto(self) -> list[FrontierPoint]:
        """Non-dominated points by increasing error (strictly decreasing gates); see
        :meth:`pareto_indices` for the rule."""
        return [self._points[i] for i in self.pareto_indices()]

    def pareto_mask(self) -> np.ndarray:
        """bool array over :attr:`points` (insertion order): True on the Pareto front."""
        mask = np.zeros(len(self._points), dtype=bool)
        mask[self.pareto_indices()] = True
        return mask

    def breakpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """The staircase of C̄: float64 errors (increasing) and gates (decreasing) of
        :meth:`pareto`, followed by (``constant_error``, 0) when the constant is known and not
        already a built point."""
        front = self.pareto()
        eps = [p.error for p in front]
        gates = [float(p.gates) for p in front]
        ce = self._constant_error
        if ce is not None and not (front and front[-1].gates == 0):
            eps.append(ce)
            gates.append(0.0)
        return np.asarray(eps, dtype=np.float64), np.asarray(gates, dtype=np.float64)

    def upper_bound(self, eps: Any) -> Any:
        """C̄(ε) = min{s_j : ε_j ≤ ε}, 0 for ε ≥ ``constant_error``, +∞ where nothing qualifies
        (SPEC 2.3). A scalar gives a float, an array gives a float64 array of its shape."""
        e = np.asarray(eps, dtype=np.float64)
        if np.isnan(e).any():
            raise FrontierError("upper_bound: eps must not be NaN")
        errs, gates = self.breakpoints()
        idx = np.searchsorted(errs, e, side="right") - 1
        out = np.where(idx >= 0, gates[np.clip(idx, 0, None)] if gates.size else np.inf, np.inf)
        out = np.asarray(out, dtype=np.float64)
        return float(out) if out.ndim == 0 else out

    def best_point(self, eps: float) -> FrontierPoint | None:
        """The built circuit that realises C̄(ε): fewest gates among the points with error ≤ ε
        (the smallest error among those on ties, then the first recorded); None when no point
        qualifies or when the free constant (ε ≥ ``constant_error``) has fewer gates."""
        e = _check_error(eps, "eps")
        best: FrontierPoint | None = None
        for i in self.pareto_indices():
            p = self._points[i]
            if p.error <= e:
                best = p
        ce = self._constant_error
        if best is not None and ce is not None and e >= ce and best.gates > 0:
            return None
        return best

    @property
    def min_error(self) -> float:
        """ε_min: the smallest recorded error (+∞ for an empty frontier)."""
        return min((p.error for p in self._points), default=math.inf)

    # ------------------------------------------------------------------ rows and CSV
    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per point (insertion order): ``role="circuit"``, ``error``, ``gates``,
        ``norm``, ``pareto`` (bool) and the metadata; then, when known, the constant as
        ``role="constant"``, ``error=constant_error``, ``gates=0``."""
        on_front = self.pareto_mask()
        rows = [
            {
                "role": "circuit",
                "error": p.error,
                "gates": p.gates,
                "norm": self._norm,
                "pareto": bool(on_front[i]),
                **p.meta,
            }
            for i, p in enumerate(self._points)
        ]
        if self._constant_error is not None:
            rows.append(
                {
                    "role": "constant",
                    "error": self._constant_error,
                    "gates": 0,
                    "norm": self._norm,
                    "pareto": True,
                }
            )
        return rows

    def csv_text(self) -> str:
        """The CSV text of :meth:`to_rows`; lists and dicts in metadata are written as JSON."""
        rows = self.to_rows()
        columns = list(RESERVED_COLUMNS)
        for row in rows:
            columns.extend(k for k in row if k not in columns)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k)) for k in columns})
        return buf.getvalue()

    def write_csv(self, path: str | Path) -> Path:
        """Write :meth:`csv_text` to ``path`` atomically; returns the path."""
        return atomic_write_bytes(path, self.csv_text().encode("utf-8"))

    @classmethod
    def read_csv(cls, path: str | Path, norm: str | None = None) -> Frontier:
        """Read a frontier written by :meth:`write_csv` (or any CSV with ``error`` and ``gates``
        columns). Cells parse back to bool, int, float, JSON list/dict or str; empty cells are
        absent keys. ``norm`` is checked against the file's ``norm`` column (default: the file's,
        else ``"l2"``). Raises :class:`~occam.errors.FileFormatError` naming the line."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise FileFormatError(path, 0, f"cannot read the frontier: {e}") from e
        return cls.from_csv_text(text, norm=norm, path=path)

    @classmethod
    def from_csv_text(
        cls, text: str, norm: str | None = None, path: str | Path | None = None
    ) -> Frontier:
        """Parse the text of a frontier CSV (see :meth:`read_csv`)."""
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        for col in ("error", "gates"):
            if col not in header:
                raise FileFormatError(path, 1, f"missing column {col!r} (header: {header})")
        if norm is not None:
            _check_norm(norm)
        file_norms: set[str] = set()
        points: list[FrontierPoint] = []
        constant: float | None = None
        for row in reader:
            line = reader.line_num
            if None in row:
                raise FileFormatError(path, line, "more cells than header columns")
            role = row.get("role") or "circuit"
            if row.get("norm"):
                file_norms.add(row["norm"])
            try:
                err = _check_error(_parse_number(row["error"], "error"))
                gates = _check_gates(_parse_number(row["gates"], "gates"))
            except FrontierError as e:
                raise FileFormatError(path, line, str(e)) from None
            if role == "constant":
                constant = err
                continue
            if role != "circuit":
                raise FileFormatError(path, line, f"role must be 'circuit' or 'constant': {role!r}")
            meta = {
                k: _parse_cell(v) for k, v in row.items() if k not in RESERVED_COLUMNS and v != ""
            }
            points.append(FrontierPoint(err, gates, meta))
        if len(file_norms) > 1:
            raise FileFormatError(path, 0, f"rows mix norms {sorted(file_norms)}")
        got = file_norms.pop() if file_norms else None
        if got is not None and got not in NORMS:
            raise FileFormatError(path, 0, f"unknown norm {got!r} (expected one of {NORMS})")
        if norm is not None and got is not None and got != norm:
            raise FileFormatError(path, 0, f"the file's norm is {got!r}, expected {norm!r}")
        return cls(points, norm=norm or got or "l2", constant_error=constant)

    # ------------------------------------------------------------------ plot
    def plot(self, path: str | Path, *, label: str = "frontier", **kwargs: Any) -> Path:
        """Log-log plot of gates against ε with the Pareto staircase and the fitted rate line
        (see :func:`occam.htmc.plot.plot_frontiers`)."""
        from occam.htmc.plot import plot_frontiers

        return plot_frontiers({label: self}, path, **kwargs)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, float):
        return repr(value)
    return value


def _parse_number(text: str | None, name: str) -> float:
    if text is None or text == "":
        raise FrontierError(f"{name} is empty")
    try:
        return float(text)
    except ValueError:
        raise FrontierError(f"{name} must be a number, received {text!r}") from None


def _parse_cell(text: str) -> Any:
    """CSV cell → bool, int, float, JSON list/dict, or the string itself."""
    if text in ("True", "False"):
        return text == "True"
    if _INT.match(text):
        return int(text)
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    try:
        return float(text)
    except ValueError:
        return text
