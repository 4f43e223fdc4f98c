"""Tetrakis functions of Boolean circuits (SPEC 9.3; paper Prop 7).

For a circuit C whose inputs are the d coordinates of a grid point, each a (K+1)-bit unsigned
integer (LSB first, coordinate 0 first: input ``i·(K+1) + b`` is bit b of coordinate i), a decoder
dec (SPEC 2.2) and a domain Ω = Π[a_i, a_i + ρ_i],

    T_C(x) = Σ_j ω_j(x) dec(C(u_j(x))),     u = (x − a)/ρ · 2^K ∈ [0, 2^K]^d,

with (u_j, ω_j) the Tetrakis simplex of u (SPEC 9.1). :class:`TetrakisFunction` evaluates it by
simulating C once on the distinct vertices of positive weight of all points, and builds the whole
function as one explicit circuit (:meth:`TetrakisFunction.explicit_circuit`): fixed-point input,
locating circuit (t_i, a Batcher sorting network, the weights as differences, vertex selection),
d+1 copies of C and the weighted sum, whose size gives the HTMC bookkeeping of SPEC 9.3.

The explicit circuit is *exact* on its input grid: it reads x through enc_{K+F} (SPEC 2.2, F
fractional bits below the level-K grid), i.e. the point u_q = q/2^F with q = enc(x), computes the
weights ω_j·2^F as integers and outputs the integer Z = Σ_j (ω_j 2^F) z_j with z_j the integer
read from C(u_j); its decoder is scale·Z/2^F + offset. So dec(explicit(enc(x))) = T_C(u_q) with no
rounding at all, and for any x ∈ Ω the error is T_C(x) − T_C(x_q) where x_q = a + ρ·q/2^{K+F} is the
lower corner of x's encoding cell: |error| ≤ Lip_∞(T_C)·ρ/2^{K+F} per coordinate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from occam.circuits import arith
from occam.circuits.core import Builder, Circuit
from occam.circuits.encoding import decode, ints_to_bits, quantize
from occam.tasks.box import Box, as_box
from occam.tetrakis.grid import GridFunction, interpolate

__all__ = ["Decoder", "ExplicitTetrakis", "TetrakisFunction", "random_circuit"]


@dataclass(frozen=True)
class Decoder:
    """dec of SPEC 2.2: output bits split into groups of ``widths`` (default: one group of all
    bits), each read LSB first as an unsigned or two's complement integer z, mapped to
    ``scale·z + offset`` (scale and offset: scalars or one per group).

    The attribute names match :func:`occam.circuits.encoding.decode` and
    :func:`occam.tetrakis.resnet.decoder_affine`, so a Decoder can be passed to either.
    """

    signed: bool = False
    scale: float | tuple[float, ...] = 1.0
    offset: float | tuple[float, ...] = 0.0
    widths: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("scale", "offset"):
            v = getattr(self, name)
            if np.ndim(v) == 0:
                object.__setattr__(self, name, float(v))
            else:
                object.__setattr__(self, name, tuple(float(a) for a in np.ravel(v)))
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"Decoder: {name} must be finite, got {v!r}")
        if self.widths is not None:
            w = tuple(int(a) for a in self.widths)
            if not w or min(w) < 1:
                raise ValueError(f"Decoder: widths must be positive integers, got {self.widths!r}")
            object.__setattr__(self, "widths", w)
        object.__setattr__(self, "signed", bool(self.signed))

    def group_widths(self, n_outputs: int) -> tuple[int, ...]:
        """The widths of the output groups for a circuit with ``n_outputs`` outputs."""
        w = (int(n_outputs),) if self.widths is None else self.widths
        if sum(w) != n_outputs:
            raise ValueError(f"Decoder: widths {w} must sum to the circuit's {n_outputs} outputs")
        return w

    def __call__(self, bits: np.ndarray) -> np.ndarray:
        """dec(bits): float64 (n, n_groups)."""
        b = np.asarray(bits)
        return decode(
            b,
            signed=self.signed,
            scale=self.scale,
            offset=self.offset,
            widths=self.group_widths(b.shape[1]),
        )


def _as_decoder(dec: Any) -> Decoder:
    if dec is None:
        return Decoder()
    if isinstance(dec, Decoder):
        return dec
    if isinstance(dec, dict):
        unknown = set(dec) - {"signed", "scale", "offset", "widths"}
        if unknown:
            raise ValueError(f"dec: unknown keys {sorted(unknown)}")
        return Decoder(**dec)
    raise TypeError(f"dec: expected None, a Decoder or a dict of its fields, got {dec!r}")


def _check_int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"{name}: expected an int in [{low}, {high}], got {value}")
    return int(value)


@dataclass(frozen=True)
class ExplicitTetrakis:
    """The explicit circuit of a Tetrakis function (SPEC 9.3).

    ``circuit`` reads enc_{K+frac_bits}(x) (SPEC 2.2 layout, ``d·(K+frac_bits)`` inputs) and
    outputs, per decoder group, the two's complement integer Z = Σ_j (ω_j 2^F)·z_j; ``decoder``
    (signed, scale/2^F, offset) maps it to T_C(u_q) exactly. ``locating_size`` is the size of the
    same construction with the d+1 copies of C replaced by free inputs; ``bound`` =
    (d+1)|C| + locating_size ≥ circuit.size (the builder's hashing and constant folding can only
    remove gates).
    """

    circuit: Circuit
    decoder: Decoder
    frac_bits: int
    domain: Box
    bits_per_coordinate: int
    locating_size: int
    bound: int

    def __call__(self, x: object) -> np.ndarray:
        """dec(circuit(enc(x))) for points x (n, d): float64 (n,) or (n, n_groups)."""
        q = quantize(np.asarray(x, dtype=np.float64), self.domain, self.bits_per_coordinate)
        return self.evaluate_ints(q)

    def evaluate_ints(self, q: np.ndarray) -> np.ndarray:
        """The decoded output on integer inputs q (n, d) in [0, 2^{K+F})."""
        q = np.asarray(q, dtype=np.int64)
        bits = ints_to_bits(q, self.bits_per_coordinate).reshape(q.shape[0], -1)
        out = self.decoder(self.circuit.simulate(bits))
        return out[:, 0] if out.shape[1] == 1 else out


class TetrakisFunction:
    """T_C(x) = Σ_j ω_j(x) dec(C(u_j(x))) on Ω (SPEC 9.3).

    Parameters
    ----------
    circuit : Circuit with ``d·(K+1)`` inputs; input ``i·(K+1) + b`` is bit b (LSB first) of
        coordinate i of the grid point u_j ∈ {0, …, 2^K}^d.
    d : int ≥ 1, the input dimension.
    K : int ≥ 0, the grid level: grid spacing ρ/2^K.
    domain : Ω as a Box, a (low, high) pair or a (d, 2) array; default [0, 1]^d.
    dec : :class:`Decoder` (or a dict of its fields, or None for the unsigned integer of all
        output bits).
    """

    def __init__(
        self, circuit: Circuit, d: int, K: int, domain: Any = None, dec: Any = None
    ) -> None:
        if not isinstance(circuit, Circuit):
            raise TypeError(f"circuit: expected an occam.circuits.Circuit, got {type(circuit)!r}")
        self.d = _check_int(d, "d", 1, 64)
        self.K = _check_int(K, "K", 0, 50)
        if circuit.n_inputs != self.d * (self.K + 1):
            raise ValueError(
                f"circuit: expected d·(K+1) = {self.d * (self.K + 1)} inputs (d={self.d}, "
                f"K={self.K}), got {circuit.n_inputs}"
            )
        if circuit.n_outputs < 1:
            raise ValueError("circuit: needs at least one output")
        self.circuit = circuit
        self.domain = Box.cube(self.d, 0.0, 1.0) if domain is None else as_box(domain, self.d)
        self.dec = _as_decoder(dec)
        self.n_groups = len(self.dec.group_widths(circuit.n_outputs))

    # ------------------------------------------------------------------ evaluation
    def vertex_values(self, vertices: np.ndarray) -> np.ndarray:
        """dec(C(v)) for integer grid points v (m, d) in [0, 2^K]^d: (m,) or (m, n_groups)."""
        v = np.asarray(vertices, dtype=np.int64)
        if v.ndim != 2 or v.shape[1] != self.d:
            raise ValueError(f"vertices: expected shape (m, {self.d}), got {v.shape}")
        if v.size and (v.min() < 0 or v.max() > 2**self.K):
            raise ValueError(f"vertices: coordinates must lie in [0, 2^K = {2**self.K}]")
        bits = ints_to_bits(v, self.K + 1).reshape(v.shape[0], -1)
        out = self.dec(self.circuit.simulate(bits))
        return out[:, 0] if self.n_groups == 1 else out

    def grid_units(self, x: object, *, atol: float = 1e-9) -> np.ndarray:
        """u = (x − a)/ρ · 2^K, shape (n, d); points farther than ``atol`` (relative to the
        domain) outside Ω raise ValueError, points within it are clipped onto Ω."""
        pts = np.asarray(x, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != self.d:
            raise ValueError(f"x: expected shape (n, {self.d}), got {pts.shape}")
        if not np.all(np.isfinite(pts)):
            raise ValueError("x: every coordinate must be finite")
        r = (pts - self.domain.low) / self.domain.rho
        bad = np.any((r < -atol) | (r > 1 + atol), axis=1)
        if np.any(bad):
            raise ValueError(
                f"x: {int(bad.sum())} of {pts.shape[0]} points lie outside the domain "
                f"[{self.domain.low.tolist()}, {self.domain.high.tolist()}]"
            )
        return np.clip(r, 0.0, 1.0) * float(2**self.K)

    def evaluate_units(self, u: np.ndarray) -> np.ndarray:
        """T_C at points given in grid units u ∈ [0, 2^K]^d."""
        return interpolate(self.vertex_values, u)

    def __call__(self, x: object) -> np.ndarray:
        """T_C(x) for points x ∈ Ω, shape (n,) (or (n, n_groups) for several decoder groups)."""
        return self.evaluate_units(self.grid_units(x))

    def grid_function(self) -> GridFunction:
        """T_C as a :class:`GridFunction` holding dec(C(v)) at all (2^K+1)^d grid points (single
        decoder group only; at most 2^24 grid points)."""
        if self.n_groups != 1:
            raise ValueError("grid_function: needs a decoder with a single output group")
        side = 2**self.K + 1
        if side**self.d > 2**24:
            raise ValueError(f"grid_function: {side}^{self.d} grid points is too many")
        idx = np.indices((side,) * self.d).reshape(self.d, -1).T
        vals = self.vertex_values(idx).reshape((side,) * self.d)
        return GridFunction(vals, spacing=self.domain.rho / 2**self.K, origin=self.domain.low)

    # ------------------------------------------------------------------ explicit circuit
    def explicit_circuit(self, frac_bits: int | None = None) -> ExplicitTetrakis:
        """The whole of T_C as one circuit (SPEC 9.3); ``frac_bits`` F defaults to K.

        Construction, per coordinate i, from the K+F input bits q_i (u_i = q_i/2^F, integer part
        m_i = q_i >> F with lowest bit m0_i, fraction f_i = q_i mod 2^F):

        * T_i = 2^F t_i = m0_i ? 2^F − f_i : f_i          (F+1 bits; t_i = |u_i − e_i|)
        * e_i = m_i + m0_i,  o_i = m_i + ¬m0_i              (K+1 bits; nearest even / odd)
        * S_1 ≤ … ≤ S_d: Batcher's sorting network on the T_i with (F+1)-bit comparators
        * W_j = S_{j+1} − S_j (S_0 = 0, S_{d+1} = 2^F) = 2^F ω_j
        * coordinate i of vertex j: o_i if T_i > S_j else e_i (one comparator each; T_i > 0 for j=0)
        * z_j = C(u_j) read per decoder group; output Z = Σ_j W_j z_j (exact, two's complement).

        When m_i is odd and f_i = 0 (u_i an odd integer) this gives e_i = m_i + 1, which only
        enters vertex d with weight W_d = 2^F − S_d = 0, as in :func:`occam.tetrakis.locate`.
        """
        F = self.K if frac_bits is None else _check_int(frac_bits, "frac_bits", 0, 30)
        if self.K + F < 1:
            raise ValueError("frac_bits: need K + frac_bits ≥ 1 input bits per coordinate")
        circuit = self._build(F, with_copies=True)
        locating = self._build(F, with_copies=False)
        n_out_groups = [
            self._sum_width(w, F) for w in self.dec.group_widths(self.circuit.n_outputs)
        ]
        scale = np.asarray(self.dec.scale, dtype=np.float64) / 2.0**F
        decoder = Decoder(
            signed=True,
            scale=float(scale) if scale.ndim == 0 else tuple(scale.tolist()),
            offset=self.dec.offset,
            widths=tuple(n_out_groups),
        )
        return ExplicitTetrakis(
            circuit=circuit,
            decoder=decoder,
            frac_bits=F,
            domain=self.domain,
            bits_per_coordinate=self.K + F,
            locating_size=locating.size,
            bound=(self.d + 1) * self.circuit.size + locating.size,
        )

    def size_bound(self, frac_bits: int | None = None) -> int:
        """(d+1)|C| + size of the locating circuit (SPEC 9.3) at ``frac_bits`` (default K)."""
        F = self.K if frac_bits is None else _check_int(frac_bits, "frac_bits", 0, 30)
        if self.K + F < 1:
            raise ValueError("frac_bits: need K + frac_bits ≥ 1 input bits per coordinate")
        return (self.d + 1) * self.circuit.size + self._build(F, with_copies=False).size

    def _sum_width(self, w: int, F: int) -> int:
        zlo, zhi = arith.word_range(w, self.dec.signed)
        return arith.signed_width(min(zlo * 2**F, 0), max(zhi * 2**F, 0))

    def _build(self, F: int, *, with_copies: bool) -> Circuit:
        d, K = self.d, self.K
        C = self.circuit
        widths = self.dec.group_widths(C.n_outputs)
        signed = self.dec.signed
        b = Builder()
        q = [b.inputs(K + F, prefix=f"q{i}_") for i in range(d)]
        T, E, O = [], [], []
        for i in range(d):
            frac, m = q[i][:F], q[i][F:]
            m0 = m[0] if K >= 1 else 0
            if F >= 1:
                f_word = [*frac, 0]  # F+1 bits, unsigned
                comp = arith.subtract(
                    b, arith.const_word(2**F, F + 1), f_word, signed=False, width=F + 1
                )
                T.append(arith.mux_word(b, m0, comp, f_word, signed=False))
            else:
                T.append([m0])  # F = 0: t_i = 1 exactly when u_i is odd
            if K >= 1:
                E.append(arith.add(b, m, [m0], signed=False, width=K + 1))
                O.append(arith.add(b, m, [b.NOT(m0)], signed=False, width=K + 1))
            else:
                E.append([0])
                O.append([1])
        S = arith.sort_words(b, T, signed=False) if d > 1 else [T[0]]
        full = arith.const_word(2**F, F + 1)
        bounds = [arith.const_word(0, F + 1), *S, full]
        W = [
            arith.subtract(b, bounds[j + 1], bounds[j], signed=False, width=F + 1)
            for j in range(d + 1)
        ]
        products: dict[int, list[list[int]]] = {g: [] for g in range(len(widths))}
        starts = np.cumsum([0, *widths])
        for j in range(d + 1):
            if with_copies:
                coords = []
                for i in range(d):
                    if j == 0:
                        odd = b.OR_many(T[i])
                    else:
                        odd = arith.less_than(b, S[j - 1], T[i], signed=False)
                    coords.extend(arith.mux_word(b, odd, O[i], E[i], signed=False))
                outs = b.add_circuit(C, coords)
            else:
                # the same locating logic, with C's outputs replaced by free inputs
                for i in range(d):
                    if j == 0:
                        odd = b.OR_many(T[i])
                    else:
                        odd = arith.less_than(b, S[j - 1], T[i], signed=False)
                    for bit in arith.mux_word(b, odd, O[i], E[i], signed=False):
                        b.output(bit, name=f"v{j}_{i}")
                outs = b.inputs(C.n_outputs, prefix=f"c{j}_")
            for g, w in enumerate(widths):
                z = outs[starts[g] : starts[g] + w]
                wj = [*W[j], 0] if signed else W[j]
                products[g].append(arith.multiply(b, wj, z, signed=signed))
        for g, w in enumerate(widths):
            # Σ_j W_j z_j with Σ_j W_j = 2^F lies in 2^F·[min z, max z]: exact at this width
            total = arith.adder_tree(b, products[g], signed=True, width=self._sum_width(w, F))
            for k, bit in enumerate(total):
                b.output(bit, name=f"z{g}_{k}")
        return b.build()

    def __repr__(self) -> str:
        return (
            f"TetrakisFunction(d={self.d}, K={self.K}, |C|={self.circuit.size}, "
            f"domain=[{self.domain.low.tolist()}, {self.domain.high.tolist()}], dec={self.dec})"
        )


def random_circuit(n_inputs: int, n_gates: int, n_outputs: int, seed: int = 0) -> Circuit:
    """A random circuit over {AND, OR, NOT} whose size is close to ``n_gates``, for experiments.

    Gates are drawn one at a time: the first fanin is, with probability 0.8, a node nobody reads
    yet (so few gates end up dead), otherwise any earlier node; the op is NOT with probability
    0.15, else AND or OR, the second fanin any earlier node. The gates nobody reads at the end
    are split round-robin into ``n_outputs`` groups, each reduced to one output by a balanced tree
    alternating AND and OR levels. The builder's hashing and constant folding may merge gates, so
    ``size`` is about ``n_gates`` plus the tree gates (at most ``2·n_gates``). Deterministic in
    ``seed``.
    """
    n_inputs = _check_int(n_inputs, "n_inputs", 1, 10_000)
    n_gates = _check_int(n_gates, "n_gates", 0, 1_000_000)
    n_outputs = _check_int(n_outputs, "n_outputs", 1, 10_000)
    rng = np.random.default_rng(seed)
    b = Builder()
    inputs = b.inputs(n_inputs)
    pool = list(inputs)
    seen = set(pool)
    unused = list(inputs)
    for _ in range(n_gates):
        if unused and rng.random() < 0.8:
            a = unused.pop(int(rng.integers(len(unused))))
        else:
            a = pool[int(rng.integers(len(pool)))]
        r = rng.random()
        if r < 0.15:
            g = b.NOT(a)
        else:
            c = pool[int(rng.integers(len(pool)))]
            g = b.AND(a, c) if r < 0.575 else b.OR(a, c)
        if g not in seen:
            seen.add(g)
            pool.append(g)
            unused.append(g)
    input_set = set(inputs)
    sinks = [v for v in unused if v not in input_set] or pool[-n_outputs:]
    for k in range(n_outputs):
        group = sinks[k::n_outputs] or [pool[-1 - (k % len(pool))]]
        level = 0
        while len(group) > 1:
            op = b.AND if level % 2 == 0 else b.OR
            nxt = [op(group[i], group[i + 1]) for i in range(0, len(group) - 1, 2)]
            if len(group) % 2:
                nxt.append(group[-1])
            group = nxt
            level += 1
        b.output(group[0])
    return b.build()
