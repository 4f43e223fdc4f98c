"""The ``occam compositional`` experiments (SPEC 13, SPEC 10; seeds 003 and 000; issue 20).

(i)   test error versus n for each network (graph-reflecting sparse ResNet, dense ResNet, dense
      with ℓ1, path-norm and Occam R̃ penalties) on compositional targets and on the control,
      d ∈ {4, 8, 16}, n ∈ {256, 1024, 4096}, several seeds, mean ± std of the relative test error
      RMSE / std(f);
(ii)  graph recovery (precision, recall, coverage of :mod:`~occam.compositional.recovery`)
      versus the regulariser and its strength λ, tracked over training;
(iii) verified circuit size versus d at fixed relative error ε, per-node circuits composed with
      clamps for the compositional targets, of two kinds: truth tables of the quantised node
      functions (:mod:`~occam.compositional.circuits`) and trained node nets compiled to
      arithmetic circuits (:mod:`~occam.compositional.compiled_nodes`); against one flat truth
      table for the control (and for the compositional target itself);
(iv)  the convexity experiment of Thm 4 on compiled frontiers
      (:mod:`~occam.compositional.convexity`): sizes needed for (f+g)/2 at ≥ 4 errors ε by the
      MLMC combiner over the compiled levels of f and g, by their naive sum and by compiling a
      network trained on (f+g)/2, against the sizes for f and for g; plus the MLMC acceptance
      measurements on truth-table hierarchies (unbiasedness, variance ∝ 1/n).

:func:`run` writes CSV/JSON tables, PNG figures and ``report.md``/``report.html`` (with one
verdict per claim tested) into the output folder and returns a summary dict.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from occam.compositional.convexity import experiment_convexity
from occam.compositional.graph import binary_tree
from occam.compositional.targets import random_target, smooth_control, uniform_sample

__all__ = ["CompositionalExperimentConfig", "run"]

Progress = Callable[[str], None]
NETWORKS = ("sparse", "dense", "dense_l1", "dense_path", "dense_occam")
CIRCUIT_CONSTRUCTIONS = ("table", "compiled")
_PENALTY = {"dense_l1": "l1", "dense_path": "path", "dense_occam": "ideal"}


@dataclass(frozen=True)
class CompositionalExperimentConfig:
    """Sizes of the four experiments (defaults: full size; :meth:`quick`: minutes on 2 cores)."""

    family: str = "tanh"
    d_values: tuple[int, ...] = (4, 8, 16)
    n_values: tuple[int, ...] = (256, 1024, 4096)
    seeds: tuple[int, ...] = (0, 1, 2)
    networks: tuple[str, ...] = NETWORKS
    lam_l1: float = 1e-4
    lam_path: float = 1e-4
    lam_occam: float = 1e-3
    steps: int = 2000
    lr: float = 1e-2
    batch_size: int = 128
    hidden_per_node: int = 16
    node_width: int = 2
    n_test: int = 4096
    recovery_d: int = 8
    recovery_n: int = 1024
    recovery_penalties: tuple[str, ...] = ("l1", "path", "ideal")
    recovery_lams: tuple[float, ...] = (1e-4, 1e-3, 1e-2)
    recovery_steps: int = 2000
    recovery_every: int = 100
    circuit_d_values: tuple[int, ...] = (2, 4, 8, 16)
    circuit_seeds: tuple[int, ...] = (0, 1, 2)
    circuit_eps_rel: float = 0.15
    circuit_constructions: tuple[str, ...] = ("table", "compiled")
    circuit_node_hidden: int = 24
    circuit_node_steps: int = 3000
    circuit_node_lr: float = 2e-2
    circuit_node_n: int = 2048
    circuit_node_abc: bool = False
    circuit_compiled_k: tuple[int, ...] = (2, 3, 4, 5, 6)
    circuit_compiled_offsets: tuple[int, ...] = (1, 2, 3)
    circuit_compiled_keep: tuple[float, ...] = (1.0, 0.8, 0.6, 0.5)
    flat_max_bits: int = 20
    circuit_n_eval: int = 4096
    convexity_levels: int = 5  # truth-table levels of the MLMC acceptance hierarchy
    convexity_arity: int = 3  # inputs of its random tanh node
    # (iv) on compiled frontiers: MLMC draws, samples of its expected size, budgets, copies;
    # f, g inputs, uniform compile widths b (levels), trained ResNet (w, k, L), steps, data
    convexity_draws: int = 200
    convexity_size_samples: int = 16
    convexity_budgets: tuple[float, ...] = (1.0, 0.25)
    convexity_copies: tuple[int, ...] = (1, 4)
    convexity_inputs: int = 2
    convexity_bits: tuple[int, ...] = (2, 3, 4, 5, 6, 7)
    convexity_net: tuple[int, int, int] = (4, 16, 2)
    convexity_steps: int = 3000
    convexity_n_train: int = 2048
    convexity_collapse: bool = True
    mlmc_draws: int = 1000
    seed: int = 0

    @classmethod
    def quick(cls) -> CompositionalExperimentConfig:
        return cls(
            steps=200,
            n_test=2048,
            recovery_lams=(1e-4, 1e-3, 1e-2),
            recovery_steps=400,
            recovery_every=50,
            circuit_seeds=(0,),
            circuit_compiled_offsets=(1, 3),
            flat_max_bits=16,
            circuit_n_eval=2048,
            convexity_levels=4,
            convexity_draws=200,
            convexity_size_samples=10,
            convexity_budgets=(1.0, 0.25),
            convexity_bits=(2, 3, 4, 5, 6),
            convexity_steps=2000,
        )

    def __post_init__(self) -> None:
        from occam.compositional.graph import GraphError
        from occam.compositional.targets import FAMILIES

        if self.family not in FAMILIES:
            raise GraphError(f"config.family: expected one of {FAMILIES}, got {self.family!r}")
        bad = [n for n in self.networks if n not in NETWORKS]
        if bad:
            raise GraphError(f"config.networks: unknown {bad}; choose from {NETWORKS}")
        for name in ("d_values", "circuit_d_values"):
            for d in getattr(self, name):
                if d < 2 or d & (d - 1):
                    raise GraphError(f"config.{name}: {d} is not a power of two >= 2")
        for name in ("steps", "recovery_steps", "recovery_every", "batch_size", "n_test"):
            if getattr(self, name) < 1:
                raise GraphError(f"config.{name} must be >= 1, got {getattr(self, name)}")
        if not self.seeds or not self.n_values or not self.circuit_seeds:
            raise GraphError("config: seeds, n_values and circuit_seeds must not be empty")
        bits = self.convexity_bits
        if len(bits) < 2 or list(bits) != sorted(set(bits)) or not 1 <= bits[0] <= bits[-1] <= 16:
            raise GraphError(
                f"config.convexity_bits: need >= 2 increasing widths in [1, 16], got {bits}"
            )
        if not self.convexity_copies or any(c < 1 or c & (c - 1) for c in self.convexity_copies):
            raise GraphError(
                f"config.convexity_copies: powers of two needed, got {self.convexity_copies}"
            )
        if not 1 <= self.convexity_inputs <= 4:
            raise GraphError(
                f"config.convexity_inputs must be in [1, 4], got {self.convexity_inputs}"
            )
        bad = [c for c in self.circuit_constructions if c not in CIRCUIT_CONSTRUCTIONS]
        if bad:
            raise GraphError(
                f"config.circuit_constructions: unknown {bad}; choose from {CIRCUIT_CONSTRUCTIONS}"
            )
        if not self.circuit_compiled_k or min(self.circuit_compiled_k) < 1:
            raise GraphError("config.circuit_compiled_k: need input bits k >= 1")
        if not self.circuit_compiled_offsets or min(self.circuit_compiled_offsets) < 0:
            raise GraphError("config.circuit_compiled_offsets: need offsets >= 0")
        if not self.circuit_compiled_keep or not all(
            0 < v <= 1 for v in self.circuit_compiled_keep
        ):
            raise GraphError("config.circuit_compiled_keep: need fractions in (0, 1]")
        for name in ("circuit_node_hidden", "circuit_node_steps", "circuit_node_n"):
            if getattr(self, name) < 1:
                raise GraphError(f"config.{name} must be >= 1, got {getattr(self, name)}")

    @property
    def lams(self) -> dict[str, float]:
        """λ of each regularised network of experiment (i)."""
        return {"dense_l1": self.lam_l1, "dense_path": self.lam_path, "dense_occam": self.lam_occam}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- shared helpers --------------------------------------------------------------------------
def _targets(d: int, seed: int, family: str):
    target = random_target(binary_tree(d), family, seed=seed)
    control = smooth_control(d, target, seed=seed + 1000)
    return target, control


def _mean_std(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values, np.float64)
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


def _train_network(
    name: str,
    target,
    x,
    y,
    xt,
    yt,
    cfg: CompositionalExperimentConfig,
    seed: int,
    lam: float | None = None,
    callback=None,
):
    """Train one network of experiment (i)/(ii); returns (TrainResult, graph layout)."""
    import torch

    from occam import train
    from occam.compositional.networks import dense_resnet, graph_resnet

    torch.set_num_threads(1)
    net, layout = graph_resnet(
        binary_tree(target.d),
        hidden_per_node=cfg.hidden_per_node,
        node_width=cfg.node_width,
        seed=seed,
    )
    if name != "sparse":
        net = dense_resnet(layout.config, seed=seed)
    penalty = _PENALTY.get(name, "none")
    lam = (cfg.lams.get(name, 0.0) if lam is None else lam) if penalty != "none" else 0.0
    tc = train.TrainConfig(
        penalty=penalty if lam > 0 else "none",
        lam=lam,
        steps=cfg.steps if callback is None else cfg.recovery_steps,
        lr=cfg.lr,
        lr_schedule="cosine",
        batch_size=cfg.batch_size,
        seed=seed,
        log_every=10**9,
    )
    res = train.train(x, y, tc, x_test=xt, y_test=yt, model=net, progress=False, callback=callback)
    return res, layout


# -- (i) test error versus n -------------------------------------------------------------------
def experiment_error_vs_n(cfg: CompositionalExperimentConfig, progress: Progress) -> list[dict]:
    rows = []
    total = len(cfg.d_values) * len(cfg.seeds) * len(cfg.n_values) * 2 * len(cfg.networks)
    done = 0
    for d in cfg.d_values:
        for seed in cfg.seeds:
            target, control = _targets(d, seed, cfg.family)
            xt = uniform_sample(cfg.n_test, d, seed=10_000 + seed)
            for kind, fn in (("compositional", target), ("control", control)):
                yt = fn(xt)
                std = float(yt.std())
                for n in cfg.n_values:
                    x = uniform_sample(n, d, seed=20_000 + 97 * seed + n)
                    y = fn(x)
                    for name in cfg.networks:
                        res, _ = _train_network(name, target, x, y, xt, yt, cfg, seed)
                        done += 1
                        rows.append(
                            {
                                "d": d,
                                "n": n,
                                "seed": seed,
                                "target": kind,
                                "network": name,
                                "rel_test_error": res.final["test_error"] / std,
                                "rel_train_error": res.final["train_error"] / float(y.std()),
                                "nonzeros": res.final["nonzeros"],
                            }
                        )
                    progress(f"(i) {done}/{total} trainings (d={d}, seed={seed}, {kind}, n={n})")
    return rows


def summarise_error(rows: list[dict]) -> list[dict]:
    out = []
    keys = sorted({(r["target"], r["d"], r["n"], r["network"]) for r in rows})
    for target, d, n, net in keys:
        vals = [
            r["rel_test_error"]
            for r in rows
            if (r["target"], r["d"], r["n"], r["network"]) == (target, d, n, net)
        ]
        mean, std = _mean_std(vals)
        out.append(
            {
                "target": target,
                "d": d,
                "n": n,
                "network": net,
                "mean": mean,
                "std": std,
                "seeds": len(vals),
            }
        )
    return out


# -- (ii) graph recovery versus regulariser strength -------------------------------------------
def experiment_recovery(cfg: CompositionalExperimentConfig, progress: Progress) -> list[dict]:
    import torch

    from occam.compositional.recovery import recover, score_recovery, unit_sensitivity

    d, n, seed = cfg.recovery_d, cfg.recovery_n, cfg.seed
    target, _ = _targets(d, seed, cfg.family)
    graph = binary_tree(d)
    x = uniform_sample(n, d, seed=30_000 + seed)
    y = target(x)
    xt = uniform_sample(cfg.n_test, d, seed=10_000 + seed)
    yt = target(xt)
    x_probe = torch.as_tensor(x[: min(n, 1024)])
    runs = [("dense", 0.0)] + [
        (f"dense_{p}", lam) for p in cfg.recovery_penalties for lam in cfg.recovery_lams
    ]
    runs += [("sparse", 0.0)]
    rows = []
    for i, (name, lam) in enumerate(runs):
        name = {"dense_ideal": "dense_occam"}.get(name, name)
        track: list[dict] = []

        def callback(step, model, track=track):
            if step % cfg.recovery_every == 0 or step == cfg.recovery_steps:
                s = score_recovery(recover(unit_sensitivity(model, x_probe)), graph)
                track.append({"step": step, **s.as_dict()})

        res, _ = _train_network(name, target, x, y, xt, yt, cfg, seed, lam=lam, callback=callback)
        for row in track:
            rows.append(
                {
                    "network": name,
                    "lam": lam,
                    **row,
                    "rel_test_error": res.final["test_error"] / float(yt.std()),
                }
            )
        progress(f"(ii) recovery run {i + 1}/{len(runs)} ({name}, λ={lam:g})")
    return rows


# -- (iii) circuit size versus d ---------------------------------------------------------------
def _built_row(d: int, seed: int, kind: str, b) -> dict:
    return {
        "d": d,
        "seed": seed,
        "target": kind,
        "construction": b.construction,
        "k": b.k,
        "frac_bits": b.frac_bits,
        "weight_bits": b.weight_bits,
        "act_bits": b.act_bits,
        "abc": b.abc,
        "keep": b.keep,
        "size": b.size,
        "error_l2": b.error_l2,
        "error_linf": b.error_linf,
    }


def experiment_circuits(cfg: CompositionalExperimentConfig, progress: Progress):
    """Rows per (d, seed, target, construction): the smallest verified circuit with relative L²
    error ≤ ε found by the precision search, plus every circuit built (frontier points) and the
    eq. (1) account of the best per-node compositions.

    Constructions (``cfg.circuit_constructions``): ``"table"``, per-node truth tables composed with
    clamps (construction ``per-node``, :func:`~occam.compositional.circuits.compose_target`);
    ``"compiled"``, per-node trained nets compiled to arithmetic circuits and composed with clamps
    (construction ``per-node compiled``, :mod:`~occam.compositional.compiled_nodes`; node nets
    trained once per node function and shared across d; the k search at each d starts at the k
    of the best compiled circuit of the next smaller d, since the error at a given precision only
    grows with the depth of the tree); and always one flat table for the compositional target and
    for the control."""
    from occam.compositional.circuits import compose_target, flat_table_circuit, size_at_error
    from occam.compositional.compiled_nodes import (
        CONSTRUCTION,
        NodeCircuits,
        compose_compiled,
        search_compiled,
    )

    rows, built_rows, stage_rows = [], [], []
    nodes = {
        seed: NodeCircuits(
            hidden=cfg.circuit_node_hidden,
            steps=cfg.circuit_node_steps,
            lr=cfg.circuit_node_lr,
            n=cfg.circuit_node_n,
            seed=seed,
        )
        for seed in cfg.circuit_seeds
    }
    k_start = dict.fromkeys(cfg.circuit_seeds, min(cfg.circuit_compiled_k))
    for d in cfg.circuit_d_values:
        for seed in cfg.circuit_seeds:
            target, control = _targets(d, seed, cfg.family)
            x = uniform_sample(cfg.circuit_n_eval, d, seed=40_000 + seed)
            eps = cfg.circuit_eps_rel * float(target(x).std())

            def flat(fn, d=d, x=x):
                return lambda k, f: (
                    flat_table_circuit(fn, d, k, f, x) if d * k <= cfg.flat_max_bits else None
                )

            def table_search(build, eps=eps):
                return lambda: size_at_error(build, eps, frac_offsets=(0, 1))

            jobs = []
            if "table" in cfg.circuit_constructions:
                jobs.append(
                    (
                        "compositional",
                        "per-node",
                        lambda t=target, x=x, eps=eps: size_at_error(
                            lambda k, f: compose_target(t, k, f, x), eps, frac_offsets=(0, 1, 2)
                        ),
                    )
                )
            if "compiled" in cfg.circuit_constructions:
                jobs.append(
                    (
                        "compositional",
                        CONSTRUCTION,
                        lambda t=target, x=x, s=seed, eps=eps: search_compiled(
                            lambda k, fw, fa, abc=False, keep=1.0: compose_compiled(
                                t, k, fw, fa, x, nodes[s], abc=abc, keep=keep
                            ),
                            eps,
                            k_values=tuple(v for v in cfg.circuit_compiled_k if v >= k_start[s]),
                            bit_offsets=cfg.circuit_compiled_offsets,
                            keep_levels=tuple(sorted(cfg.circuit_compiled_keep, reverse=True)),
                            abc=cfg.circuit_node_abc,
                        ),
                    )
                )
            jobs += [
                ("compositional", "flat table", table_search(flat(target))),
                ("control", "flat table", table_search(flat(control))),
            ]
            for kind, construction, search in jobs:
                t0 = time.perf_counter()
                n_nets = sum(len(n.nets) for n in nodes.values())
                best, built = search()
                built_rows += [_built_row(d, seed, kind, b) for b in built]
                row = {
                    "d": d,
                    "seed": seed,
                    "target": kind,
                    "construction": construction,
                    "eps": eps,
                    "found": best is not None,
                    "size": best.size if best else None,
                    "k": best.k if best else None,
                    "frac_bits": best.frac_bits if best else None,
                    "weight_bits": best.weight_bits if best else None,
                    "act_bits": best.act_bits if best else None,
                    "abc": best.abc if best else None,
                    "keep": best.keep if best else None,
                    "error_l2": best.error_l2 if best else None,
                    "n_built": len(built),
                    "largest_tried_bits": max((b.k for b in built), default=0) * d,
                    "nets_trained": sum(len(n.nets) for n in nodes.values()) - n_nets,
                    "node_net_max_rel_error": (
                        max(
                            nodes[seed].net(g, len(target.graph.children[v])).rel_error
                            for v, g in target.nodes.items()
                        )
                        if construction == CONSTRUCTION
                        else None
                    ),
                    "seconds": time.perf_counter() - t0,
                }
                if construction == CONSTRUCTION and best is not None:
                    k_start[seed] = best.k
                if best is not None and best.composition is not None:
                    comp = best.composition
                    row.update(
                        total_error=comp.total_error,
                        sum_telescoping=comp.sum_telescoping,
                        sum_bound=comp.sum_bound,
                        verified=comp.verified,
                    )
                    for s in comp.stages:
                        stage_rows.append(
                            {"d": d, "seed": seed, "construction": construction, **asdict(s)}
                        )
                rows.append(row)
            progress(f"(iii) circuits for d={d}, seed={seed}")
    return rows, built_rows, stage_rows


# -- (iv) convexity with MLMC ----------------------------------------------------------------------
def _level_tables(fn, arity: int, K: int, frac_extra: int = 1):
    """Level k = 1..K: table of fn at the midpoints of the 2^k grid on the common K-bit encoding
    (the low K−k bits of every coordinate ignored), output with k + frac_extra fractional bits."""
    from occam.htmc.tables import table_circuit

    rows = np.arange(2 ** (arity * K), dtype=np.int64)
    q = np.stack([(rows >> (i * K)) & (2**K - 1) for i in range(arity)], axis=1)
    out = []
    for k in range(1, K + 1):
        mid = -1.0 + ((q >> (K - k)) + 0.5) * 2.0 / 2**k
        out.append(
            table_circuit(
                np.round(fn(mid) * 2 ** (k + frac_extra)).astype(np.int64), k + frac_extra
            )
        )
    return out


def experiment_mlmc_acceptance(cfg: CompositionalExperimentConfig, progress: Progress) -> dict:
    """Issue 20 acceptance on a real hierarchy (tables of a random 3-input tanh node f):
    unbiasedness over ``mlmc_draws`` draws and variance of the n-copy average against n."""
    from occam.circuits.encoding import ints_to_bits, quantize
    from occam.compositional.targets import random_node
    from occam.htmc.mlmc import build_mlmc, choose_log2_inv_p
    from occam.stats import loglog_fit

    a, K = cfg.convexity_arity, cfg.convexity_levels
    f = random_node(a, "tanh", np.random.default_rng(cfg.seed + 5))
    levels = _level_tables(f, a, K)
    x = uniform_sample(1024, a, seed=60_000 + cfg.seed)
    xb = ints_to_bits(quantize(x, (-1.0, 1.0), K).astype(np.int64), K).reshape(len(x), -1)
    j = tuple(max(v, 1) for v in choose_log2_inv_p(levels, xb))
    rows = []
    for n in (1, 2, 4, 8, 16):
        m = build_mlmc(levels, j, copies=n)
        st = m.measure(xb, cfg.mlmc_draws, seed=n)
        rows.append({"copies": n, "circuit_size": m.circuit.size, **asdict(st)})
    fit = loglog_fit([r["copies"] for r in rows], [r["variance"] for r in rows])
    progress("(iv) MLMC acceptance measured")
    return {
        "rows": rows,
        "log2_inv_p": list(j),
        "slope": fit.slope,
        "slope_ci": [fit.ci_low, fit.ci_high],
        "sizes": [lv.size for lv in levels],
    }


# -- run -------------------------------------------------------------------------------------------
# Config fields a part does NOT read (prefixes). A cached part is reused only when every other
# field is unchanged, so a new config field invalidates every part until it is listed here: the
# safe default. (Fields of the convexity part start with ``convexity_``.)
_FOREIGN_FIELDS: dict[str, tuple[str, ...]] = {
    "mlmc_acceptance": (
        "recovery_",
        "circuit_",
        "flat_",
        "d_values",
        "n_values",
        "seeds",
        "networks",
    ),
    "convexity": ("recovery_", "mlmc_", "flat_", "d_values", "n_values", "seeds", "networks"),
    "circuits": ("recovery_", "convexity_", "mlmc_", "d_values", "n_values", "seeds", "networks"),
    "recovery": ("circuit_", "flat_", "convexity_", "mlmc_", "d_values", "n_values", "seeds"),
    "error_vs_n": ("recovery_", "circuit_", "flat_", "convexity_", "mlmc_"),
}
PARTS = tuple(_FOREIGN_FIELDS)


def part_config(cfg: CompositionalExperimentConfig, part: str) -> dict[str, Any]:
    """The config fields part ``part`` may read (every field but its foreign prefixes)."""
    foreign = _FOREIGN_FIELDS[part]
    return {k: v for k, v in cfg.to_dict().items() if not k.startswith(foreign)}


def _run_part(
    out: Path,
    name: str,
    cfg: CompositionalExperimentConfig,
    fn: Callable,
    say: Progress,
    redo: bool,
) -> tuple[Any, float, str | None]:
    """Run part ``name`` or reuse ``out/parts/<name>.json`` when it was written for the same
    part config; returns ``(result, seconds, reused_from)`` (``reused_from``: the cached
    part's finish time, None when run now). Results are written as soon as a part finishes, so
    an interrupted run resumes at the first unfinished part."""
    import datetime as dt

    from occam.report import jsonable, read_json, write_json

    path = out / "parts" / f"{name}.json"
    wanted = jsonable(part_config(cfg, name), keep_nonfinite=True)
    if path.exists() and not redo:
        try:
            saved = read_json(path)
        except ValueError:
            saved = None  # a truncated or foreign file: run the part again
        if isinstance(saved, dict) and saved.get("config") == wanted:
            say(f"{name}: reused from {path} ({saved['finished']})")
            return saved["result"], float(saved["seconds"]), str(saved["finished"])
    t0 = time.perf_counter()
    result = fn(cfg, say)
    seconds = time.perf_counter() - t0
    finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"config": wanted, "seconds": seconds, "finished": finished, "result": result}
    write_json(path, record, keep_nonfinite=True)
    # the part continues from what a reuse would give (tuples as lists, numpy as Python numbers)
    return read_json(path)["result"], seconds, None


def run(
    config: CompositionalExperimentConfig | None = None,
    out_dir: str | Path = "runs/compositional",
    progress: Progress | None = None,
    *,
    redo: tuple[str, ...] | bool = False,
) -> dict:
    """Run the four experiments, write tables, figures and the report into ``out_dir``; returns
    the summary (verdicts, timings, paths).

    Resumable: each part's result is saved in ``out_dir/parts/`` when it finishes and reused by
    a later run whose config agrees on the fields that part reads (:func:`part_config`); the
    report names the reused parts. ``redo``: part names (of :data:`PARTS`) to run again anyway,
    or True for all."""
    from occam.compositional.experiment_report import (
        build_report,
        plot_circuits,
        plot_convexity,
        plot_error_vs_n,
        plot_recovery,
    )
    from occam.compositional.graph import GraphError
    from occam.compositional.verdicts import all_verdicts
    from occam.report import write_csv, write_json

    cfg = config or CompositionalExperimentConfig()
    say = progress or (lambda _msg: None)
    redo_set = set(PARTS) if redo is True else set(redo or ())
    unknown = sorted(redo_set - set(PARTS))
    if unknown:
        raise GraphError(f"redo: unknown part(s) {unknown}; choose from {list(PARTS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    reused: dict[str, str] = {}

    def timed(name, fn):
        result, timings[name], when = _run_part(out, name, cfg, fn, say, name in redo_set)
        if when is not None:
            reused[name] = when
        return result

    acc = timed("mlmc_acceptance", experiment_mlmc_acceptance)
    conv = timed("convexity", experiment_convexity)
    circ, built, stages = timed("circuits", experiment_circuits)
    rec = timed("recovery", experiment_recovery)
    err_rows = timed("error_vs_n", experiment_error_vs_n)
    summary = summarise_error(err_rows)

    write_csv(out / "error_vs_n.csv", err_rows)
    write_csv(out / "error_vs_n_summary.csv", summary)
    write_csv(out / "recovery.csv", rec)
    write_csv(out / "circuits.csv", circ, fieldnames=list(max(circ, key=len)))
    write_csv(out / "circuits_built.csv", built)
    write_csv(out / "composition_stages.csv", stages)
    write_csv(out / "convexity.csv", conv["table"])
    write_csv(out / "convexity_frontiers.csv", conv["frontier"])
    write_csv(out / "convexity_mlmc.csv", conv["mlmc"])
    write_csv(out / "mlmc_acceptance.csv", acc["rows"])
    figs = {
        "error": plot_error_vs_n(summary, cfg, out / "error_vs_n.png"),
        "recovery": plot_recovery(rec, out / "recovery.png"),
        "circuits": plot_circuits(circ, out / "circuit_size_vs_d.png"),
        "convexity": plot_convexity(conv, acc, out / "convexity_mlmc.png"),
    }
    verdicts = all_verdicts(cfg, summary, rec, circ, acc, conv)
    result = {
        "rows": err_rows,
        "config": cfg.to_dict(),
        "timings_s": timings,
        "reused_parts": reused,
        "verdicts": [asdict(v) for v in verdicts],
        "mlmc_acceptance": {k: v for k, v in acc.items() if k != "rows"},
        "convexity_fits": conv["fits"],
    }
    write_json(out / "summary.json", {k: v for k, v in result.items() if k != "rows"})
    build_report(cfg, verdicts, summary, rec, circ, stages, conv, acc, figs, timings, reused).write(
        out
    )
    say(f"report written to {out / 'report.md'}")
    result["files"] = {p.name: p for p in sorted(out.iterdir()) if p.is_file()}
    return result
