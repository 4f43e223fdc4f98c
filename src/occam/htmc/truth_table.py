"""The direct logic-synthesis route: truth table of the quantised target, minimised by ABC.

The baseline a logic-synthesis engineer would build without any network (issue 16 item 7): for a
target f: Ω → R^{d_out} on a box Ω, k input bits per coordinate (d·k ≤ 16 in total) and b output
bits per output,

1. enumerate all 2^{dk} input codes q ∈ [0, 2^k)^d of SPEC 2.2 (``occam.circuits.encoding``:
   coordinate-major, least significant bit first, so row r of the table has q_i =
   (r >> ik) mod 2^k) and evaluate f at the *cell centre* x_q = a + (q + ½) ρ / 2^k. enc_k maps
   every x of the cell [a + qρ/2^k, a + (q+1)ρ/2^k) to q (a floor, SPEC 2.2: the encoding itself
   has no representative point); the centre minimises the worst distance to the cell's points,
   hence the L∞ input-quantisation error of a Lipschitz f;
2. quantise each output uniformly to b bits over the range of the table: offset = min y,
   scale = (max y − min y)/(2^b − 1), z = round((y − offset)/scale) (unsigned), so that
   dec(z) = scale·z + offset (SPEC 2.2) and the output rounding error is ≤ scale/2;
3. build the multi-output table as a circuit (:func:`occam.circuits.tables.
   circuit_from_truth_table`, a shared ROBDD of multiplexers; of a few variable orders, most
   significant bits first, the one with the smallest ROBDD circuit), optimise it with an ABC
   script (default ``compress2rs; compress2rs``, ABC's strongest standard AIG script) and prove
   the result equivalent with ``cec`` (:func:`occam.circuits.abc.optimize_report`);
4. measure the error of the *optimised circuit* against f by simulating it on enc_k(x) and
   decoding (never by reading the table): L2 over n_eval points uniform on Ω (SPEC 1,
   (E‖f − dec∘C∘enc‖₂²)^{1/2}), L∞ over the same points plus the grid of every cell's lower edge
   and upper edge (just inside) in each coordinate, where a monotone piece of f is farthest from
   its centre value.

:func:`truth_table_frontier` sweeps (k, b) and records every circuit on a
:class:`~occam.htmc.frontier.Frontier` with its provenance. The target is any callable mapping
float64 ``(n, d)`` to array-likes of shape ``(n,)`` or ``(n, d_out)``, e.g. ``task.fn`` of
``occam.tasks`` (numpy); a torch model can be wrapped by its caller.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from occam.circuits import abc as abc_mod
from occam.circuits.core import Circuit
from occam.circuits.encoding import decode, encode, ints_to_bits
from occam.circuits.tables import circuit_from_truth_table
from occam.htmc.frontier import Frontier, FrontierError

__all__ = [
    "MAX_INPUT_BITS",
    "TruthTableCircuit",
    "truth_table_circuit",
    "truth_table_frontier",
]

MAX_INPUT_BITS = 16
MAX_OUTPUT_BITS = 16
DEFAULT_SCRIPT = "compress2rs; compress2rs"

Progress = Callable[[str, int, int], None]


def _bounds(domain: Any) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) float64 arrays of a Box, a (low, high) pair or a (d, 2) array."""
    if hasattr(domain, "lower") and hasattr(domain, "width"):
        low = np.asarray(domain.lower, dtype=np.float64)
        high = low + np.asarray(domain.width, dtype=np.float64)
    elif isinstance(domain, np.ndarray) and domain.ndim == 2 and domain.shape[1] == 2:
        low, high = domain[:, 0].astype(np.float64), domain[:, 1].astype(np.float64)
    elif isinstance(domain, (tuple, list)) and len(domain) == 2:
        low = np.atleast_1d(np.asarray(domain[0], dtype=np.float64))
        high = np.atleast_1d(np.asarray(domain[1], dtype=np.float64))
        low, high = np.broadcast_arrays(low, high)
    else:
        raise FrontierError(
            f"domain: expected a Box, a (low, high) pair or a (d, 2) array, received {domain!r}"
        )
    if low.ndim != 1 or not (np.isfinite(low).all() and np.isfinite(high).all()):
        raise FrontierError(f"domain: need finite 1-D bounds, received low={low}, high={high}")
    if not (high > low).all():
        raise FrontierError(f"domain: need high > low in every coordinate, received {low}, {high}")
    return np.array(low), np.array(high)


def _evaluate(fn: Callable[[np.ndarray], Any], x: np.ndarray, d_out: int | None) -> np.ndarray:
    y = np.asarray(fn(x), dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[0] != x.shape[0] or (d_out is not None and y.shape[1] != d_out):
        raise FrontierError(
            f"fn must map ({x.shape[0]}, {x.shape[1]}) inputs to ({x.shape[0]},) or "
            f"({x.shape[0]}, d_out) outputs, returned shape {y.shape}"
        )
    if not np.isfinite(y).all():
        raise FrontierError("fn returned non-finite values")
    return y


def _candidate_orders(d: int, k: int) -> dict[str, list[int]]:
    """Variable orders (root first) tried for the table circuit: most significant bits first,
    coordinate after coordinate (every permutation of the coordinates when d ≤ 3, else the
    given and the reversed one), and interleaved across coordinates. Column i·k + j is bit j of
    coordinate i."""
    perms = (
        list(itertools.permutations(range(d)))
        if d <= 3
        else [
            tuple(range(d)),
            tuple(reversed(range(d))),
        ]
    )
    orders = {
        "msb-first coordinates " + ",".join(map(str, p)): [
            i * k + j for i in p for j in range(k - 1, -1, -1)
        ]
        for p in perms
    }
    if d > 1:
        orders["msb-first interleaved"] = [
            i * k + j for j in range(k - 1, -1, -1) for i in range(d)
        ]
    return orders


def _table_circuit(table: np.ndarray, d: int, k: int) -> tuple[Circuit, str]:
    """The smallest shared-ROBDD circuit of ``table`` over :func:`_candidate_orders` (the
    classic BDD-size criterion for a variable order), with the name of its order."""
    best: tuple[Circuit, str] | None = None
    for name, order in _candidate_orders(d, k).items():
        c = circuit_from_truth_table(table, order=order)
        if best is None or c.size < best[0].size:
            best = (c, name)
    assert best is not None
    return best


@dataclass(frozen=True)
class TruthTableCircuit:
    """A truth-table + ABC circuit of a target and its measured errors.

    ``circuit`` (ABC's result, proved equivalent by ``cec`` to ``table_circuit``, the ROBDD
    circuit of the table, when ``verified``; that one is checked against the table
    exhaustively), ``k`` input bits per coordinate on ``domain_low``/``domain_high``, ``b``
    output bits per output decoded as ``scale``·z + ``offset`` (unsigned, per output);
    ``gates`` = |C| in {AND, OR, NOT}, ``aig_ands`` ABC's count, ``gates_table`` the size
    before ABC; ``error_l2`` and ``error_linf`` against the target, measured by simulating
    ``circuit`` (module docstring).
    """

    circuit: Circuit
    table_circuit: Circuit
    k: int
    b: int
    domain_low: tuple[float, ...]
    domain_high: tuple[float, ...]
    scale: tuple[float, ...]
    offset: tuple[float, ...]
    gates: int
    aig_ands: int
    gates_table: int
    verified: bool
    error_l2: float
    error_linf: float
    script: str
    n_eval: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def d_in(self) -> int:
        return len(self.domain_low)

    @property
    def d_out(self) -> int:
        return len(self.scale)

    def predict(self, x: Any) -> np.ndarray:
        """dec ∘ C ∘ enc_k (x): float64 ``(n, d_out)`` by simulating the circuit."""
        bits = encode(np.asarray(x, dtype=np.float64), (self.domain_low, self.domain_high), self.k)
        out = self.circuit.simulate(bits)
        return decode(out, False, self.scale, self.offset, [self.b] * self.d_out)

    def provenance(self) -> dict[str, Any]:
        """Metadata for a frontier point (SPEC 2.3) and the ``.json`` beside a written ``.aig``."""
        return {
            "method": "truth_table_abc",
            "input_bits": self.k,
            "output_bits": self.b,
            "n_input_bits": self.k * self.d_in,
            "domain": {"low": list(self.domain_low), "high": list(self.domain_high)},
            "signed": False,
            "scale": list(self.scale),
            "offset": list(self.offset),
            "gates_table": self.gates_table,
            "aig_ands": self.aig_ands,
            "abc": self.script,
            "verified": self.verified,
            "error_l2": self.error_l2,
            "error_linf": self.error_linf,
            "n_eval": self.n_eval,
            **self.meta,
        }


def _table(
    fn: Callable[[np.ndarray], Any], low: np.ndarray, high: np.ndarray, k: int, b: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bool table (2^{dk}, d_out·b), scale, offset) at the cell centres (module docstring)."""
    d = low.size
    r = np.arange(1 << (d * k), dtype=np.int64)
    q = np.stack([(r >> (i * k)) & ((1 << k) - 1) for i in range(d)], axis=1)
    x = low + (q + 0.5) * (high - low) / float(1 << k)
    y = _evaluate(fn, x, None)
    lo, hi = y.min(axis=0), y.max(axis=0)
    levels = (1 << b) - 1
    scale = np.where(hi > lo, (hi - lo) / levels, 1.0)
    z = np.clip(np.rint((y - lo) / scale), 0, levels).astype(np.int64)
    table = ints_to_bits(z, b).reshape(z.shape[0], -1)
    return table, scale, lo


def _eval_points(
    low: np.ndarray, high: np.ndarray, k: int, n_eval: int, seed: int, max_grid: int = 1 << 20
) -> np.ndarray:
    """n_eval uniform points on Ω plus, when it has at most ``max_grid`` points, the grid of cell
    edges: per coordinate every a + qρ/2^k and a + (q+1)ρ/2^k − (tiny)."""
    rng = np.random.default_rng(seed)
    d = low.size
    pts = [low + rng.random((n_eval, d)) * (high - low)]
    if (2 << k) ** d <= max_grid:
        axes = []
        for i in range(d):
            edges = low[i] + np.arange(1 << k) * (high[i] - low[i]) / float(1 << k)
            inner = np.nextafter(edges + (high[i] - low[i]) / float(1 << k), -np.inf)
            axes.append(np.concatenate([edges, inner]))
        grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
        pts.append(grid)
    return np.concatenate(pts, axis=0)


def truth_table_circuit(
    fn: Callable[[np.ndarray], Any],
    domain: Any,
    k: int,
    b: int,
    *,
    script: str | Sequence[str] = DEFAULT_SCRIPT,
    n_eval: int = 100_000,
    seed: int = 0,
    x_eval: np.ndarray | None = None,
) -> TruthTableCircuit:
    """Truth table of f quantised to ``k`` input bits per coordinate and ``b`` output bits,
    built as a circuit, optimised by ABC ``script`` (proved equivalent by ``cec``), with its
    error against ``fn`` measured by simulation (module docstring, steps 1-4).

    ``script`` may list several ABC scripts: each runs on the table circuit, the smallest result
    is kept (first on ties) and ``meta["abc_sizes"]`` gives every script's gate count.

    ``x_eval`` replaces the generated evaluation points (then ``n_eval`` is its length and L∞ is
    over those points). Raises :class:`~occam.htmc.frontier.FrontierError` for bad arguments
    (d·k > 16 input bits, b outside [1, 16]), :class:`occam.circuits.abc.AbcError` when ABC fails
    or ``cec`` does not prove equivalence.
    """
    low, high = _bounds(domain)
    d = low.size
    for name, v, hi in (("k", k, MAX_INPUT_BITS), ("b", b, MAX_OUTPUT_BITS)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= hi:
            raise FrontierError(f"{name} must be an int in [1, {hi}], received {v!r}")
    k, b = int(k), int(b)
    if d * k > MAX_INPUT_BITS:
        raise FrontierError(
            f"k={k} bits on {d} coordinates make {d * k} input bits; the truth table allows at "
            f"most {MAX_INPUT_BITS}"
        )
    table, scale, offset = _table(fn, low, high, k, b)
    d_out = scale.size
    built, order_name = _table_circuit(table, d, k)
    scripts = [script] if isinstance(script, str) else list(script)
    if not scripts:
        raise FrontierError("script: give at least one ABC script")
    reports = [abc_mod.optimize_report(built, s, verify=True) for s in scripts]
    best = min(range(len(scripts)), key=lambda i: reports[i].circuit.size)
    report = reports[best]
    circuit = report.circuit
    if x_eval is None:
        x = _eval_points(low, high, k, int(n_eval), seed)
        n_uniform = int(n_eval)
    else:
        x = np.asarray(x_eval, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != d or x.shape[0] == 0:
            raise FrontierError(f"x_eval must have shape (n, {d}), received {x.shape}")
        n_uniform = x.shape[0]
    y = _evaluate(fn, x, d_out)
    bits = encode(x, (low, high), k)
    pred = decode(circuit.simulate(bits), False, scale, offset, [b] * d_out)
    sq = ((pred - y) ** 2).sum(axis=1)
    return TruthTableCircuit(
        circuit=circuit,
        table_circuit=built,
        k=k,
        b=b,
        domain_low=tuple(low.tolist()),
        domain_high=tuple(high.tolist()),
        scale=tuple(scale.tolist()),
        offset=tuple(offset.tolist()),
        gates=circuit.size,
        aig_ands=report.aig_after if circuit is report.abc_circuit else report.aig_before,
        gates_table=built.size,
        verified=bool(report.verified),
        error_l2=float(math.sqrt(sq[:n_uniform].mean())),
        error_linf=float(np.abs(pred - y).max()),
        script=scripts[best],
        n_eval=n_uniform,
        meta={
            "variable_order": order_name,
            "abc_sizes": {s: r.circuit.size for s, r in zip(scripts, reports, strict=True)},
        },
    )


def constant_errors(
    fn: Callable[[np.ndarray], Any], domain: Any, *, n_eval: int = 100_000, seed: int = 0
) -> tuple[float, float]:
    """Errors of the best constants on the uniform evaluation sample: L2 of f − mean f
    (‖·‖₂ over outputs), and L∞ of f − midrange f."""
    low, high = _bounds(domain)
    rng = np.random.default_rng(seed)
    x = low + rng.random((int(n_eval), low.size)) * (high - low)
    y = _evaluate(fn, x, None)
    l2 = float(math.sqrt(((y - y.mean(axis=0)) ** 2).sum(axis=1).mean()))
    linf = float(((y.max(axis=0) - y.min(axis=0)) / 2).max())
    return l2, linf


def truth_table_frontier(
    fn: Callable[[np.ndarray], Any],
    domain: Any,
    ks: Iterable[int],
    bs: Iterable[int],
    *,
    norm: str = "l2",
    script: str | Sequence[str] = DEFAULT_SCRIPT,
    n_eval: int = 100_000,
    seed: int = 0,
    progress: Progress | None = None,
    meta: dict[str, Any] | None = None,
) -> tuple[Frontier, list[TruthTableCircuit]]:
    """Build :func:`truth_table_circuit` for every (k, b) in ``ks × bs`` with d·k ≤ 16 and record
    each verified circuit on a :class:`~occam.htmc.frontier.Frontier` in ``norm`` (error_l2 or
    error_linf), with its provenance plus ``meta``; the constant's error (mean or midrange on
    the same uniform sample) is the frontier's ``constant_error``. Returns the frontier and the
    circuits in build order. ``progress(name, i, n)`` is called after each build."""
    low, high = _bounds(domain)
    grid = [(int(k), int(b)) for k, b in itertools.product(ks, bs) if low.size * int(k) <= 16]
    if not grid:
        raise FrontierError("truth_table_frontier: no (k, b) with d·k ≤ 16 input bits")
    l2, linf = constant_errors(fn, (low, high), n_eval=n_eval, seed=seed)
    frontier = Frontier(norm=norm, constant_error=l2 if norm == "l2" else linf)
    built: list[TruthTableCircuit] = []
    for i, (k, b) in enumerate(grid):
        c = truth_table_circuit(fn, (low, high), k, b, script=script, n_eval=n_eval, seed=seed)
        if c.verified:
            err = c.error_l2 if norm == "l2" else c.error_linf
            frontier.add(err, c.gates, {**c.provenance(), **(meta or {})})
        built.append(c)
        if progress is not None:
            progress("truth table + ABC", i + 1, len(grid))
    return frontier, built
