"""The convexity experiment of Thm 4 on compiled frontiers (seed 000; SPEC 10, SPEC 7; issue 20).

For two functions f, g (random tanh nodes of :func:`~occam.compositional.targets.random_node` on
Ω = [−1, 1]^a) and h = (f+g)/2, one ResNet is trained per function and compiled
(:func:`occam.compiler.compile_resnet`) at a ladder of uniform widths b = k = F_w = F_a; each
compiled circuit, verified bit for bit against its integer model, is one level A_b of a
hierarchy, with its size (gates, SPEC 2.1) and its L² error to the *true* function measured by
simulating the circuit on a uniform sample. The size needed for h at error ε is then compared for

(a) the MLMC combiner (:func:`occam.htmc.mlmc.build_mlmc`) over windows of the naive-sum
    hierarchy (A^f_b + A^g_b)/2 (expected size over the coins, RMSE over draws and points),
(b) the naive sum (A^f_b + A^g_b)/2 itself,
(c) the baseline: the compiled frontier of the network trained on h,

against the sizes for f and for g, on a grid of ε values.

The levels have different input widths k = b, so :func:`to_fixed_point` rewires each onto a
common K-bit encoding: on the same box the cells of enc_k are dyadic refinements, so the k-bit
cell index is the top k bits of the K-bit one (``q_k = q_K >> (K − k)``, SPEC 2.2), a pure
rewiring without gates, and the output word keeps its scale 2^{−F_o}. The converter lives here
and not in :mod:`occam.compiler` because of the layer order (tasks, circuits; nets, …, compiler;
htmc, …, compositional): the compiler sits below :mod:`occam.htmc` and must not import its
:class:`~occam.htmc.tables.FixedPointCircuit`, while ``compositional`` may import both.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from occam.errors import OccamError

__all__ = [
    "ConvexityError",
    "compiled_hierarchy",
    "experiment_convexity",
    "sum_level",
    "to_fixed_point",
]

Progress = Callable[[str], None]
DOMAIN = (-1.0, 1.0)


class ConvexityError(OccamError, ValueError):
    """A compiled circuit or hierarchy that cannot be used by the convexity experiment."""


# -- converter --------------------------------------------------------------------------------
def to_fixed_point(compiled, K: int):
    """The compiled circuit ``compiled`` (a :class:`occam.compiler.CompiledCircuit` with one
    output and ``k`` input bits per coordinate) as a :class:`~occam.htmc.tables.FixedPointCircuit`
    on the common ``K``-bit encoding (K ≥ k) of the same box.

    Input bit ``i K + j`` of the result is bit ``j`` (LSB first) of the K-bit cell index of
    coordinate ``i`` (SPEC 2.2, as :func:`occam.circuits.encoding.encode`); compiled input
    ``i k + j`` is wired to bit ``K − k + j`` of it, since the k-bit cell index is
    ``q_K >> (K − k)`` for dyadic cells of one box. The output word is the compiled one, read as
    ``z · 2^{−F_o}``; its code range is the compiler's propagated output interval. No gates are
    added (the size is the compiled circuit's).
    """
    from occam.circuits import Builder
    from occam.htmc.tables import FixedPointCircuit

    qnet, layout = compiled.qnet, compiled.layout
    if qnet.d_out != 1 or len(layout.output_bits) != 1:
        raise ConvexityError(f"to_fixed_point: one output needed, the circuit has {qnet.d_out}")
    k, d = compiled.spec.input_bits, qnet.d_in
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < k:
        raise ConvexityError(f"to_fixed_point: K must be an int >= k = {k}, got {K!r}")
    K = int(K)
    b = Builder()
    xs = b.inputs(d * K)
    wires = [xs[i * K + (K - k) + j] for i in range(d) for j in range(k)]
    for h in b.add_circuit(compiled.circuit, wires):
        b.output(h)
    out = qnet.ranges["out"][0]
    return FixedPointCircuit(b.build(), int(compiled.spec.output_frac), (int(out.lo), int(out.hi)))


def sum_level(a, b):
    """The circuit of (A + B)/2 for two fixed-point circuits on one encoding: the words aligned to
    the finer fractional width (a free shift), one adder, the sum read with one more fractional
    bit (exact)."""
    from occam.circuits import Builder, arith
    from occam.htmc.tables import FixedPointCircuit, all_input_bits

    if a.circuit.n_inputs != b.circuit.n_inputs:
        raise ConvexityError(
            f"sum_level: the circuits read {a.circuit.n_inputs} and {b.circuit.n_inputs} inputs"
        )
    frac = max(a.frac_bits, b.frac_bits)
    bld = Builder()
    xs = bld.inputs(a.circuit.n_inputs)
    wa = arith.shift_left(bld.add_circuit(a.circuit, xs), frac - a.frac_bits)
    wb = arith.shift_left(bld.add_circuit(b.circuit, xs), frac - b.frac_bits)
    for h in arith.add(bld, wa, wb):
        bld.output(h)
    c = bld.build()
    lo = a.code_range[0] * 2 ** (frac - a.frac_bits) + b.code_range[0] * 2 ** (frac - b.frac_bits)
    hi = a.code_range[1] * 2 ** (frac - a.frac_bits) + b.code_range[1] * 2 ** (frac - b.frac_bits)
    if c.n_inputs <= 16:  # exact range when the input is small enough to enumerate
        codes = FixedPointCircuit(c, frac + 1, (lo, hi)).codes(all_input_bits(c.n_inputs))
        lo, hi = int(codes.min()), int(codes.max())
    return FixedPointCircuit(c, frac + 1, (int(lo), int(hi)))


# -- hierarchies ------------------------------------------------------------------------------
def _train(fn, arity: int, cfg, seed: int):
    """A ResNet (``cfg.convexity_net``) trained on fn (uniform sample on Ω); returns (model,
    test RMSE on 1,024 fresh points)."""
    from occam.compositional.compiled_nodes import train_node_net

    width, hidden, depth = cfg.convexity_net
    net = train_node_net(
        fn,
        arity,
        width=width,
        hidden=hidden,
        depth=depth,
        steps=cfg.convexity_steps,
        lr=cfg.lr,
        batch_size=cfg.batch_size,
        n=cfg.convexity_n_train,
        seed=seed,
        n_test=1024,
        test_seed=71_000 + seed,
    )
    return net.model, net.rmse


def compiled_hierarchy(fn, arity: int, cfg, seed: int, x: np.ndarray) -> dict[str, Any]:
    """Train a ResNet on ``fn`` and compile it at each width b of ``cfg.convexity_bits``
    (k = F_w = F_a = b, optionally collapsed to its truth table, verified bit for bit); the levels
    converted to the common K = max(b)-bit encoding, with their errors to ``fn`` on ``x``.

    Returns ``{"levels": [FixedPointCircuit], "bits", "sizes", "errors", "errors_compiler",
    "net_error", "verified"}`` (``errors_compiler``: the compiler's own measurement against
    ``fn``, equal to ``errors`` up to rounding since the encodings agree)."""
    from occam.circuits.encoding import encode
    from occam.compiler import ErrorSample, FixedPointSpec, compile_resnet

    model, net_error = _train(fn, arity, cfg, seed)
    K = max(cfg.convexity_bits)
    xb = encode(x, DOMAIN, K)
    y = fn(x)
    sample = ErrorSample.draw(model, DOMAIN, x=x, target=fn)
    out: dict[str, Any] = {
        "levels": [],
        "bits": [],
        "sizes": [],
        "errors": [],
        "errors_compiler": [],
        "verified": [],
        "net_error": net_error,
    }
    for bits in cfg.convexity_bits:
        cc = compile_resnet(
            model,
            DOMAIN,
            FixedPointSpec(bits, bits, bits),
            sample=sample,
            n_verify=cfg.circuit_n_eval,
            seed=seed,
            use_collapse=cfg.convexity_collapse,
        )
        if not cc.verified:
            raise AssertionError(f"compiled circuit (b={bits}) failed verification")
        level = to_fixed_point(cc, K)
        out["levels"].append(level)
        out["bits"].append(int(bits))
        out["sizes"].append(int(level.size))
        out["errors"].append(float(np.sqrt(np.mean((level.values(xb) - y) ** 2))))
        out["errors_compiler"].append(float(cc.error_target.l2))
        out["verified"].append(bool(cc.verified))
    return out


# -- MLMC, table -------------------------------------------------------------------------------
def _min_size(points: list[tuple[float, float]], eps: float) -> float | None:
    """Least size among (error, size) points with error ≤ ε; None when none reaches ε."""
    ok = [s for e, s in points if e <= eps]
    return float(min(ok)) if ok else None


def convexity_mlmc(
    levels, xb, hx, cfg, progress: Progress | None = None
) -> tuple[list[dict], list[tuple[float, float]]]:
    """MLMC estimators of (f+g)/2 over every window [k0, K'] of the naive-sum hierarchy, the
    budget ratios ``cfg.convexity_budgets`` and ``cfg.convexity_copies`` averaged copies:
    expected size, RMSE to (f+g)/2 over draws and points, and 5 realised draws each (real
    circuits, simulated) as (error, size) points."""
    from occam.htmc.mlmc import build_mlmc, choose_log2_inv_p

    K = len(levels)
    mlmc_rows, realised = [], []
    for top in range(2, K + 1):
        for k0 in range(1, top):
            lv = levels[k0 - 1 : top]
            for budget, copies in itertools.product(cfg.convexity_budgets, cfg.convexity_copies):
                j = choose_log2_inv_p(lv, xb, budget_ratio=budget)
                m = build_mlmc(lv, j, copies=copies)
                seed = top * 1000 + k0 * 10 + copies + int(budget * 4)
                st = m.measure(xb, cfg.convexity_draws, seed=seed, target=hx)
                size, size_se = m.expected_size(n_samples=cfg.convexity_size_samples)
                mlmc_rows.append(
                    {
                        "k0": k0,
                        "K": top,
                        "copies": copies,
                        "budget_ratio": float(budget),
                        "log2_inv_p": str(list(j)),
                        "expected_size": float(size),
                        "expected_size_se": float(size_se),
                        "rmse": float(math.sqrt(st.mse_to_target)),
                        "z_score": float(st.z_score) if math.isfinite(st.z_score) else None,
                        "full_circuit_size": int(m.circuit.size),
                    }
                )
                draw_rng = np.random.default_rng(seed)
                for _ in range(5):  # realised draws: real circuits, simulated
                    coins = draw_rng.integers(0, 2, m.n_coins).astype(bool)
                    real = m.realize(coins)
                    z = m.values(xb, np.tile(coins, (len(xb), 1)))
                    realised.append((float(np.sqrt(np.mean((hx - z) ** 2))), int(real.size)))
        if progress is not None:
            progress(f"(iv) MLMC windows ending at level {top}/{K} measured")
    return mlmc_rows, realised


def convexity_table(points, mlmc_rows, realised, baseline: str = "compiled_h"):
    """γ̂ fits (size against 1/ε, :func:`occam.stats.loglog_fit`) of the hierarchies and, on an ε
    grid (5 % above every level error of f, g and the baseline), the size each construction needs
    (None where none of its circuits reaches ε)."""
    from occam.stats import loglog_fit

    fits = {}
    for name in ("f", "g", baseline):
        pts = [(e, s) for e, s in points[name] if s > 0 and e > 0]
        if len(pts) >= 3:
            fit = loglog_fit([1 / e for e, _ in pts], [s for _, s in pts])
            fits[name] = {
                "gamma": float(fit.slope),
                "ci_low": float(fit.ci_low),
                "ci_high": float(fit.ci_high),
            }
    errs = sorted({e for name in ("f", "g", baseline) for e, _ in points[name]})
    mlmc_pts = [(r["rmse"], r["expected_size"]) for r in mlmc_rows]
    table = []
    for eps in (e * 1.05 for e in errs):
        cf, cg = _min_size(points["f"], eps), _min_size(points["g"], eps)
        table.append(
            {
                "eps": float(eps),
                "size_f": cf,
                "size_g": cg,
                "max_fg": None if cf is None or cg is None else max(cf, cg),
                baseline: _min_size(points[baseline], eps),
                "naive_sum": _min_size(points["h naive sum"], eps),
                "mlmc_expected": _min_size(mlmc_pts, eps),
                "mlmc_realised_best": _min_size(realised, eps),
            }
        )
    return table, fits


def experiment_convexity(cfg, progress: Progress) -> dict:
    """Experiment (iv) on compiled frontiers (module docstring). Returns ``{"frontier": rows per
    compiled level of f, g, h (baseline) and of the naive sum, "mlmc": one row per MLMC
    estimator, "table": sizes needed per ε, "fits": γ̂ per hierarchy, "nets": trained networks'
    test RMSE}``, JSON-serialisable (None where no circuit reaches ε)."""
    from occam.circuits.encoding import encode
    from occam.compositional.targets import random_node, uniform_sample

    a = cfg.convexity_inputs
    rng = np.random.default_rng(cfg.seed + 77)
    f = random_node(a, "tanh", rng)
    g = random_node(a, "tanh", rng)

    def h(u):
        return 0.5 * (f(u) + g(u))

    x = uniform_sample(cfg.circuit_n_eval, a, seed=50_000 + cfg.seed)
    xb = encode(x, DOMAIN, max(cfg.convexity_bits))
    hier = {}
    for i, (name, fn) in enumerate((("f", f), ("g", g), ("compiled_h", h))):
        hier[name] = compiled_hierarchy(fn, a, cfg, cfg.seed + i, x)
        progress(f"(iv) {name}: trained and compiled at b = {list(cfg.convexity_bits)}")
    naive = [sum_level(p, q) for p, q in zip(hier["f"]["levels"], hier["g"]["levels"], strict=True)]
    hx = h(x)
    frontier: list[dict] = []
    points: dict[str, list[tuple[float, float]]] = {}
    for name, hh in hier.items():
        points[name] = list(zip(hh["errors"], hh["sizes"], strict=True))
        for i, bits in enumerate(hh["bits"]):
            frontier.append(
                {
                    "function": name,
                    "bits": bits,
                    "size": hh["sizes"][i],
                    "error_l2": hh["errors"][i],
                    "error_l2_compiler": hh["errors_compiler"][i],
                    "net_error": hh["net_error"],
                    "verified": hh["verified"][i],
                }
            )
    points["h naive sum"] = []
    for bits, c in zip(cfg.convexity_bits, naive, strict=True):
        err = float(np.sqrt(np.mean((c.values(xb) - hx) ** 2)))
        points["h naive sum"].append((err, c.size))
        frontier.append(
            {
                "function": "h naive sum",
                "bits": int(bits),
                "size": int(c.size),
                "error_l2": err,
                "error_l2_compiler": None,
                "net_error": None,
                "verified": True,
            }
        )
    mlmc_rows, realised = convexity_mlmc(naive, xb, hx, cfg, progress)
    progress(f"(iv) {len(mlmc_rows)} MLMC estimators measured")
    table, fits = convexity_table(points, mlmc_rows, realised)
    return {
        "frontier": frontier,
        "mlmc": mlmc_rows,
        "table": table,
        "fits": fits,
        "nets": {name: hh["net_error"] for name, hh in hier.items()},
    }
