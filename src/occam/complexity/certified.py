"""Certified complexity R(θ) (SPEC 4.3; Jacot Sec. 2.2, the measure of the sandwich bound).

A weighted ℓ1 norm of the parameters whose weights are worst-case removal effects over Ω:

    R(θ) = Σ_{ℓ<L} [ Σ_{i,m} D_{ℓ+1,i} |W_{ℓ,im}| B_{ℓ,m} + Σ_{m,j} G_{ℓ,m} |V_{ℓ,mj}| Δ_{ℓ,j} ]
           + Σ_{o,j} |V_{L,oj}| Δ_{L,j}

with Δ_{ℓ,j} = sup |α_{ℓ,j}| (Δ_{ℓ,w+1} = 1), B_{ℓ,m} = sup h_{ℓ,m},
D_{ℓ,i} = sup ‖∂f/∂α_{ℓ,i}‖₂ and G_{ℓ,m} = sup ‖∂f/∂z_{ℓ,m}‖₂ (Euclidean norm over the
outputs). Three engines:

- ``empirical``: the sups are maxima over a sample x (an estimate, not a bound). Here the norm over
  outputs is taken per sample before the maximum, max_x ‖g(x)‖₂.
- ``interval``: certified bounds over the box Ω: activation boxes by interval bound propagation,
  then interval Jacobians with the ReLU derivative in {0}, {1} or [0, 1], per output; the outputs
  are combined as D = (Σ_o sup_Ω |g_o|²)^{1/2} ≥ sup_Ω ‖g‖₂.
- ``global``: D and G from absolute weights only (valid for every input), per output, combined
  the same way; Δ and B from interval propagation over Ω.

Ordering (tests check it): R̃ ≤ R_empirical (same sample) ≤ R_interval (box containing the sample)
≤ R_global. Δ, B, D, G of the interval and global engines are rigorous upper bounds for the
real-valued network (outward rounding, see :mod:`occam.complexity.intervals`, barring underflow);
the final combination into s_p and the sum Σ_p |θ_p| s_p are ordinary floating-point operations
(relative error at most about P·2^-53 for P parameters).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from occam.complexity._common import (
    apply_masks,
    as_model_domain,
    as_model_input,
    check_model,
    safe_sqrt,
    weighted_l1,
)
from occam.complexity.intervals import global_jacobians, interval_jacobians, propagate_boxes
from occam.complexity.sensitivity import backward_sweep
from occam.nets import ResNet

ENGINES = ("empirical", "interval", "global")


class CertifiedBounds(NamedTuple):
    """The sup quantities of SPEC 4.3 for one engine.

    Delta: L+1 tensors (w+1,), Δ_ℓ = sup |α_ℓ| (Δ_{ℓ,w+1} = 1);
    B: L tensors (k,), B_ℓ = sup h_ℓ;
    D: L+1 tensors (w+1,), D_ℓ = sup ‖∂f/∂α_ℓ‖₂ (Euclidean over outputs);
    G: L tensors (k,), G_ℓ = sup ‖∂f/∂z_ℓ‖₂.
    """

    engine: str
    Delta: list[Tensor]
    B: list[Tensor]
    D: list[Tensor]
    G: list[Tensor]


def _check_engine(engine: object) -> str:
    if engine not in ENGINES:
        raise ValueError(f"engine: expected one of {ENGINES}, got {engine!r}")
    return engine  # type: ignore[return-value]


def _euclid_over_outputs(per_output: Tensor) -> Tensor:
    """(Σ_o b_o²)^{1/2} for a (d_out, ·) tensor of per-output bounds b_o ≥ 0."""
    if per_output.shape[0] == 1:
        return per_output[0]
    return safe_sqrt((per_output * per_output).sum(dim=0))


def _empirical_bounds(model: ResNet, x: Tensor) -> CertifiedBounds:
    trace = model.trace(x)
    V = model.matrices().V
    Delta = [alpha.abs().amax(dim=0) for alpha in trace.alphas]
    B = [h.amax(dim=0) for h in trace.hidden]
    V_out = model.matrices().V_out
    D: list[Tensor] = [_euclid_over_outputs(V_out.abs())]
    G: list[Tensor] = []
    for sens in backward_sweep(model, trace):
        delta = sens.delta
        G.append(safe_sqrt((delta * delta).sum(dim=0).amax(dim=0)))
        g = sens.g_next + delta @ V[sens.layer]  # g_ℓ, (d_out, n, w+1)
        D.append(safe_sqrt((g * g).sum(dim=0).amax(dim=0)))
    return CertifiedBounds("empirical", Delta, B, D[::-1], G[::-1])


def certified_bounds(
    model: ResNet, *, x: object = None, domain: object = None, engine: str = "empirical"
) -> CertifiedBounds:
    """Δ, B, D, G of SPEC 4.3 for the chosen engine (see the module docstring).

    ``empirical`` needs x (n, d_in); ``interval`` and ``global`` need domain (a Box, a (low, high)
    pair or a (d, 2) array) and ignore x. Differentiable in θ.
    """
    check_model(model)
    engine = _check_engine(engine)
    if engine == "empirical":
        if x is None:
            raise ValueError(
                "x: engine 'empirical' takes its maxima over a sample; pass x of shape "
                f"(n, {model.config.d_in}) (or use engine='interval' with a domain)"
            )
        return _empirical_bounds(model, as_model_input(model, x))
    if domain is None:
        raise ValueError(
            f"domain: engine {engine!r} bounds sups over a box Ω; pass domain as a Box, a "
            "(low, high) pair or a (d, 2) array"
        )
    box = as_model_domain(model, domain)
    boxes = propagate_boxes(model, box)
    jac = interval_jacobians(model, boxes) if engine == "interval" else global_jacobians(model)
    Delta = [alpha.magnitude for alpha in boxes.alphas]
    B = [h.hi for h in boxes.hidden]
    D = [_euclid_over_outputs(g) for g in jac.g_abs]
    G = [_euclid_over_outputs(d) for d in jac.delta_abs]
    return CertifiedBounds(engine, Delta, B, D, G)


def weights_from_bounds(model: ResNet, bounds: CertifiedBounds) -> dict[str, Tensor]:
    """s_p of R from Δ, B, D, G: s(W_ℓ) = D_{ℓ+1}[:w] ⊗ B_ℓ, s(V_ℓ) = G_ℓ ⊗ Δ_ℓ, s(V_L) = Δ_L."""
    w = model.config.width
    out: dict[str, Tensor] = {}
    for layer in range(model.config.depth):
        out[f"V_{layer}"] = torch.outer(bounds.G[layer], bounds.Delta[layer])
        out[f"W_{layer}"] = torch.outer(bounds.D[layer + 1][:w], bounds.B[layer])
    out["V_out"] = bounds.Delta[-1].unsqueeze(0).expand(model.config.d_out, -1).contiguous()
    return apply_masks(model, {name: out[name] for name in model.matrix_names()})


def certified_weights(
    model: ResNet, *, x: object = None, domain: object = None, engine: str = "empirical"
) -> dict[str, Tensor]:
    """Per-parameter weights s_p of R (SPEC 4.3), shaped like each matrix, R = Σ_p |θ_p| s_p.

    s(W_{ℓ,im}) = D_{ℓ+1,i} B_{ℓ,m}, s(V_{ℓ,mj}) = G_{ℓ,m} Δ_{ℓ,j}, s(V_{L,oj}) = Δ_{L,j}; masked
    entries get 0. Arguments as :func:`certified`.
    """
    return weights_from_bounds(model, certified_bounds(model, x=x, domain=domain, engine=engine))


def certified(
    model: ResNet, *, x: object = None, domain: object = None, engine: str = "empirical"
) -> Tensor:
    """Certified complexity R(θ) (SPEC 4.3) as a 0-d tensor, differentiable in θ.

    Parameters
    ----------
    model: the ResNet (effective, masked weights).
    x: sample (n, d_in), required by ``engine="empirical"`` (sups become maxima over x).
    domain: the box Ω (Box, (low, high) pair or (d, 2) array), required by ``"interval"`` and
        ``"global"``.
    engine: ``"empirical"`` (estimate), ``"interval"`` (certified over Ω) or ``"global"``
        (certified Lipschitz weights from |θ| alone, Δ and B over Ω).
    """
    return weighted_l1(model, certified_weights(model, x=x, domain=domain, engine=engine))
