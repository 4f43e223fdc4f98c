"""Recovering the computation graph from a trained dense ResNet (SPEC 13; seed 003, Sec. 4.2).

Input support of a unit. Unit m of block ℓ writes u_{ℓ,m}(x) = W_{ℓ,·m} σ(z_{ℓ,m}(x)) into the
residual stream; its sensitivity to input i on the data is

    S_{ℓ,m,i} = ‖W_{ℓ,·m}‖₂ · mean_x |∂σ(z_{ℓ,m})/∂x_i (x)|,

computed exactly by forward-mode differentiation (one tangent per input coordinate, no sampling).
With the threshold τ = 1e-3 · max_{ℓ,m,i} S_{ℓ,m,i} (fixed in advance, relative to the largest
entry of the network), unit (ℓ, m) is *active* if some S_{ℓ,m,i} > τ and its recovered input set
is R_{ℓ,m} = {i : S_{ℓ,m,i} > τ}.

Scores against the DAG's leaf sets S_v (v internal): each active unit is matched to the node v*
maximising the Jaccard index |R ∩ S_v| / |R ∪ S_v| (ties: the smaller S_v). Over the pairs
(unit, input),

    precision = Σ_u |R_u ∩ S_{v*(u)}| / Σ_u |R_u|,
    recall    = Σ_u |R_u ∩ S_{v*(u)}| / Σ_u |S_{v*(u)}|.

Because every unit of a dense net that reads all inputs matches the output node (S = all inputs)
exactly, precision and recall alone reward a net that learned nothing sparse; so the score also
reports ``coverage``: the fraction of internal nodes other than the output whose leaf set is
recovered exactly by at least one active unit, the mean support size and the fraction of active
units with full support.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import asdict, dataclass

import numpy as np
import torch

from occam.compositional.graph import CompositionalGraph
from occam.nets import ResNet

__all__ = ["TAU_RELATIVE", "RecoveryScore", "recover", "score_recovery", "unit_sensitivity"]

TAU_RELATIVE = 1e-3


def unit_sensitivity(model: ResNet, x: torch.Tensor) -> np.ndarray:
    """S of the module docstring, float64 ``(L, k, d)``."""
    x = torch.as_tensor(x, dtype=model.V_out.dtype)
    d = model.config.d_in
    with torch.no_grad():
        alpha = model._input(x)
        V, W, _ = model.matrices()
        n, w1 = alpha.shape
        tangent = torch.zeros(n, d, w1, dtype=alpha.dtype)  # ∂α/∂x_i for each i
        tangent[:, torch.arange(d), torch.arange(d)] = 1.0
        out = []
        for v, wm in zip(V, W, strict=True):
            z = alpha @ v.T
            active = (z > 0).to(z.dtype)
            dh = (tangent @ v.T) * active[:, None, :]  # (n, d, k)
            col_norm = torch.linalg.vector_norm(wm, dim=0)  # (k,)
            out.append((dh.abs().mean(dim=0).T * col_norm[:, None]).numpy())  # (k, d)
            h = torch.relu(z)
            alpha = alpha + torch.nn.functional.pad(h @ wm.T, (0, 1))
            tangent = tangent + torch.nn.functional.pad(dh @ wm.T, (0, 1))
    if not out:
        return np.zeros((0, 0, d))
    return np.stack(out).astype(np.float64)


def recover(sensitivity: np.ndarray, tau_relative: float = TAU_RELATIVE) -> list[frozenset[int]]:
    """Recovered input sets of the active units (see the module docstring)."""
    s = np.asarray(sensitivity, np.float64)
    if s.size == 0 or s.max() <= 0:
        return []
    tau = tau_relative * s.max()
    sets = []
    for row in s.reshape(-1, s.shape[-1]):
        support = frozenset(int(i) for i in np.flatnonzero(row > tau))
        if support:
            sets.append(support)
    return sets


@dataclass(frozen=True)
class RecoveryScore:
    """Graph-recovery scores (see the module docstring)."""

    precision: float
    recall: float
    coverage: float
    n_active: int
    mean_support: float
    full_support_fraction: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _best_node(r: frozenset[int], leaf_sets: dict[Hashable, frozenset[int]]) -> frozenset[int]:
    best, key = None, None
    for s in leaf_sets.values():
        jac = len(r & s) / len(r | s)
        k = (jac, -len(s))
        if key is None or k > key:
            best, key = s, k
    return best


def score_recovery(sets: list[frozenset[int]], graph: CompositionalGraph) -> RecoveryScore:
    """Precision, recall and coverage of recovered input sets against the DAG's leaf sets."""
    leaf_sets = graph.leaf_sets()
    if not sets:
        return RecoveryScore(float("nan"), 0.0, 0.0, 0, 0.0, float("nan"))
    inter = tot_r = tot_s = 0
    for r in sets:
        s = _best_node(r, leaf_sets)
        inter += len(r & s)
        tot_r += len(r)
        tot_s += len(s)
    targets = {s for v, s in leaf_sets.items() if v != graph.output}
    found = set(sets)
    coverage = len(targets & found) / len(targets) if targets else 1.0
    d = graph.d
    return RecoveryScore(
        inter / tot_r,
        inter / tot_s,
        coverage,
        len(sets),
        float(np.mean([len(r) for r in sets])),
        float(np.mean([len(r) == d for r in sets])),
    )
