"""The (nonzeros, error) pruning curve and its first-order prediction (SPEC 6; Jacot Sec. 2.2).

For each target count N the curve records, over ``trials`` independent draws (1 for the
deterministic methods), the mean and standard deviation of

- the error against the unpruned network, ‖f_θ' − f_θ‖_{L²(π̂_x)} (``norm="l2"``, RMS over the sample
  of the per-point Euclidean error) or its sup over the sample (``norm="linf"``), and
- when a target y is given, the error against it, ‖f_θ' − y‖,

(and the median error over the trials, robust to the heavy tail of rare blow-ups), next to two
predictions:

- ``predicted_first_order``: for importance pruning sqrt(Σ_p (1/p_p − 1) θ_p² ‖∂_p f‖²_{L²})
  (Bernoulli) or sqrt(Σ_p θ_p² ‖∂_p f‖² / λ_p) (Poisson), the exact expected L² error of the
  linearised network; for the deterministic methods the linearised error ‖Σ_p (θ'_p − θ_p) ∂_p f‖;
- ``rtilde_over_sqrt_n``: R̃(θ)/√N, which the Poisson prediction equals exactly; the Bernoulli
  one is sqrt(R̃²/N − Σ_p a_p²) (a_p = |θ_p|·‖∂_p f‖) when no p_p is clipped, and less with clipping.
"""

from __future__ import annotations

import copy
import csv
import io
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

from occam.complexity._common import as_model_input
from occam.nets import ResNet
from occam.prune.criteria import flatten, resolve_amount, unflatten
from occam.prune.methods import (
    SAMPLERS,
    WEIGHTS,
    _check_model,
    first_order_prediction,
    flat_theta,
    importance_probabilities,
    importance_sample,
    iterative_prune,
    linearised_error,
    magnitude_prune,
    output_error,
    sensitivity_prune,
    sensitivity_weights,
    shapes,
)

METHODS = ("importance", "magnitude", "sensitivity", "iterative")


@dataclass(frozen=True)
class PrunePoint:
    """One point of a pruning curve (errors are float64 statistics over ``trials`` draws)."""

    n_keep: int
    mean_nonzeros: float
    mean_error: float
    std_error: float
    median_error: float
    mean_target_error: float | None
    std_target_error: float | None
    predicted_first_order: float
    rtilde_over_sqrt_n: float
    trials: int


@dataclass
class PruneCurve:
    """A (nonzeros, error) curve with its predictions; ``points`` sorted by increasing N."""

    method: str
    weights: str
    sampler: str
    norm: str
    n_parameters: int
    n_nonzero: int
    rtilde: float
    base_target_error: float | None
    points: list[PrunePoint] = field(default_factory=list)

    FIELDS = tuple(PrunePoint.__dataclass_fields__)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per point (the columns of the CSV)."""
        return [asdict(p) for p in self.points]

    def column(self, name: str) -> np.ndarray:
        """One column as a float array (None becomes NaN)."""
        if name not in self.FIELDS:
            raise KeyError(f"PruneCurve has no column {name!r}; columns are {self.FIELDS}")
        return np.array(
            [np.nan if getattr(p, name) is None else getattr(p, name) for p in self.points],
            dtype=np.float64,
        )

    def summary_table(self, *, with_ratio: bool = False) -> tuple[list[str], list[list[Any]]]:
        """Headers and rows for display (CLI and reports): N, nonzeros, error statistics, the
        first-order prediction and R̃/√N; ``with_ratio`` adds measured / first order."""
        headers = ["N", "mean nonzeros", "mean error", "std", "median", "target error"]
        headers += ["first order", "R̃/√N"] + (["measured / first order"] if with_ratio else [])
        rows = []
        for p in self.points:
            row = [p.n_keep, p.mean_nonzeros, p.mean_error, p.std_error, p.median_error]
            row += [p.mean_target_error, p.predicted_first_order, p.rtilde_over_sqrt_n]
            if with_ratio:
                first = p.predicted_first_order
                row.append(p.mean_error / first if first > 0 else None)
            rows.append(row)
        return headers, rows

    def to_dict(self) -> dict[str, Any]:
        meta = {k: v for k, v in asdict(self).items() if k != "points"}
        return {**meta, "points": self.rows()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PruneCurve:
        meta = {k: data[k] for k in cls.__dataclass_fields__ if k != "points"}
        return cls(**meta, points=[PrunePoint(**row) for row in data["points"]])

    def to_csv(self) -> str:
        """The points as CSV text (header = :attr:`FIELDS`)."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(self.FIELDS), lineterminator="\n")
        writer.writeheader()
        for row in self.rows():
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        return buf.getvalue()


def default_n_values(n_parameters: int, count: int = 8) -> list[int]:
    """A geometric grid of N from 5% to 80% of the parameters (distinct integers >= 1)."""
    grid = np.geomspace(0.05, 0.8, count) * n_parameters
    return sorted({max(1, round(v)) for v in grid})


def _as_targets(y: Any, x: Tensor, d_out: int) -> Tensor | None:
    if y is None:
        return None
    if callable(y):
        y = y(x.detach().cpu().numpy())
    y = torch.as_tensor(np.asarray(y), dtype=torch.float64)
    if y.ndim == 1:
        y = y.unsqueeze(1)
    if y.shape != (x.shape[0], d_out):
        raise ValueError(f"y: expected shape ({x.shape[0]}, {d_out}), got {tuple(y.shape)}")
    if not torch.isfinite(y).all():
        raise ValueError("y: contains NaN or infinite values")
    return y


def _stats(values: list[float]) -> tuple[float, float]:
    arr = np.asarray(values, dtype=np.float64)
    return float(arr.mean()), float(arr.std(ddof=1)) if arr.size > 1 else 0.0


def prune_curve(
    model: ResNet,
    x: Any,
    y: Any = None,
    *,
    method: str = "importance",
    n_values: list[int] | None = None,
    trials: int = 20,
    seed: int = 0,
    weights: str = "ideal",
    sampler: str = "bernoulli",
    domain: Any = None,
    engine: str = "empirical",
    norm: str = "l2",
    train_config: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> PruneCurve:
    """Prune ``model`` to each N in ``n_values`` and measure the error (SPEC 6).

    Parameters
    ----------
    model: trained ResNet (not modified).
    x: sample (n, d_in) on which errors and the L² weights are computed.
    y: optional target, an array (n, d_out) or a callable ``target(x_numpy)``.
    method: ``importance`` (random, ``trials`` draws), ``magnitude``, ``sensitivity`` or
        ``iterative`` (prune-and-retrain, needs y and ``train_config``); the deterministic methods
        use one trial.
    n_values: target counts N (ints) or fractions (floats); default :func:`default_n_values`.
    weights: ``ideal`` (L²) or ``certified`` (sup, with ``engine``/``domain``) for the scores s_p.
    sampler: ``bernoulli`` or ``poisson`` (importance pruning only).
    progress: optional callback ``progress(done, total)`` after each N.
    """
    _check_model(model)
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    if weights not in WEIGHTS:
        raise ValueError(f"weights: expected one of {WEIGHTS}, got {weights!r}")
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler: expected one of {SAMPLERS}, got {sampler!r}")
    if norm not in ("l2", "linf"):
        raise ValueError(f"norm: expected 'l2' or 'linf', got {norm!r}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials: expected an int >= 1, got {trials!r}")
    x = as_model_input(model, x).detach()
    targets = _as_targets(y, x, model.config.d_out)
    if method == "iterative" and (targets is None or train_config is None):
        raise ValueError("iterative pruning needs a target y and a train_config (TrainConfig)")
    total = model.n_parameters
    raw_n = default_n_values(total) if n_values is None else list(n_values)
    if not raw_n:
        raise ValueError("n_values: expected at least one count")
    ns = [resolve_amount(n, total, "n_values") for n in raw_n]

    names = model.matrix_names()
    theta = flat_theta(model)
    s_l2 = flatten(sensitivity_weights(model, x, weights="ideal"), names)
    rtilde = float((theta.abs() * s_l2).sum())
    if method in ("importance", "sensitivity") and weights != "ideal":
        s_score = flatten(
            sensitivity_weights(model, x, weights=weights, domain=domain, engine=engine), names
        )
    else:
        s_score = s_l2
    with torch.no_grad():
        reference = model(x).to(torch.float64)
    base_target = output_error(model, targets, x, norm) if targets is not None else None

    points: list[PrunePoint] = []
    if method == "iterative":
        order = sorted(set(ns), reverse=True)
        done = [0]

        def tick(_n: int, _m: ResNet) -> None:
            done[0] += 1
            if progress is not None:
                progress(done[0], len(order))

        steps = iterative_prune(model, x, targets, order, train_config, callback=tick)
        for n, net in steps:
            err = output_error(net, reference, x, norm)
            terr = output_error(net, targets, x, norm)
            points.append(
                PrunePoint(
                    n_keep=n,
                    mean_nonzeros=float(net.n_nonzero()),
                    mean_error=err,
                    std_error=0.0,
                    median_error=err,
                    mean_target_error=terr,
                    std_target_error=0.0,
                    predicted_first_order=linearised_error(model, net, x),
                    rtilde_over_sqrt_n=_ratio(rtilde, n),
                    trials=1,
                )
            )
        points.sort(key=lambda p: p.n_keep)
        return PruneCurve(
            method, weights, sampler, norm, total, model.n_nonzero(), rtilde, base_target, points
        )

    work = copy.deepcopy(model)
    work.clear_masks()
    sh = shapes(model)
    gen = torch.Generator().manual_seed(int(seed))
    for i, n in enumerate(sorted(set(ns))):
        errors, terrors, nonzeros = [], [], []
        if method == "importance":
            probs = importance_probabilities(theta, s_score, n, sampler)
            predicted = first_order_prediction(theta, s_l2, probs, sampler)
            for _ in range(trials):
                keep, values = importance_sample(theta, probs, sampler, gen)
                _load_flat(work, values, sh)
                errors.append(output_error(work, reference, x, norm))
                if targets is not None:
                    terrors.append(output_error(work, targets, x, norm))
                nonzeros.append(float(keep.sum()))
        else:
            if method == "magnitude":
                net = magnitude_prune(model, n)
            else:
                net = sensitivity_prune(model, x, n, weights=unflatten(s_score, sh))
            errors.append(output_error(net, reference, x, norm))
            if targets is not None:
                terrors.append(output_error(net, targets, x, norm))
            nonzeros.append(float(net.n_nonzero()))
            predicted = linearised_error(model, net, x)
        mean_e, std_e = _stats(errors)
        mean_t, std_t = _stats(terrors) if terrors else (None, None)
        points.append(
            PrunePoint(
                n_keep=n,
                mean_nonzeros=float(np.mean(nonzeros)),
                mean_error=mean_e,
                std_error=std_e,
                median_error=float(np.median(errors)),
                mean_target_error=mean_t,
                std_target_error=std_t,
                predicted_first_order=predicted,
                rtilde_over_sqrt_n=_ratio(rtilde, n),
                trials=len(errors),
            )
        )
        if progress is not None:
            progress(i + 1, len(set(ns)))
    return PruneCurve(
        method, weights, sampler, norm, total, model.n_nonzero(), rtilde, base_target, points
    )


def _ratio(rtilde: float, n: int) -> float:
    return rtilde / math.sqrt(n) if n > 0 else math.inf


def _load_flat(model: ResNet, values: Tensor, sh: dict[str, tuple[int, ...]]) -> None:
    """Write flat values into the (unmasked) raw matrices of ``model``."""
    start = 0
    with torch.no_grad():
        for name, shape in sh.items():
            size = math.prod(shape)
            param = model.raw_matrix(name)
            param.copy_(values[start : start + size].reshape(shape).to(param.dtype))
            start += size
