"""Interval arithmetic over the domain Ω for the certified complexity (SPEC 4.3).

Forward: interval bound propagation (IBP) of the activation boxes α_ℓ ∈ [lo, hi], z_ℓ, h_ℓ over Ω.
Backward: interval Jacobians g_ℓ = ∂f_o/∂α_ℓ and δ_ℓ = ∂f_o/∂z_ℓ with the ReLU derivative in {0}
(z_ℓ surely ≤ 0), {1} (z_ℓ surely > 0) or [0, 1] (undecided), one output at a time (vectorised).

Floating-point rounding is accounted for, so the bounds hold for the real-number network: a
product c·M computed in floating point errs by at most γ_n |c|·|M| with γ_n = n·u / (1 − n·u)
(u the unit roundoff, n the inner dimension; Higham, *Accuracy and Stability*, Sec. 3.1), and every
radius is inflated by that amount; sums of intervals are rounded outwards with ``nextafter``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from occam.nets import ResNet
from occam.tasks.box import Box


class Interval(NamedTuple):
    """A box [lo, hi] (tensors of the same shape, lo <= hi)."""

    lo: Tensor
    hi: Tensor

    @property
    def magnitude(self) -> Tensor:
        """sup |v| over the box: max(|lo|, |hi|)."""
        return torch.maximum(self.lo.abs(), self.hi.abs())


def gamma(n: int, dtype: torch.dtype) -> float:
    """γ_n = n·u/(1 − n·u), the relative error bound of an n-term floating-point dot product."""
    u = torch.finfo(dtype).eps / 2
    return n * u / (1 - n * u)


def _nudge(value: Tensor, direction: float) -> Tensor:
    """Move ``value`` one ulp towards ``direction`` unless it is exactly 0.

    A floating-point sum or difference that comes out exactly 0 is exact (with gradual
    underflow x - y = 0 iff x = y), so zeros need no widening; keeping them makes a network with
    V_L = 0 get certified complexity exactly 0. The shift is added as a detached constant, so
    the bound stays differentiable in θ.
    """
    base = value.detach()
    moved = torch.nextafter(base, torch.full_like(base, direction))
    shift = torch.where(base == 0, torch.zeros_like(base), moved - base)
    return value + shift


def _outward(lo: Tensor, hi: Tensor) -> Interval:
    """Round a computed [lo, hi] outwards by one ulp (covers the rounding of its last add)."""
    return Interval(_nudge(lo, -torch.inf), _nudge(hi, torch.inf))


def interval_matmul(box: Interval, matrix: Tensor) -> Interval:
    """Rigorous enclosure of {v @ matrix : v ∈ box} (box rows are vectors, matrix is a point)."""
    center = (box.lo + box.hi) / 2
    radius = (box.hi - box.lo) / 2
    abs_m = matrix.abs()
    inner = matrix.shape[0]
    new_center = center @ matrix
    # The centre/radius split itself rounds: hi - center may exceed radius by an ulp; the extra
    # γ term over (|c| + r)|M| absorbs that and the rounding of both products.
    err = gamma(inner + 4, matrix.dtype) * ((center.abs() + radius) @ abs_m)
    new_radius = radius @ abs_m + err
    return _outward(new_center - new_radius, new_center + new_radius)


def interval_add(a: Interval, b: Interval) -> Interval:
    return _outward(a.lo + b.lo, a.hi + b.hi)


def interval_scale01(box: Interval, lo01: Tensor, hi01: Tensor) -> Interval:
    """{t·d : t ∈ box, d ∈ [lo01, hi01]} for 0 <= lo01 <= hi01 <= 1 (products are exact here)."""
    candidates = torch.stack([box.lo * lo01, box.lo * hi01, box.hi * lo01, box.hi * hi01])
    return Interval(candidates.amin(dim=0), candidates.amax(dim=0))


class ActivationBounds(NamedTuple):
    """Certified boxes of every activation over Ω (SPEC 4.3 forward pass).

    alphas: L+1 intervals of shape (w+1,); pre: L intervals of z_ℓ, shape (k,);
    hidden: L intervals of h_ℓ = σ(z_ℓ); output: interval of f over Ω, shape (d_out,).
    """

    alphas: list[Interval]
    pre: list[Interval]
    hidden: list[Interval]
    output: Interval


def _round_to_dtype(values: object, dtype: torch.dtype, direction: float) -> Tensor:
    """float64 bounds converted to ``dtype``, rounded towards ``direction`` (outwards)."""
    exact = torch.as_tensor(values, dtype=torch.float64)
    rounded = exact.to(dtype)
    off = (
        (rounded.to(torch.float64) < exact)
        if direction > 0
        else (rounded.to(torch.float64) > exact)
    )
    moved = torch.nextafter(rounded, torch.full_like(rounded, direction))
    return torch.where(off, moved, rounded)


def propagate_boxes(model: ResNet, domain: Box) -> ActivationBounds:
    """Interval bound propagation (IBP) of Ω through the network (SPEC 4.3), differentiable in θ.

    α_0 ∈ [(a, 0, 1), (a + ρ, 0, 1)], then z_ℓ = V_ℓ α_ℓ by :func:`interval_matmul`,
    h_ℓ = [σ(z_lo), σ(z_hi)], α_{ℓ+1} = α_ℓ + (W_ℓ h_ℓ, 0); the constant coordinate stays exactly 1.
    """
    cfg = model.config
    if domain.dim != cfg.d_in:
        raise ValueError(f"domain has dimension {domain.dim}, the model expects d_in={cfg.d_in}")
    dtype, device = model.V_out.dtype, model.V_out.device
    V, W, V_out = model.matrices()
    low = torch.zeros(cfg.width + 1, dtype=dtype, device=device)
    high = torch.zeros(cfg.width + 1, dtype=dtype, device=device)
    low[: cfg.d_in] = _round_to_dtype(domain.low, dtype, -torch.inf)
    high[: cfg.d_in] = _round_to_dtype(domain.high, dtype, torch.inf)
    low[-1] = high[-1] = 1.0
    alpha = Interval(low, high)
    alphas, pre, hidden = [alpha], [], []
    zero_last = torch.zeros(1, dtype=dtype, device=device)
    for v, wm in zip(V, W, strict=True):
        z = interval_matmul(alpha, v.T)
        h = Interval(torch.relu(z.lo), torch.relu(z.hi))
        update = interval_matmul(h, wm.T)
        update = Interval(torch.cat([update.lo, zero_last]), torch.cat([update.hi, zero_last]))
        alpha = interval_add(alpha, update)
        # The constant coordinate is exactly 1 (no update reaches it).
        alpha = Interval(
            torch.cat([alpha.lo[:-1], zero_last + 1]), torch.cat([alpha.hi[:-1], zero_last + 1])
        )
        pre.append(z)
        hidden.append(h)
        alphas.append(alpha)
    return ActivationBounds(alphas, pre, hidden, interval_matmul(alpha, V_out.T))


class JacobianBounds(NamedTuple):
    """Per-output sup bounds of the sensitivities over Ω.

    g_abs: L+1 tensors (d_out, w+1) bounding sup |∂f_o/∂α_{ℓ,i}|;
    delta_abs: L tensors (d_out, k) bounding sup |∂f_o/∂z_{ℓ,m}|.
    """

    g_abs: list[Tensor]
    delta_abs: list[Tensor]


def interval_jacobians(model: ResNet, boxes: ActivationBounds) -> JacobianBounds:
    """Backward interval Jacobians, ReLU derivative in {0}, {1} or [0, 1] from the z boxes."""
    V, W, V_out = model.matrices()
    w = model.config.width
    g = Interval(V_out, V_out)
    g_abs, delta_abs = [g.magnitude], []
    for layer in reversed(range(model.config.depth)):
        z = boxes.pre[layer]
        lo01 = (z.lo > 0).to(V_out.dtype)
        hi01 = (z.hi > 0).to(V_out.dtype)
        back = interval_matmul(Interval(g.lo[:, :w], g.hi[:, :w]), W[layer])
        delta = interval_scale01(back, lo01, hi01)
        g = interval_add(g, interval_matmul(delta, V[layer]))
        delta_abs.append(delta.magnitude)
        g_abs.append(g.magnitude)
    return JacobianBounds(g_abs[::-1], delta_abs[::-1])


def global_jacobians(model: ResNet) -> JacobianBounds:
    """Input-independent bounds from absolute weights only (SPEC 4.3, engine ``global``).

    Per output o: D_L = |V_{L,o·}|, G_ℓ = |W_ℓ|ᵀ D_{ℓ+1}[:w], D_ℓ = D_{ℓ+1} + |V_ℓ|ᵀ G_ℓ. Each
    product is inflated by (1 + 8γ_{n+4}) and each sum by (1 + 8γ_2): this covers the rounding of
    the recursion itself and, with room to spare, the rounding slack that
    :func:`interval_jacobians` adds, so that global ≥ interval holds elementwise in floating point
    too (and not only in exact arithmetic).
    """
    V, W, V_out = model.matrices()
    w = model.config.width
    dtype = V_out.dtype
    D = V_out.abs()
    g_abs, delta_abs = [D], []
    for layer in reversed(range(model.config.depth)):
        wm, v = W[layer].abs(), V[layer].abs()
        G = (D[:, :w] @ wm) * (1 + 8 * gamma(w + 4, dtype))
        D = (D + (G @ v) * (1 + 8 * gamma(v.shape[0] + 4, dtype))) * (1 + 8 * gamma(2, dtype))
        delta_abs.append(G)
        g_abs.append(D)
    return JacobianBounds(g_abs[::-1], delta_abs[::-1])
