"""Brute-force minimum circuit sizes over {AND, OR, NOT} for functions of at most 3 inputs.

An independent reference for :mod:`occam.circuits.exact` (SPEC 2.6): no SAT, no encoding, just
breadth-first search over *sets of computed functions*. A function of ``n`` inputs is an integer
``f`` whose bit ``r`` is its value on row ``r`` (input ``i`` of row ``r`` is ``(r >> i) & 1``).

A circuit with gates ``g_1..g_s`` computes the set ``S = {f_{g_1}, .., f_{g_s}}`` beside the free
inputs and constants; gate ``s+1`` can compute ``¬a``, ``a ∧ b`` or ``a ∨ b`` for ``a, b`` in
``inputs ∪ S``. Level ``s`` of the search is the family of all sets reachable with ``s`` gates
(a minimum circuit never recomputes a function it already has, so each gate adds a new one), and
``size(f) = min{s : f ∈ inputs ∪ consts ∪ S for some S at level s}``. Every level is exhaustive,
so the sizes are exact.

With ``symmetry=True`` sets are stored up to the 2·n! symmetries that preserve circuit size:
permutations of the inputs and duality ``f ↦ f*``, ``f*(x) = ¬f(¬x)`` (swap AND and OR in the
circuit); a found size is given to the whole orbit. ``symmetry=False`` stores every set (slower;
used in tests to check the reduction).
"""

from __future__ import annotations

import itertools

__all__ = ["minimum_size_of_set", "minimum_sizes", "table_to_int"]


def table_to_int(column: object) -> int:
    """Truth table column (0/1 or bools, row 0 first) → int with bit ``r`` = value on row ``r``."""
    f = 0
    for r, b in enumerate(column):  # type: ignore[call-overload]
        if b:
            f |= 1 << r
    return f


def _input_functions(n: int) -> list[int]:
    rows = 1 << n
    return [sum(1 << r for r in range(rows) if (r >> i) & 1) for i in range(n)]


def _symmetry_tables(n: int) -> list[list[int]]:
    rows = 1 << n
    n_funcs = 1 << rows
    tables = []
    for perm in itertools.permutations(range(n)):
        row_map = [sum(1 << perm[i] for i in range(n) if (r >> i) & 1) for r in range(rows)]
        permuted = []
        for f in range(n_funcs):
            g = 0
            for r in range(rows):
                if (f >> r) & 1:
                    g |= 1 << row_map[r]
            permuted.append(g)
        tables.append(permuted)
        dual = []
        for f in range(n_funcs):
            g = permuted[f]
            dual.append(sum(1 << r for r in range(rows) if not (g >> (rows - 1 - r)) & 1))
        tables.append(dual)
    return tables


def minimum_sizes(n_inputs: int, max_size: int = 16, *, symmetry: bool = True) -> dict[int, int]:
    """Minimum circuit size of every function of ``n_inputs <= 3`` inputs reachable with at most
    ``max_size`` gates, as ``{truth table int: size}`` (see the module docstring).

    Functions missing from the result need more than ``max_size`` gates. Runs in about 10 s for
    ``n_inputs = 3`` (the largest minimum size there is 8).
    """
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or not 0 <= n_inputs <= 3:
        raise ValueError(f"minimum_sizes: n_inputs must be an int in [0, 3], received {n_inputs!r}")
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
        raise ValueError(f"minimum_sizes: max_size must be an int >= 0, received {max_size!r}")
    rows = 1 << n_inputs
    full = (1 << rows) - 1
    n_funcs = 1 << rows
    xs = _input_functions(n_inputs)
    tables = _symmetry_tables(n_inputs) if symmetry else [list(range(n_funcs))]
    best: dict[int, int] = {0: 0, full: 0}
    for x in xs:
        best[x] = 0

    def found(g: int, s: int) -> None:
        for t in tables:
            best.setdefault(t[g], s)

    level: list[tuple[int, ...]] = [()]
    for s in range(1, max_size + 1):
        if len(best) == n_funcs or not level:
            break
        # 1) record the functions first reached with s gates
        for st in level:
            avail = xs + list(st)
            for a in avail:
                if (full ^ a) not in best:
                    found(full ^ a, s)
            for a, b in itertools.combinations(avail, 2):
                if (a & b) not in best:
                    found(a & b, s)
                if (a | b) not in best:
                    found(a | b, s)
        if len(best) == n_funcs or s == max_size:
            break
        # 2) build level s (sets of s distinct non-trivial functions), up to symmetry
        nxt: set[tuple[int, ...]] = set()
        for st in level:
            avail = xs + list(st)
            have = set(avail)
            cands = {full ^ a for a in avail}
            for a, b in itertools.combinations(avail, 2):
                cands.add(a & b)
                cands.add(a | b)
            for g in cands:
                if g in have or g == 0 or g == full:
                    continue
                new = (*st, g)
                nxt.add(min(tuple(sorted(t[h] for h in new)) for t in tables))
        level = list(nxt)
    return best


def minimum_size_of_set(n_inputs: int, targets: list[int], max_size: int = 12) -> int | None:
    """Minimum number of gates of a circuit computing every function in ``targets`` (several
    outputs), by the same breadth-first search without the symmetry reduction; ``None`` if it
    exceeds ``max_size``. Intended for ``n_inputs <= 2`` (or small sizes)."""
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or not 0 <= n_inputs <= 3:
        raise ValueError(
            f"minimum_size_of_set: n_inputs must be an int in [0, 3], received {n_inputs!r}"
        )
    rows = 1 << n_inputs
    full = (1 << rows) - 1
    xs = _input_functions(n_inputs)
    free = {0, full, *xs}
    need = set(targets) - free
    level: set[frozenset[int]] = {frozenset()}
    for s in range(max_size + 1):
        if any(need <= st for st in level):
            return s
        nxt: set[frozenset[int]] = set()
        for st in level:
            avail = xs + sorted(st)
            cands = {full ^ a for a in avail}
            for a, b in itertools.combinations(avail, 2):
                cands.add(a & b)
                cands.add(a | b)
            for g in cands - free - st:
                nxt.add(st | {g})
        level = nxt
    return None
