"""The randomised multilevel (MLMC) combiner as a real circuit (SPEC 10; Jacot, Thm 4).

Given a hierarchy of fixed-point circuits ``A_{k0}, ..., A_K`` for one function f on a common input
encoding (:class:`~occam.htmc.tables.FixedPointCircuit`), the estimator is

    Z = A_{k0} + Σ_{k > k0} (B_k / p_k) (A_k − A_{k−1}),      B_k ~ Bernoulli(p_k) independent,

so E[Z] = A_K exactly and Var[Z] = Σ_k (1/p_k − 1) E(A_k − A_{k−1})² pointwise. Averaging ``n``
independent copies divides the variance by ``n``.

Construction (documented choice: **one circuit with the randomness as extra input bits**):
p_k = 2^{−j_k} is restricted to powers of two so that 1/p_k is a shift and the circuit computes Z
exactly in fixed point (a general p_k would need a rounded constant and bias the estimator). The
circuit has the encoding bits of the hierarchy followed by ``copies · Σ_k j_k`` fair coin bits;
B_k of a copy is the AND of its ``j_k`` coins, so uniformly random coin bits give exactly
B_k ~ Bernoulli(2^{−j_k}). The gadgets are those of :mod:`occam.circuits.arith`: the levels are
aligned to the finest fractional width (a free shift), each difference A_k − A_{k−1} is a
subtractor, masked bit by bit by B_k (a two's complement word ANDed with 0 is 0), shifted by j_k
and summed by an adder tree. The average of ``copies = 2^c`` estimators is their sum read with
``c`` more fractional bits (exact). Identical sub-circuits (the A_k, shared by all copies) are
built once by structural hashing.

A *draw* fixes the coins; :meth:`MLMCCircuit.realize` builds that draw's circuit with the coins as
constants, so constant propagation removes every level with B_k = 0: that circuit's size is the
draw's size, and :meth:`MLMCCircuit.expected_size` is its exact expectation over the coins (or a
Monte Carlo estimate with its standard error when there are too many coin patterns).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from occam.circuits import Builder, Circuit, arith
from occam.circuits.encoding import bits_to_ints
from occam.errors import OccamError
from occam.htmc.tables import FixedPointCircuit

__all__ = ["MLMCCircuit", "MLMCError", "MLMCStats", "build_mlmc", "choose_log2_inv_p"]

_EXACT_PATTERNS = 64


class MLMCError(OccamError, ValueError):
    """Invalid MLMC hierarchy or parameters."""


@dataclass(frozen=True)
class MLMCStats:
    """Bias and variance of an MLMC circuit measured by simulating ``n_draws`` draws.

    mean_error: mean over draws of T = mean_x (Z(x) − A_K(x)) (expectation 0 if unbiased);
    mean_error_se: its standard error std(T)/√n_draws; z_score = mean_error / mean_error_se;
    variance: mean over x of the sample variance of Z(x) over draws;
    variance_theory: mean over x of Σ_k (1/p_k − 1)(A_k − A_{k−1})² / copies;
    max_point_z: largest |mean_t Z_t(x) − A_K(x)| / SE(x) over the points x with SE(x) > 0;
    mse_to_target: mean over draws and x of (Z − target)² when a target is given (else NaN).
    """

    n_draws: int
    mean_error: float
    mean_error_se: float
    z_score: float
    variance: float
    variance_theory: float
    max_point_z: float
    mse_to_target: float


@dataclass
class MLMCCircuit:
    """An MLMC estimator circuit (see the module docstring).

    circuit: inputs = ``n_x`` encoding bits then ``n_coins`` coin bits; outputs one two's
    complement word read as ``z · 2^{-frac_bits}``. levels, log2_inv_p (j_k for k = k0+1..K),
    copies: the construction parameters.
    """

    circuit: Circuit
    frac_bits: int
    n_x: int
    levels: list[FixedPointCircuit]
    log2_inv_p: tuple[int, ...]
    copies: int
    _size_cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_coins(self) -> int:
        return self.circuit.n_inputs - self.n_x

    @property
    def p(self) -> tuple[float, ...]:
        return tuple(2.0**-j for j in self.log2_inv_p)

    def values(self, x_bits: np.ndarray, coins: np.ndarray) -> np.ndarray:
        """Z on patterns: ``x_bits`` bool ``(n, n_x)``, ``coins`` bool ``(n, n_coins)``."""
        bits = np.concatenate([np.asarray(x_bits, bool), np.asarray(coins, bool)], axis=1)
        z = bits_to_ints(self.circuit.simulate(bits), signed=True)
        return z.astype(np.float64) * 2.0**-self.frac_bits

    def draws(self, x_bits: np.ndarray, n_draws: int, seed: int = 0) -> np.ndarray:
        """``n_draws`` independent draws of Z on every pattern of ``x_bits``: ``(n_draws, n)``.
        Draw ``t`` uses one coin vector for all points (one random circuit per draw)."""
        rng = np.random.default_rng(seed)
        x_bits = np.asarray(x_bits, bool)
        n = x_bits.shape[0]
        coins = rng.integers(0, 2, size=(n_draws, self.n_coins)).astype(bool)
        rep_x = np.tile(x_bits, (n_draws, 1))
        rep_c = np.repeat(coins, n, axis=0)
        return self.values(rep_x, rep_c).reshape(n_draws, n)

    def realize(self, coins: np.ndarray) -> Circuit:
        """The circuit of one draw: the coins become constants and fold away (inputs = n_x)."""
        coins = np.asarray(coins, bool).reshape(-1)
        if coins.size != self.n_coins:
            raise MLMCError(f"realize: expected {self.n_coins} coins, got {coins.size}")
        b = Builder()
        xs = b.inputs(self.n_x)
        for h in b.add_circuit(self.circuit, [*xs, *(int(c) for c in coins)]):
            b.output(h)
        return b.build()

    def expected_size(self, *, n_samples: int = 200, seed: int = 0) -> tuple[float, float]:
        """(E[size of the realised circuit], its standard error). Exact (SE 0) by enumerating
        the selection patterns (B_k per copy) when there are at most 64; otherwise a Monte
        Carlo mean over ``n_samples`` random draws."""
        key = (n_samples, seed)
        if key in self._size_cache:
            return self._size_cache[key]
        n_sel = self.copies * len(self.log2_inv_p)
        if 2**n_sel <= _EXACT_PATTERNS:
            total = 0.0
            for pattern in range(2**n_sel):
                sel = [(pattern >> i) & 1 for i in range(n_sel)]
                prob = math.prod(
                    (pk if s else 1.0 - pk)
                    for s, pk in zip(sel, list(self.p) * self.copies, strict=True)
                )
                if prob > 0:
                    total += prob * self.realize(self._coins_for(sel)).size
            result = (total, 0.0)
        else:
            rng = np.random.default_rng(seed)
            sizes = [
                self.realize(rng.integers(0, 2, self.n_coins).astype(bool)).size
                for _ in range(n_samples)
            ]
            result = (float(np.mean(sizes)), float(np.std(sizes, ddof=1) / math.sqrt(n_samples)))
        self._size_cache[key] = result
        return result

    def _coins_for(self, selected: Sequence[int]) -> np.ndarray:
        """A coin vector realising the given B pattern (B = 1: all its coins 1; B = 0: all 0)."""
        coins = []
        for s, j in zip(selected, list(self.log2_inv_p) * self.copies, strict=True):
            coins += [bool(s)] * j
        return np.array(coins, dtype=bool)

    def measure(
        self,
        x_bits: np.ndarray,
        n_draws: int = 1000,
        seed: int = 0,
        target: np.ndarray | None = None,
    ) -> MLMCStats:
        """Simulate ``n_draws`` draws on the patterns ``x_bits`` and measure bias and variance
        against A_K (the finest level), see :class:`MLMCStats`."""
        Z = self.draws(x_bits, n_draws, seed)
        a = [lv.values(x_bits) for lv in self.levels]
        top = a[-1]
        T = (Z - top).mean(axis=1)
        se = float(T.std(ddof=1) / math.sqrt(n_draws))
        mean_T = float(T.mean())
        var_x = Z.var(axis=0, ddof=1)
        theory = (
            sum((1.0 / pk - 1.0) * (a[i + 1] - a[i]) ** 2 for i, pk in enumerate(self.p))
            / self.copies
        )
        se_x = np.sqrt(var_x / n_draws)
        dev = np.abs(Z.mean(axis=0) - top)
        ok = se_x > 0
        max_z = float((dev[ok] / se_x[ok]).max()) if ok.any() else 0.0
        mse = float(((Z - target[None, :]) ** 2).mean()) if target is not None else float("nan")
        return MLMCStats(
            n_draws,
            mean_T,
            se,
            mean_T / se if se > 0 else (0.0 if mean_T == 0 else math.inf),
            float(var_x.mean()),
            float(np.mean(theory)) if np.ndim(theory) else float(theory),
            max_z,
            mse,
        )


def _check_levels(levels: Sequence[FixedPointCircuit]) -> list[FixedPointCircuit]:
    levels = list(levels)
    if len(levels) < 1:
        raise MLMCError("build_mlmc: the hierarchy needs at least one level")
    for i, lv in enumerate(levels):
        if not isinstance(lv, FixedPointCircuit):
            raise MLMCError(f"build_mlmc: levels[{i}] must be a FixedPointCircuit, got {lv!r}")
        if lv.circuit.n_inputs != levels[0].circuit.n_inputs:
            raise MLMCError(
                f"build_mlmc: levels[{i}] has {lv.circuit.n_inputs} inputs, levels[0] has "
                f"{levels[0].circuit.n_inputs} (a common input encoding is required)"
            )
    return levels


def build_mlmc(
    levels: Sequence[FixedPointCircuit],
    log2_inv_p: Sequence[int],
    *,
    copies: int = 1,
    adder: str = "ripple",
) -> MLMCCircuit:
    """Build the MLMC estimator circuit over ``levels = [A_{k0}, ..., A_K]``.

    ``log2_inv_p[i]`` is j for the level ``k0 + 1 + i`` (p = 2^{-j}; j = 0 keeps the level
    always). ``copies`` must be a power of two; the output is the average of that many independent
    estimators.
    """
    levels = _check_levels(levels)
    j = tuple(int(v) for v in log2_inv_p)
    if len(j) != len(levels) - 1 or any(v < 0 for v in j):
        raise MLMCError(
            f"build_mlmc: need {len(levels) - 1} non-negative log2(1/p) values, got {list(j)}"
        )
    if copies < 1 or copies & (copies - 1):
        raise MLMCError(f"build_mlmc: copies must be a power of two, got {copies}")
    c = copies.bit_length() - 1
    frac = max(lv.frac_bits for lv in levels)
    b = Builder()
    xs = b.inputs(levels[0].circuit.n_inputs)
    words = []  # each level's output aligned to `frac` fractional bits (a free left shift)
    for lv in levels:
        w = b.add_circuit(lv.circuit, xs)
        words.append(arith.shift_left(w, frac - lv.frac_bits))
    diffs = [arith.subtract(b, words[i + 1], words[i], adder=adder) for i in range(len(j))]
    terms = [arith.shift_left(words[0], c)]
    for copy in range(copies):
        for i, ji in enumerate(j):
            coins = b.inputs(ji, prefix=f"coin{copy}_{i}_")
            sel = b.AND_many(coins)
            masked = [b.AND(bit, sel) for bit in diffs[i]]
            terms.append(arith.shift_left(masked, ji))
    total = arith.adder_tree(b, terms, adder=adder)
    for h in total:
        b.output(h)
    return MLMCCircuit(b.build(), frac + c, len(xs), levels, j, copies)


def choose_log2_inv_p(
    levels: Sequence[FixedPointCircuit], x_bits: np.ndarray, *, budget_ratio: float = 1.0
) -> tuple[int, ...]:
    """MLMC probabilities p_k ∝ sqrt(V_k / s_k) (the classical optimum for a variance·cost
    trade-off), V_k = mean_x (A_k − A_{k−1})², s_k = |A_k|, scaled so that the first correction
    level has p = min(1, budget_ratio), each rounded to the nearest power of two (in log scale)
    and capped at 1."""
    levels = _check_levels(levels)
    vals = [lv.values(x_bits) for lv in levels]
    ratios = []
    for k in range(1, len(levels)):
        v = float(np.mean((vals[k] - vals[k - 1]) ** 2))
        s = max(levels[k].size, 1)
        ratios.append(math.sqrt(v / s))
    if not ratios:
        return ()
    ref = ratios[0] if ratios[0] > 0 else 1.0
    out = []
    for r in ratios:
        p = min(1.0, budget_ratio * r / ref) if r > 0 else 2.0**-30
        out.append(max(0, round(-math.log2(p))))
    return tuple(out)
