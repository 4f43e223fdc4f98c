"""Bit-parallel simulation of AND/OR/NOT circuits (SPEC 2.1) on packed ``uint64`` words.

A pattern is one assignment of the input bits; 64 patterns share one ``uint64`` word, bit ``b`` of
word ``w`` holding pattern ``64 w + b``. Every node's value on a block of patterns is a row of words
and a gate is one word-wise operation on its fanin rows:
``AND: v[g] = v[a] & v[b]``, ``OR: v[g] = v[a] | v[b]``, ``NOT: v[g] = ~v[a]``.

Two engines, both levelised (a gate is evaluated only after its fanins):

* ``"numba"`` (default): a compiled kernel that walks the gates in topological order over a *block*
  of words at a time, so the rows of the block stay in cache. Rows are recycled: a row is freed
  after the last gate that reads it (a linear-scan register allocation computed once per circuit),
  so the working set is the number of simultaneously live nodes, not the circuit size. NOT gates
  cost no pass of their own: they become complement masks on the edges that read them
  (:class:`SimPlan`).
* ``"numpy"``: a pure numpy reference, vectorised across the gates of one ASAP level (SPEC 2.1
  layering); used as an independent cross-check in tests.

This module works on plain arrays; :class:`occam.circuits.core.Circuit` wraps it.
"""

from __future__ import annotations

import itertools

import numpy as np
from numba import njit

from occam.circuits.traverse import output_cone

__all__ = [
    "ALL_ONES",
    "SimPlan",
    "asap_levels",
    "block_words",
    "pack_bits",
    "simulate_words_numba",
    "simulate_words_numpy",
    "unpack_bits",
]

ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)

#: bytes of simulation state the numba engine aims to keep per block (the order of an L2 cache);
#: a block never drops below ``_MIN_BLOCK`` words, where the per-gate overhead would dominate.
#: On the benchmark machine (512 KiB L2 per core) a block sweep of 16..512 words showed that
#: amortising the per-gate overhead matters more than staying strictly inside L2.
_CACHE_BYTES = 1024 * 1024
_MIN_BLOCK = 64
_MAX_BLOCK = 256


# --------------------------------------------------------------------------- packing


@njit(cache=True, boundscheck=False)
def _pack_kernel(bits, words):  # pragma: no cover - numba
    # one pass over the rows in memory order; the m accumulators of a 64-row block stay in L1 and
    # the OR over i vectorises (the transposing np.packbits route costs 4x more)
    n, m = bits.shape
    acc = np.zeros(m, dtype=np.uint64)
    for w in range(words.shape[1]):
        acc[:] = 0
        p0 = 64 * w
        for b in range(min(64, n - p0)):
            row = bits[p0 + b]
            sh = np.uint64(b)
            for i in range(m):
                acc[i] |= np.uint64(row[i]) << sh
        for i in range(m):
            words[i, w] = acc[i]


@njit(cache=True, boundscheck=False)
def _unpack_kernel(words, n, out):  # pragma: no cover - numba
    m = words.shape[0]
    acc = np.zeros(m, dtype=np.uint64)
    one = np.uint64(1)
    for w in range(words.shape[1]):
        for i in range(m):
            acc[i] = words[i, w]
        p0 = 64 * w
        for b in range(min(64, n - p0)):
            row = out[p0 + b]
            sh = np.uint64(b)
            for i in range(m):
                row[i] = (acc[i] >> sh) & one


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack a boolean array ``(n, m)`` into words ``(m, ceil(n/64))``, pattern ``p`` in bit
    ``p % 64`` of word ``p // 64`` (padding bits are 0)."""
    bits = np.ascontiguousarray(np.asarray(bits, dtype=bool))
    n, m = bits.shape
    words = np.empty((m, (n + 63) // 64), dtype=np.uint64)
    if words.size:
        _pack_kernel(bits.view(np.uint8), words)
    return words


def unpack_bits(words: np.ndarray, n: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: words ``(m, n_words)`` to booleans ``(n, m)``."""
    words = np.ascontiguousarray(words, dtype=np.uint64)
    out = np.empty((int(n), words.shape[0]), dtype=np.uint8)
    if out.size:
        _unpack_kernel(words, int(n), out)
    return out.view(bool)


# --------------------------------------------------------------------------- structure


@njit(cache=True)
def asap_levels(n_inputs: int, fanins: np.ndarray) -> np.ndarray:  # pragma: no cover - numba
    """ASAP level of every node: 0 for constants and inputs, ``1 + max(level of fanins)`` for a
    gate (SPEC 2.1). Requires fanins to refer to smaller node ids."""
    base = n_inputs + 2
    n_gates = fanins.shape[0]
    level = np.zeros(base + n_gates, dtype=np.int64)
    for g in range(n_gates):
        la = level[fanins[g, 0]]
        lb = level[fanins[g, 1]]
        level[base + g] = (la if la > lb else lb) + 1
    return level


@njit(cache=True)
def _complement_roots(n_inputs: int, ops: np.ndarray, fanins: np.ndarray):  # pragma: no cover
    """Absorb NOT gates into edges: node ``v`` equals ``root[v]`` complemented ``neg[v]`` times,
    where ``root[v]`` is a constant, an input, an AND or an OR (never a NOT)."""
    base = n_inputs + 2
    n_nodes = base + ops.shape[0]
    root = np.arange(n_nodes)
    neg = np.zeros(n_nodes, dtype=np.uint8)
    for g in range(ops.shape[0]):
        if ops[g] == 2:
            a = fanins[g, 0]
            root[base + g] = root[a]
            neg[base + g] = neg[a] ^ 1
    return root, neg


@njit(cache=True)
def _dfs_order(n_inputs, ops, fanins, outputs, root):  # pragma: no cover
    """AND/OR gates in the output cones, in depth-first post-order from the outputs (each
    gate right after its fanins), with fanins resolved through NOTs."""
    base = n_inputs + 2
    n_gates = ops.shape[0]
    state = np.zeros(base + n_gates, dtype=np.uint8)  # 0 new, 1 expanded, 2 emitted
    order = np.empty(n_gates, dtype=np.int64)
    n = 0
    stack = np.empty(2 * n_gates + 1, dtype=np.int64)
    for o in range(outputs.shape[0]):
        r = root[outputs[o]]
        if r < base or state[r] != 0:
            continue
        top = 0
        stack[0] = r
        while top >= 0:
            v = stack[top]
            if state[v] == 0:
                state[v] = 1
                g = v - base
                for k in (1, 0):  # push b then a, so a is evaluated first
                    u = root[fanins[g, k]]
                    if u >= base and state[u] == 0:
                        top += 1
                        stack[top] = u
            else:
                top -= 1
                if state[v] == 1:
                    state[v] = 2
                    order[n] = v - base
                    n += 1
    return order[:n]


@njit(cache=True)
def _allocate(n_inputs, fanins, outputs, root, order):  # pragma: no cover
    """Linear-scan allocation of value rows ("slots") along ``order``.

    Constants and inputs own slots ``0 .. n_inputs+1``. A gate's row is freed after the last
    step that reads it, unless it drives an output. Returns ``(slot_of_node, n_slots)``."""
    base = n_inputs + 2
    n_nodes = base + fanins.shape[0]
    n_steps = order.shape[0]
    last = np.full(n_nodes, -1, dtype=np.int64)
    for t in range(n_steps):
        g = order[t]
        last[root[fanins[g, 0]]] = t
        last[root[fanins[g, 1]]] = t
    for o in range(outputs.shape[0]):
        last[root[outputs[o]]] = n_steps  # never freed
    slot = np.full(n_nodes, -1, dtype=np.int64)
    for i in range(base):
        slot[i] = i
    free = np.empty(n_steps + 1, dtype=np.int64)
    n_free = 0
    n_slots = base
    for t in range(n_steps):
        g = order[t]
        a = root[fanins[g, 0]]
        b = root[fanins[g, 1]]
        # release fanins read for the last time; the gate may then write over one of them
        # (dst == src is safe: each word is read before it is written).
        if a >= base and last[a] == t:
            free[n_free] = slot[a]
            n_free += 1
        if b != a and b >= base and last[b] == t:
            free[n_free] = slot[b]
            n_free += 1
        if n_free > 0:
            n_free -= 1
            s = free[n_free]
        else:
            s = n_slots
            n_slots += 1
        slot[base + g] = s
    return slot, n_slots


class SimPlan:
    """Execution plan of the numba engine for one circuit (computed once, cached by
    :class:`~occam.circuits.core.Circuit`).

    NOT gates are absorbed into complemented edges (``v[g] = (v[a] ⊕ m_a) ∘ (v[b] ⊕ m_b)`` with
    masks ``m ∈ {0, 2^64 − 1}``), gates outside every output cone are skipped, and of two
    topological orders (index order and depth-first post-order from the outputs) the one needing
    fewer live rows is kept; rows are then recycled by linear scan.
    """

    __slots__ = (
        "dst",
        "mask_a",
        "mask_b",
        "n_slots",
        "ops",
        "order",
        "out_mask",
        "out_slot",
        "slot",
        "src_a",
        "src_b",
    )

    def __init__(self, n_inputs: int, ops: np.ndarray, fanins: np.ndarray, outputs: np.ndarray):
        ops = np.ascontiguousarray(ops, dtype=np.uint8)
        fanins = np.ascontiguousarray(fanins, dtype=np.int64).reshape(-1, 2)
        outputs = np.ascontiguousarray(outputs, dtype=np.int64)
        root, neg = _complement_roots(n_inputs, ops, fanins)
        best = None
        base = n_inputs + 2
        # AND/OR gates in the output cones in index order (a live NOT's root is live as well)
        live = output_cone(base, fanins, outputs)[base:]
        index_order = np.flatnonzero(live & (ops != 2)).astype(np.int64)
        for order in (index_order, _dfs_order(n_inputs, ops, fanins, outputs, root)):
            slot, n_slots = _allocate(n_inputs, fanins, outputs, root, order)
            if best is None or n_slots < best[2]:
                best = (order, slot, n_slots)
        order, slot, n_slots = best
        fa = fanins[order]
        self.order = order
        self.slot = slot
        self.n_slots = int(n_slots)
        self.ops = ops[order]
        self.src_a = slot[root[fa[:, 0]]]
        self.src_b = slot[root[fa[:, 1]]]
        self.mask_a = np.where(neg[fa[:, 0]] == 1, ALL_ONES, np.uint64(0)).astype(np.uint64)
        self.mask_b = np.where(neg[fa[:, 1]] == 1, ALL_ONES, np.uint64(0)).astype(np.uint64)
        self.dst = slot[base + order]
        self.out_slot = slot[root[outputs]]
        self.out_mask = np.where(neg[outputs] == 1, ALL_ONES, np.uint64(0)).astype(np.uint64)


def block_words(n_slots: int) -> int:
    """Words per block for the numba engine: as many as keep ``n_slots`` rows within about
    ``_CACHE_BYTES`` bytes, clipped to ``[_MIN_BLOCK, _MAX_BLOCK]`` and a multiple of 8."""
    b = _CACHE_BYTES // (8 * max(n_slots, 1))
    b = max(_MIN_BLOCK, min(_MAX_BLOCK, b))
    return int(b - b % 8) or _MIN_BLOCK


# --------------------------------------------------------------------------- numba engine


@njit(cache=True, boundscheck=False)
def _simulate_kernel(
    n_inputs, n_slots, ops, src_a, mask_a, src_b, mask_b, dst, out_slot, out_mask, words, out, block
):  # pragma: no cover - numba
    # Rows are taken as 1-D views (vd, va, vb): LLVM then vectorises the word loops (AVX), which
    # it does not do for offsets into one flat array.
    n_words = words.shape[1]
    vals = np.empty((max(n_slots, n_inputs + 2), block), dtype=np.uint64)
    ones = np.uint64(0xFFFFFFFFFFFFFFFF)
    zero = np.uint64(0)
    for start in range(0, n_words, block):
        w = min(block, n_words - start)
        v0 = vals[0]
        v1 = vals[1]
        for j in range(w):
            v0[j] = zero
            v1[j] = ones
        for i in range(n_inputs):
            vi = vals[2 + i]
            for j in range(w):
                vi[j] = words[i, start + j]
        for t in range(ops.shape[0]):
            vd = vals[dst[t]]
            va = vals[src_a[t]]
            vb = vals[src_b[t]]
            ma = mask_a[t]
            mb = mask_b[t]
            if ma == zero and mb == zero:  # the common case, without the two XORs
                if ops[t] == 0:
                    for j in range(w):
                        vd[j] = va[j] & vb[j]
                else:
                    for j in range(w):
                        vd[j] = va[j] | vb[j]
            elif ops[t] == 0:
                for j in range(w):
                    vd[j] = (va[j] ^ ma) & (vb[j] ^ mb)
            else:
                for j in range(w):
                    vd[j] = (va[j] ^ ma) | (vb[j] ^ mb)
        for o in range(out_slot.shape[0]):
            vo = vals[out_slot[o]]
            mo = out_mask[o]
            for j in range(w):
                out[o, start + j] = vo[j] ^ mo


def simulate_words_numba(
    n_inputs: int,
    ops: np.ndarray,
    fanins: np.ndarray,
    outputs: np.ndarray,
    words: np.ndarray,
    plan: SimPlan | None = None,
    block: int | None = None,
) -> np.ndarray:
    """Compiled blocked simulation; ``words`` is ``(n_inputs, n_words)`` uint64.

    ``plan`` is a :class:`SimPlan` of the circuit (computed when omitted); ``block`` the words per
    block (chosen by :func:`block_words` when omitted).
    """
    if plan is None:
        plan = SimPlan(n_inputs, ops, fanins, outputs)
    if block is None:
        block = block_words(plan.n_slots)
    words = np.ascontiguousarray(words, dtype=np.uint64)
    out = np.empty((outputs.shape[0], words.shape[1]), dtype=np.uint64)
    if words.shape[1] == 0:
        return out
    _simulate_kernel(
        n_inputs,
        plan.n_slots,
        plan.ops,
        plan.src_a,
        plan.mask_a,
        plan.src_b,
        plan.mask_b,
        plan.dst,
        plan.out_slot,
        plan.out_mask,
        words,
        out,
        int(block),
    )
    return out


# --------------------------------------------------------------------------- numpy engine


def simulate_words_numpy(
    n_inputs: int,
    ops: np.ndarray,
    fanins: np.ndarray,
    outputs: np.ndarray,
    words: np.ndarray,
    levels: np.ndarray | None = None,
) -> np.ndarray:
    """Reference simulation, vectorised across the gates of each ASAP level.

    Keeps one row per node, so memory is ``8 (n_inputs + 2 + n_gates) n_words`` bytes.
    """
    base = n_inputs + 2
    n_gates = ops.shape[0]
    words = np.asarray(words, dtype=np.uint64)
    n_words = words.shape[1]
    vals = np.empty((base + n_gates, n_words), dtype=np.uint64)
    vals[0] = 0
    vals[1] = ALL_ONES
    vals[2:base] = words
    if n_gates:
        if levels is None:
            levels = asap_levels(n_inputs, fanins)
        gate_levels = levels[base:]
        order = np.argsort(gate_levels, kind="stable")
        bounds = np.searchsorted(gate_levels[order], np.arange(1, gate_levels.max() + 2))
        for lo, hi in itertools.pairwise(bounds):
            gates = order[lo:hi]
            for op, fn in ((0, np.bitwise_and), (1, np.bitwise_or)):
                sel = gates[ops[gates] == op]
                if sel.size:
                    vals[base + sel] = fn(vals[fanins[sel, 0]], vals[fanins[sel, 1]])
            sel = gates[ops[gates] == 2]
            if sel.size:
                vals[base + sel] = np.invert(vals[fanins[sel, 0]])
    return vals[outputs].copy()
