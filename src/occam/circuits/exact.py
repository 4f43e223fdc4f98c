"""Exact synthesis (SPEC 2.6): a minimum-size circuit over {AND, OR, NOT} for a tiny function.

Given a truth table ``t_o(r)`` (row ``r`` has input ``i`` equal to ``(r >> i) & 1``, as in
:meth:`Circuit.truth_table`) and optionally a set of care rows ``R``, :func:`minimum_circuit`
finds ``C(f, 0) = min{|C| : C(r) = t_o(r) for all r ∈ R and all outputs o}`` with a SAT solver.
NOT is a gate and counts in the size; constants and inputs are free.

**Model.** A circuit over {AND, OR, NOT} is the same thing as a DAG of ``m`` binary AND/OR gates
whose edges may be complemented, where every node used complemented somewhere pays for one NOT
gate: ``|C| = m + #{nodes j used complemented}`` (NOTs of NOTs and repeated NOTs of one node never
occur in a minimum circuit). For ``m = 0, 1, 2, ...`` binary gates the search asks whether a
circuit with ``m`` gates and at most ``k`` complemented nodes exists (see *Search order*).

**Encoding** for ``m`` gates over ``n`` inputs (nodes ``0..n-1`` inputs, ``n..n+m-1`` gates; one
:class:`pysat.formula.IDPool` keyed by readable tuples, STYLE 7):

* ``("op", g, "AND")``/``("op", g, "OR")`` — gate type (exactly one);
* ``("sel0", g, j)``, ``("sel1", g, k)`` — the two inputs, one-hot over nodes ``< g``, ``j < k``;
  ``("neg0", g)``, ``("neg1", g)`` — whether each input is complemented;
* ``("val", g, r)`` — the gate's value on care row ``r``; ``("in0", g, r)``/``("in1", g, r)``
  its (complemented) input values: ``sel0(g,j) → in0(g,r) = val(j,r) ⊕ neg0(g)`` (input values are
  constants); ``AND: val = in0 ∧ in1``, ``OR: val = in0 ∨ in1``;
* ``("out", o, j)`` (one-hot) and ``("oneg", o)``: output ``o`` is node ``j``, complemented or
  not, ``val(j,r) ⊕ oneg(o) = t_o(r)``; with one output and ``m ≥ 1`` it is the last gate;
* ``("not", j)`` — node ``j`` is used complemented (implied by every complemented use); the
  bound ``Σ_j not(j) ≤ k`` is a totalizer (:class:`pysat.card.ITotalizer`) whose output is
  assumed false, so one solver per ``m`` serves every size ``s = m + k`` and keeps what it learnt.

**Search order.** Sizes ``s = 1, 2, ...``; for each, every split ``s = m + k`` (``k <= n + m``)
is asked; the first satisfiable call gives a circuit of exactly ``s`` gates and all smaller sizes
are refuted, so it is a minimum.

**Symmetry breaking** (each rule keeps at least one minimum circuit): every gate is used by a
later gate or an output; a gate with both inputs complemented is not used complemented (its De
Morgan dual, applied to gates in topological order, costs no more); no gate computes, on ``R``, a
constant, an input, the complement of an input, or the same function as an earlier gate or its
complement (replacing it by a complemented edge costs at most the gate it removes); consecutive
gates ``g, g+1`` where ``g+1`` does not read ``g`` are in co-lexicographic order of their input
pairs ``(sel1, sel0)``; for inputs ``i < j`` the function is symmetric in (on ``R``), no gate reads
``x_j`` before some gate reads ``x_i``. (Swapping such adjacent gates, or relabelling ``x_i ↔ x_j``,
keeps the other rules and makes the sequence of pairs lexicographically smaller, so the smallest
member of the set of minimum circuits satisfies all rules.)

Every SAT call runs under a budget (``time_limit`` seconds overall, enforced by interrupting the
solver, and an optional ``conf_budget`` of conflicts per call) through ``solve_limited``; a
``None`` answer becomes ``status="unknown"`` and is never read as unsatisfiable. Every decoded
circuit is re-simulated against the target (by an independent pure-Python evaluator) before it is
returned.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pysat.card import CardEnc, EncType, ITotalizer
from pysat.formula import IDPool
from pysat.solvers import Solver

from occam.circuits.core import Circuit, Op
from occam.circuits.traverse import fold_gates
from occam.result import OptimizeResult

__all__ = ["OUTCOMES", "ExactResult", "minimum_circuit", "parse_truth_table", "truth_table_string"]

MAX_INPUTS = 6
#: python-sat solvers whose ``interrupt`` is honoured (needed for ``time_limit``)
INTERRUPTIBLE = ("glucose4", "glucose3", "glucose42", "minisat22", "maplechrono", "maplesat")


#: readable name of each status of :class:`ExactResult` (the shared scale of occam.result)
OUTCOMES = {0: "optimal", 1: "unknown", 2: "infeasible"}


class ExactResult(OptimizeResult):
    """Outcome of :func:`minimum_circuit` (occam's result convention, :mod:`occam.result`).

    ``status`` is 0 (optimal: ``circuit`` has the minimum size ``size``), 1 (the budget ran out:
    ``lower_bound`` gates are proved necessary; ``circuit``/``size`` hold the best circuit found
    so far, if any, which is an upper bound only) or 2 (infeasible: no circuit with at most
    ``max_gates`` gates; ``lower_bound = max_gates + 1``); ``outcome`` names it ("optimal",
    "unknown", "infeasible") and ``message`` says what was proved. ``success`` is
    ``status == 0``. ``solve_times``/``answers`` map each SAT call ``(m, k)`` (``m`` binary
    gates, at most ``k`` NOTs) to its seconds and answer (``"sat"``, ``"unsat"``,
    ``"unknown"``). Fields: ``circuit``, ``size``, ``status``, ``success``, ``message``,
    ``lower_bound``, ``n_inputs``, ``solve_times``, ``answers``.
    """

    @property
    def outcome(self) -> str:
        return OUTCOMES[self.status]

    @property
    def total_time(self) -> float:
        return float(sum(self.solve_times.values()))


# ------------------------------------------------------------------------------- truth tables
def parse_truth_table(text: str) -> np.ndarray:
    """Parse ``"0x8"`` (hex) or ``"1000"`` (binary) into a bool table of shape ``(2**n,)``.

    The string lists rows from the last (``r = 2**n - 1``) to the first (``r = 0``), the usual
    convention (ABC's ``read_truth``): ``"1000"``/``"0x8"`` is ``x0 ∧ x1``, ``"0xE8"`` is the
    3-input majority. Several outputs are separated by commas and give shape ``(2**n, m)``.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_truth_table: text must be a str, received {type(text).__name__}")
    parts = [p.strip() for p in text.split(",")]
    cols = []
    for p in parts:
        if p.lower().startswith("0x"):
            digits = p[2:].replace("_", "")
            if not digits or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError(f"parse_truth_table: bad hex truth table {p!r}")
            bits = "".join(f"{int(c, 16):04b}" for c in digits)
        else:
            bits = p.replace("_", "")
            if not bits or any(c not in "01" for c in bits):
                raise ValueError(
                    f"parse_truth_table: expected hex '0x..' or a binary string, received {p!r}"
                )
        n_rows = len(bits)
        if n_rows & (n_rows - 1):
            raise ValueError(
                f"parse_truth_table: length must be a power of two (2**n rows), {p!r} has {n_rows}"
            )
        cols.append(np.array([c == "1" for c in reversed(bits)], dtype=bool))
    if len({c.size for c in cols}) != 1:
        raise ValueError("parse_truth_table: all outputs must have the same number of rows")
    return cols[0] if len(cols) == 1 else np.stack(cols, axis=1)


def truth_table_string(table: Any) -> str:
    """Inverse of :func:`parse_truth_table` for one output: hex when ``2**n >= 4``, else binary."""
    t = np.asarray(table, dtype=bool).reshape(-1)
    bits = "".join("1" if b else "0" for b in t[::-1])
    if t.size >= 4:
        return "0x" + "".join(f"{int(bits[i : i + 4], 2):x}" for i in range(0, len(bits), 4))
    return bits


def _as_table(truth_table: Any) -> np.ndarray:
    if isinstance(truth_table, str):
        t = parse_truth_table(truth_table)
    else:
        t = np.asarray(truth_table)
        if t.dtype != bool:
            if t.size and not np.isin(t, (0, 1)).all():
                raise ValueError("minimum_circuit: truth_table entries must be 0/1 or bool")
            t = t.astype(bool)
    if t.ndim == 1:
        t = t[:, None]
    if t.ndim != 2 or t.shape[0] == 0 or t.shape[1] == 0:
        raise ValueError(
            f"minimum_circuit: truth_table must have shape (2**n,) or (2**n, m), received {t.shape}"
        )
    n_rows = t.shape[0]
    if n_rows & (n_rows - 1):
        raise ValueError(
            f"minimum_circuit: truth_table must have 2**n rows, received {n_rows} rows"
        )
    n = n_rows.bit_length() - 1
    if n > MAX_INPUTS:
        raise ValueError(f"minimum_circuit: at most {MAX_INPUTS} inputs, received {n}")
    return t


# ------------------------------------------------------------------------------- encoding
# ------------------------------------------------------------------------------- encoding
def _exactly_one(lits: list[int], pool: IDPool, clauses: list[list[int]]) -> None:
    if len(lits) == 1:
        clauses.append(list(lits))
        return
    enc = EncType.pairwise if len(lits) <= 12 else EncType.seqcounter
    clauses.extend(CardEnc.equals(lits=lits, bound=1, vpool=pool, encoding=enc).clauses)


class _Cnf:
    """Clause list with Python-bool constants folded away (``True`` satisfies, ``False`` drops)."""

    def __init__(self) -> None:
        self.pool = IDPool()
        self.clauses: list[list[int]] = []

    def v(self, key: tuple) -> int:
        return self.pool.id(key)

    def add(self, *lits: int | bool) -> None:
        out = []
        for x in lits:
            if x is True:
                return
            if x is not False:
                out.append(x)
        self.clauses.append(out)


def _neg(x: int | bool) -> int | bool:
    return (not x) if isinstance(x, bool) else -x


def symmetric_pairs(n: int, care: list[int], targets: list[np.ndarray]) -> list[tuple[int, int]]:
    """Pairs ``i < j`` of inputs that every target is symmetric in on the care rows: the care set
    is closed under swapping bits ``i`` and ``j`` and each target is unchanged by the swap."""
    care_set = set(care)
    pairs = []
    for i, j in itertools.combinations(range(n), 2):
        ok = True
        for r in care:
            r2 = r
            if ((r >> i) & 1) != ((r >> j) & 1):
                r2 = r ^ (1 << i) ^ (1 << j)
            if r2 not in care_set or any(bool(t[r]) != bool(t[r2]) for t in targets):
                ok = False
                break
        if ok:
            pairs.append((i, j))
    return pairs


class _Encoding(_Cnf):
    """The CNF of ``m`` binary gates over ``n`` inputs on the care rows (module docstring)."""

    def __init__(self, n: int, m: int, care: list[int]) -> None:
        super().__init__()
        self.n, self.m, self.care = n, m, care

    def val(self, j: int, r: int) -> int | bool:
        """Value of node ``j`` on row ``r``: a constant for an input, else a variable."""
        return bool((r >> j) & 1) if j < self.n else self.v(("val", j, r))

    def sel_var(self, port: str, g: int, j: int) -> int | bool:
        """``sel0(g, j)`` exists for ``j <= g - 2``, ``sel1(g, j)`` for ``1 <= j <= g - 1``."""
        ok = j <= g - 2 if port == "sel0" else 1 <= j <= g - 1
        return self.v((port, g, j)) if ok else False


def _encode(
    n: int, m: int, care: list[int], targets: list[np.ndarray], sym: list[tuple[int, int]]
) -> _Cnf:
    """CNF of the module docstring for ``m`` binary gates; ``targets`` are the outputs to build,
    ``sym`` the symmetric input pairs (:func:`symmetric_pairs`)."""
    f = _Encoding(n, m, care)
    for g in range(n, n + m):
        _gate_clauses(f, g)
    _output_clauses(f, targets)
    _symmetry_breaking(f, len(targets), sym)
    return f


def _gate_clauses(f: _Encoding, g: int) -> None:
    """Gate ``g``: type, one-hot ordered inputs, (complemented) input values, its value, and the
    rule that it equals no constant, input, earlier gate or complement of one on the care rows."""
    v, add, care = f.v, f.add, f.care
    _exactly_one([v(("op", g, "AND")), v(("op", g, "OR"))], f.pool, f.clauses)
    _exactly_one([v(("sel0", g, j)) for j in range(g - 1)], f.pool, f.clauses)
    _exactly_one([v(("sel1", g, k)) for k in range(1, g)], f.pool, f.clauses)
    for j in range(g - 1):
        for k in range(1, j + 1):  # inputs strictly ordered: sel0 < sel1
            add(-v(("sel0", g, j)), -v(("sel1", g, k)))
    is_or = v(("op", g, "OR"))
    for port, lo, hi in (("0", 0, g - 1), ("1", 1, g)):
        neg = v(("neg" + port, g))
        for j in range(lo, hi):
            sel = v(("sel" + port, g, j))
            add(-sel, -neg, v(("not", j)))  # a complemented use needs node j's NOT
            for r in care:
                y, x = v(("in" + port, g, r)), f.val(j, r)
                # y = x xor neg
                add(-sel, -y, x, neg)
                add(-sel, -y, _neg(x), -neg)
                add(-sel, y, _neg(x), neg)
                add(-sel, y, x, -neg)
    # a gate with both inputs complemented is never used complemented: otherwise its De
    # Morgan dual (the other type on uncomplemented inputs, uses flipped) costs no more
    add(-v(("neg0", g)), -v(("neg1", g)), -v(("not", g)))
    for r in care:
        z, a, b = v(("val", g, r)), v(("in0", g, r)), v(("in1", g, r))
        add(is_or, -z, a)
        add(is_or, -z, b)
        add(is_or, z, -a, -b)
        add(-is_or, z, -a)
        add(-is_or, z, -b)
        add(-is_or, -z, a, b)
    # no gate equal (on the care rows) to a constant, an input or its complement, or an
    # earlier gate or its complement
    zs = [v(("val", g, r)) for r in care]
    add(*zs)
    add(*[-z for z in zs])
    for i in range(f.n):
        add(*[-z if (r >> i) & 1 else z for z, r in zip(zs, care, strict=True)])
        add(*[z if (r >> i) & 1 else -z for z, r in zip(zs, care, strict=True)])
    for h in range(f.n, g):
        for kind in ("ne", "eq"):
            ds = [v((kind, g, h, r)) for r in care]
            add(*ds)
            for d, z, r in zip(ds, zs, care, strict=True):
                w = v(("val", h, r))
                if kind == "ne":
                    add(-d, z, w)
                    add(-d, -z, -w)
                else:
                    add(-d, z, -w)
                    add(-d, -z, w)


def _single_output(f: _Encoding, n_targets: int) -> bool:
    """With one output and ``m >= 1`` gates the output is the last gate."""
    return n_targets == 1 and f.m >= 1


def _output_clauses(f: _Encoding, targets: list[np.ndarray]) -> None:
    """Output ``o`` is node ``out(o, ·)`` complemented ``oneg(o)``, equal to ``t_o`` on care."""
    v, add = f.v, f.add
    last = f.n + f.m - 1
    for o, t in enumerate(targets):
        cands = [last] if _single_output(f, len(targets)) else list(range(f.n + f.m))
        _exactly_one([v(("out", o, j)) for j in cands], f.pool, f.clauses)
        oneg = v(("oneg", o))
        for j in cands:
            sel = v(("out", o, j))
            add(-sel, -oneg, v(("not", j)))
            for r in f.care:
                x = f.val(j, r)
                # x xor oneg == t[r]
                if t[r]:
                    add(-sel, x, oneg)
                    add(-sel, _neg(x), -oneg)
                else:
                    add(-sel, _neg(x), oneg)
                    add(-sel, x, -oneg)


def _symmetry_breaking(f: _Encoding, n_targets: int, sym: list[tuple[int, int]]) -> None:
    """The symmetry-breaking rules of the module docstring that span several gates."""
    v, add, n, m = f.v, f.add, f.n, f.m
    gates = range(n, n + m)
    last = n + m - 1
    single = _single_output(f, n_targets)
    # every gate is used by a later gate or an output
    for g in gates:
        users = [f.sel_var(p, h, g) for h in range(g + 1, n + m) for p in ("sel0", "sel1")]
        users += [v(("out", o, g)) for o in range(n_targets) if not single or g == last]
        if single and g == last:
            continue
        add(*users)
    # symmetric inputs i < j: x_j is not read before x_i is (relabelling i <-> j otherwise makes
    # the key sequence lexicographically smaller at the first gate reading either)
    for i, j in sym:
        for g in gates:
            earlier_i = [f.sel_var(p, h, i) for h in range(n, g + 1) for p in ("sel0", "sel1")]
            for p in ("sel0", "sel1"):
                lit = f.sel_var(p, g, j)
                if lit is not False:
                    add(-lit, *earlier_i)
    # consecutive independent gates in co-lexicographic order of (sel1, sel0)
    for g in range(n, n + m - 1):
        h = g + 1
        for k in range(1, g):
            for k2 in range(1, k):  # sel1(h) < sel1(g): h cannot read g
                add(-v(("sel1", g, k)), -v(("sel1", h, k2)))
            for j in range(k):
                for j2 in range(j):  # equal sel1, sel0(h) < sel0(g)
                    add(
                        -v(("sel1", g, k)),
                        -v(("sel1", h, k)),
                        -v(("sel0", g, j)),
                        -v(("sel0", h, j2)),
                    )


def _decode(
    f: _Cnf, model: list[int], n: int, m: int, n_targets: int
) -> tuple[list[int], list[tuple[int, int]], list[int]]:
    """Gates and output nodes (Circuit numbering) of a model; NOT gates are created on demand."""
    pos = {lit for lit in model if lit > 0}

    def true(key: tuple) -> bool:
        return f.pool.obj2id.get(key, 0) in pos

    ops: list[int] = []
    fan: list[tuple[int, int]] = []
    node = [2 + i for i in range(n)]
    not_node: dict[int, int] = {}

    def lit(j: int, negated: bool) -> int:
        if not negated:
            return node[j]
        if j not in not_node:
            not_node[j] = n + 2 + len(ops)
            ops.append(int(Op.NOT))
            fan.append((node[j], node[j]))
        return not_node[j]

    for g in range(n, n + m):
        j = next(j for j in range(g) if true(("sel0", g, j)))
        k = next(k for k in range(g) if true(("sel1", g, k)))
        a, b = lit(j, true(("neg0", g))), lit(k, true(("neg1", g)))
        ops.append(int(Op.OR if true(("op", g, "OR")) else Op.AND))
        fan.append((a, b))
        node.append(n + 2 + len(ops) - 1)
    outs = []
    for o in range(n_targets):
        j = next(j for j in range(n + m) if true(("out", o, j)))
        outs.append(lit(j, true(("oneg", o))))
    return ops, fan, outs


def _simulate_python(c: Circuit) -> list[int]:
    """Truth tables (ints, bit r = row r) of the outputs by a plain per-gate loop."""
    rows = 1 << c.n_inputs
    full = (1 << rows) - 1
    vals = [0, full]
    for i in range(c.n_inputs):
        vals.append(sum(1 << r for r in range(rows) if (r >> i) & 1))
    vals = fold_gates(c, vals, int.__and__, int.__or__, lambda a: full ^ a)
    return [vals[o] for o in c.outputs.tolist()]


# ------------------------------------------------------------------------------- driver
class _Budget:
    def __init__(self, time_limit: float | None, conf_budget: int | None) -> None:
        # inf means no deadline: a Timer cannot wait an infinite time (OverflowError)
        unlimited = time_limit is None or math.isinf(time_limit)
        self.deadline = None if unlimited else time.monotonic() + float(time_limit)
        self.time_limit = time_limit
        self.conf_budget = conf_budget

    def solve(self, sat: Solver, assumptions: list[int]) -> bool | None:
        if self.conf_budget is not None:
            sat.conf_budget(self.conf_budget)
        timer = None
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                return None
            timer = threading.Timer(remaining, sat.interrupt)
            timer.start()
        try:
            return sat.solve_limited(assumptions=assumptions, expect_interrupt=True)
        finally:
            if timer is not None:
                timer.cancel()
            sat.clear_interrupt()


def minimum_circuit(
    truth_table: Any,
    rows: Iterable[int] | None = None,
    *,
    max_gates: int = 40,
    time_limit: float | None = 60.0,
    conf_budget: int | None = None,
    solver: str = "glucose4",
    symmetry: bool = True,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
) -> ExactResult:
    """A minimum-size {AND, OR, NOT} circuit for ``truth_table`` (SPEC 2.6).

    Parameters
    ----------
    truth_table : bool/0-1 array ``(2**n,)`` or ``(2**n, m)`` (row ``r`` has input ``i`` equal
        to ``(r >> i) & 1``), or a string for :func:`parse_truth_table`; ``n <= 6``.
    rows : optional care rows; the circuit must agree with the table on these rows only.
    max_gates : largest size searched; if none exists the status is 2 (infeasible).
    time_limit : seconds for the whole search (``None``: none, then give ``conf_budget``;
        ``math.inf``: explicitly none, the search is bounded by ``max_gates`` only); enforced
        by interrupting the solver, so ``solver`` must be in :data:`INTERRUPTIBLE`.
    conf_budget : optional conflict budget per SAT call.
    solver : python-sat solver name.
    symmetry : break the symmetry between inputs the function is symmetric in (on the care rows).

    Returns an :class:`ExactResult`. ``solve_times``/``answers`` are keyed by ``(m, k)``: ``m``
    binary gates and at most ``k`` NOT gates, i.e. the size bound ``m + k``.

    Over 80 lines only through this docstring; the body is validation and one call to the search.
    """
    t = _as_table(truth_table)
    n_rows = t.shape[0]
    n = n_rows.bit_length() - 1
    if rows is None:
        care = list(range(n_rows))
    else:
        care = sorted({int(r) for r in rows})
        if any(r < 0 or r >= n_rows for r in care):
            raise ValueError(f"minimum_circuit: rows must lie in [0, {n_rows}), received {care}")
    if isinstance(max_gates, bool) or not isinstance(max_gates, (int, np.integer)) or max_gates < 0:
        raise ValueError(f"minimum_circuit: max_gates must be an int >= 0, received {max_gates!r}")
    if time_limit is not None and not time_limit > 0:  # also refuses NaN
        raise ValueError(
            "minimum_circuit: time_limit must be > 0 (inf: no limit) or None, "
            f"received {time_limit}"
        )
    if conf_budget is not None and (not isinstance(conf_budget, int) or conf_budget < 1):
        raise ValueError(
            f"minimum_circuit: conf_budget must be an int >= 1, received {conf_budget}"
        )
    if time_limit is None and conf_budget is None:
        raise ValueError(
            "minimum_circuit: give a time_limit or a conf_budget (never run unbounded)"
        )
    if time_limit is not None and solver not in INTERRUPTIBLE:
        raise ValueError(
            f"minimum_circuit: with time_limit the solver must be one of {INTERRUPTIBLE} "
            f"(its interrupt is honoured), received {solver!r}"
        )

    targets = _Targets.of(t, care, n, input_names, output_names)
    result = ExactResult(
        circuit=None,
        size=None,
        status=1,
        message="",
        lower_bound=0,
        n_inputs=n,
        solve_times={},
        answers={},
    )
    budget = _Budget(time_limit, conf_budget)
    best = _search(targets, result, budget, max_gates, solver, symmetry)
    if best is not None:
        result.circuit = targets.circuit(best)
        result.size = result.circuit.size
    if "unknown" in result.answers.values():
        result.status = 1
        result.message = (
            f"budget exhausted (time_limit={time_limit}, conf_budget={conf_budget}); "
            f"at least {result.lower_bound} gates are needed"
        )
    elif best is None:
        result.status = 2
        result.lower_bound = max_gates + 1
        result.message = f"no circuit with at most max_gates={max_gates} gates"
    else:
        result.status = 0
        result.lower_bound = result.size
        result.message = f"minimum size {result.size}; every smaller size proved impossible"
    result.success = result.status == 0
    return result


@dataclass(frozen=True)
class _Targets:
    """The outputs to synthesise: trivial ones (equal on the care rows to a constant or an input:
    node ids, free), the distinct non-trivial ones (``targets``, their output indices ``index``)
    and ``alias`` (output → an equal non-trivial output)."""

    table: np.ndarray
    care: list[int]
    n: int
    trivial: dict[int, int]
    index: list[int]
    alias: dict[int, int]
    input_names: Sequence[str] | None
    output_names: Sequence[str] | None

    @property
    def targets(self) -> list[np.ndarray]:
        return [self.table[:, o] for o in self.index]

    @classmethod
    def of(cls, t: np.ndarray, care: list[int], n: int, input_names, output_names) -> _Targets:
        trivial: dict[int, int] = {}
        for o in range(t.shape[1]):
            col = t[care, o]
            if not col.any() or col.all():
                trivial[o] = 0 if not col.any() else 1
                continue
            for i in range(n):
                if all(bool((r >> i) & 1) == t[r, o] for r in care):
                    trivial[o] = 2 + i
                    break
        index: list[int] = []
        alias: dict[int, int] = {}
        for o in range(t.shape[1]):
            if o in trivial:
                continue
            q = next((q for q in index if np.array_equal(t[care, o], t[care, q])), None)
            if q is None:
                index.append(o)
            else:
                alias[o] = q
        return cls(t, care, n, trivial, index, alias, input_names, output_names)

    def circuit(self, best: tuple[list[int], list[tuple[int, int]], list[int]]) -> Circuit:
        """The circuit of a decoded model (``best``: gates and the non-trivial outputs' nodes),
        re-simulated against the target on the care rows by an independent evaluator."""
        ops, fan, outs_t = best
        outputs = [0] * self.table.shape[1]
        for o, node_id in self.trivial.items():
            outputs[o] = node_id
        for q, o in enumerate(self.index):
            outputs[o] = outs_t[q]
        for o, q in self.alias.items():
            outputs[o] = outputs[q]
        c = Circuit(
            self.n,
            np.array(ops, dtype=np.uint8),
            np.array(fan, dtype=np.int64).reshape(-1, 2),
            np.array(outputs, dtype=np.int64),
            self.input_names,
            self.output_names,
        )
        got = _simulate_python(c)
        for o in range(self.table.shape[1]):
            if any(bool((got[o] >> r) & 1) != bool(self.table[r, o]) for r in self.care):
                raise RuntimeError(  # an encoding bug; never return a wrong circuit
                    f"minimum_circuit: decoded circuit differs from the target on output {o}"
                )
        return c


def _search(
    targets: _Targets,
    result: ExactResult,
    budget: _Budget,
    max_gates: int,
    solver: str,
    symmetry: bool,
) -> tuple[list[int], list[tuple[int, int]], list[int]] | None:
    """The search order of the module docstring. Records every SAT call in ``result`` (times,
    answers, ``lower_bound``) and returns the decoded minimum, or None when no size up to
    ``max_gates`` is satisfiable or the budget ran out (an "unknown" answer is recorded)."""
    n, care, goal = targets.n, targets.care, targets.targets
    if not goal:
        return [], [], []
    sym = symmetric_pairs(n, care, goal) if symmetry else []
    solvers: dict[int, tuple[Solver, _Cnf, ITotalizer]] = {}
    try:
        for size in range(1, max_gates + 1):
            result.lower_bound = size
            for m in range(size + 1):
                k = size - m  # NOT gates allowed with m binary gates
                if k > n + m:  # no tighter than k = n + m, refuted at a smaller size
                    continue
                if m not in solvers:
                    cnf = _encode(n, m, care, goal, sym)
                    not_lits = [cnf.v(("not", j)) for j in range(n + m)]
                    tot = ITotalizer(lits=not_lits, ubound=len(not_lits), top_id=cnf.pool.top)
                    sat = Solver(name=solver, bootstrap_with=cnf.clauses + tot.cnf.clauses)
                    solvers[m] = (sat, cnf, tot)
                sat, cnf, tot = solvers[m]
                assumptions = [-tot.rhs[k]] if k < len(tot.rhs) else []
                t0 = time.perf_counter()
                answer = budget.solve(sat, assumptions)
                result.solve_times[(m, k)] = time.perf_counter() - t0
                result.answers[(m, k)] = {None: "unknown", True: "sat", False: "unsat"}[answer]
                if answer is None:
                    return None
                if answer:
                    return _decode(cnf, sat.get_model(), n, m, len(goal))
    finally:
        for sat, _, tot in solvers.values():
            sat.delete()
            tot.delete()
    return None
