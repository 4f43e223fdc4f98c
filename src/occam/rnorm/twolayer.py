"""Two-layer ReLU networks and their R-norm (SPEC 12; SPEC 4.4 for the comparison with R̃ and R).

    g(x) = Σ_i u_i σ(w_iᵀx + b_i) + aᵀx + c,        ‖g‖_R(representation) = Σ_i |u_i| ‖w_i‖₂

The affine part aᵀx + c is unregularised; biases b_i are not counted. A unit with w_i = 0 is the
constant u_i σ(b_i) and costs nothing, which is why a free constant c is part of every
representation. Everything is numpy float64.

Relation with the ResNet measures (SPEC 4.2, 4.3). :meth:`TwoLayer.to_resnet` embeds g as the
depth-1 ResNet of SPEC 3 with width d+1 (one extra residual coordinate that collects the ReLU
part), hidden k = m:

    V_0 = [w_iᵀ, 0, b_i]_i  (m × (d+2)),   W_0 = e_{d+1} uᵀ  (row d+1 is u, others 0),
    V_out = (aᵀ, 1, c).

For this embedding, with 1_i(x) = 1[w_iᵀx + b_i > 0], h_i = σ(w_iᵀx + b_i), ‖·‖ = L²(π̂_x):

    R̃_{V_0}  = Σ_i |u_i| ( Σ_j |w_ij| ‖1_i x_j‖ + |b_i| ‖1_i‖ )
    R̃_{W_0}  = Σ_i |u_i| ‖h_i‖
    R̃_{V_out} = Σ_j |a_j| ‖x_j‖ + ‖Σ_i u_i h_i‖ + |c|

(:func:`ideal_blocks`), and for the certified R with the ``global`` engine on a box Ω with
Δ_j = sup_Ω |x_j| (:func:`certified_global_blocks`):

    R_{V_0}  = Σ_i |u_i| ( Σ_j |w_ij| Δ_j + |b_i| )
    R_{W_0}  = Σ_i |u_i| B_i,            B_i = sup_Ω h_i (exact by interval arithmetic)
    R_{V_out} = Σ_j |a_j| Δ_j + sup_Ω |Σ_i u_i h_i|_IBP + |c|.

Exact inequalities (proved in :func:`certified_global_blocks` and :func:`ideal_blocks`):

    R(θ) ≥ R_{V_0} ≥ (min_j Δ_j) · ‖g‖_R     (‖w‖₁ ≥ ‖w‖₂; on [−1,1]^d: R ≥ ‖g‖_R + Σ|u_i||b_i|)
    R̃_{V_0} ≥ R̃_{W_0}                             (triangle inequality in L²)
    R̃_{V_0} ≥ Σ_i |u_i| ‖w_i‖₂ √p_i ≥ √(min_i p_i) ‖g‖_R  on a sample of {±1}^d, p_i = mean 1_i.

So the certified R of the embedding is the larger quantity: it dominates the R-norm on any box
containing [−1,1]^d, and R̃ ≤ R_empirical ≤ R (SPEC 4.3). R̃ and ‖g‖_R are not ordered in
general: a unit inactive on the whole sample counts in ‖g‖_R but not in R̃, while large biases
or ‖w_i‖₁ ≫ ‖w_i‖₂ make R̃ larger; on samples of {±1}^d the bound above ties them through the
activation fractions p_i. Tests: tests/test_rnorm_resnet.py (against occam.complexity).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from occam.rnorm._validation import as_matrix, check_finite

if TYPE_CHECKING:  # pragma: no cover
    from occam.nets import ResNet


def relu(z: np.ndarray) -> np.ndarray:
    """σ(z) = max(z, 0)."""
    return np.maximum(z, 0.0)


class TwoLayer:
    """g(x) = Σ_i u_i σ(w_iᵀx + b_i) + aᵀx + c (SPEC 12), float64.

    Parameters
    ----------
    W : array (m, d)
        Input weights w_i as rows (m may be 0).
    b : array (m,)
        Biases (not counted by the R-norm).
    u : array (m,)
        Output weights.
    a : array (d,) or None
        Unregularised linear part (None means 0).
    c : float
        Unregularised constant.
    """

    def __init__(
        self,
        W: object,
        b: object,
        u: object,
        a: object | None = None,
        c: float = 0.0,
    ) -> None:
        W = np.asarray(W, dtype=np.float64)
        if W.ndim != 2 or W.shape[1] == 0:
            raise ValueError(f"TwoLayer: W must have shape (m, d) with d >= 1, got {W.shape}")
        m, d = W.shape
        check_finite(W, "TwoLayer: W")
        b = np.asarray(b, dtype=np.float64).reshape(-1)
        u = np.asarray(u, dtype=np.float64).reshape(-1)
        if b.shape != (m,) or u.shape != (m,):
            raise ValueError(
                f"TwoLayer: b and u must have shape ({m},) to match W {W.shape}, "
                f"got b {b.shape} and u {u.shape}"
            )
        check_finite(b, "TwoLayer: b")
        check_finite(u, "TwoLayer: u")
        if a is not None:
            a = np.asarray(a, dtype=np.float64).reshape(-1)
            if a.shape != (d,):
                raise ValueError(f"TwoLayer: a must have shape ({d},), got {a.shape}")
            check_finite(a, "TwoLayer: a")
        c = float(c)
        if not np.isfinite(c):
            raise ValueError(f"TwoLayer: c must be finite, got {c}")
        self.W, self.b, self.u, self.a, self.c = W, b, u, a, c

    # -- basic properties ---------------------------------------------------------------------
    @property
    def d(self) -> int:
        """Input dimension."""
        return int(self.W.shape[1])

    @property
    def width(self) -> int:
        """Number of ReLU units m."""
        return int(self.W.shape[0])

    def __repr__(self) -> str:
        affine = "none" if self.a is None else "free"
        return (
            f"TwoLayer(d={self.d}, width={self.width}, rnorm={self.rnorm():.6g}, "
            f"linear={affine}, c={self.c:.6g})"
        )

    def pre_activations(self, X: object) -> np.ndarray:
        """z_i(x) = w_iᵀx + b_i for X of shape (n, d); returns (n, m)."""
        X = as_matrix(X, "X", n_cols=self.d)
        return X @ self.W.T + self.b

    def __call__(self, X: object) -> np.ndarray:
        """g(X) for X of shape (n, d); returns (n,)."""
        X = as_matrix(X, "X", n_cols=self.d)
        out = relu(X @ self.W.T + self.b) @ self.u + self.c
        if self.a is not None:
            out = out + X @ self.a
        return out

    def relu_part(self, X: object) -> np.ndarray:
        """Σ_i u_i σ(w_iᵀx + b_i) (no affine part), shape (n,)."""
        X = as_matrix(X, "X", n_cols=self.d)
        return relu(X @ self.W.T + self.b) @ self.u

    def rnorm(self) -> float:
        """‖g‖_R of this representation: Σ_i |u_i| ‖w_i‖₂ (biases and affine part not counted)."""
        return float(np.sum(np.abs(self.u) * np.linalg.norm(self.W, axis=1)))

    # -- equivalent representations -----------------------------------------------------------
    def normalized(self) -> TwoLayer:
        """The same function with every ‖w_i‖₂ = 1 and the same R-norm.

        σ is positively homogeneous: u σ(wᵀx + b) = (u‖w‖) σ((w/‖w‖)ᵀx + b/‖w‖). Units with
        w_i = 0 are constants u_i σ(b_i); they cost nothing and are folded into c.
        """
        norms = np.linalg.norm(self.W, axis=1)
        live = norms > 0
        c = self.c + float(np.sum(self.u[~live] * relu(self.b[~live])))
        n = norms[live]
        return TwoLayer(
            self.W[live] / n[:, None],
            self.b[live] / n,
            self.u[live] * n,
            None if self.a is None else self.a.copy(),
            c,
        )

    def pruned(self, tol: float = 0.0) -> TwoLayer:
        """Drop units with |u_i|‖w_i‖ <= tol · max_i |u_i|‖w_i‖ (tol = 0: exact zeros only)."""
        cost = np.abs(self.u) * np.linalg.norm(self.W, axis=1)
        keep = cost > tol * (cost.max() if cost.size else 0.0)
        const = (np.linalg.norm(self.W, axis=1) == 0) & (self.u != 0)
        c = self.c + float(np.sum(self.u[const] * relu(self.b[const])))
        keep &= ~const
        return TwoLayer(
            self.W[keep], self.b[keep], self.u[keep], None if self.a is None else self.a.copy(), c
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable parameters."""
        return {
            "W": self.W.tolist(),
            "b": self.b.tolist(),
            "u": self.u.tolist(),
            "a": None if self.a is None else self.a.tolist(),
            "c": self.c,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TwoLayer:
        W = np.asarray(data["W"], dtype=np.float64).reshape(len(data["u"]), -1)
        return cls(W, data["b"], data["u"], data.get("a"), data.get("c", 0.0))

    # -- ResNet conversion (SPEC 3) -----------------------------------------------------------
    def to_resnet(self, *, dtype: Any = None) -> ResNet:
        """The depth-1 ResNet of SPEC 3 computing g exactly (module docstring for the layout).

        Width d+1 (the extra residual coordinate collects Σ u_i h_i), hidden m (at least 1: a
        network without units gets one zero unit), d_out = 1. torch is imported lazily.
        """
        import torch

        from occam.nets import ResNet

        dtype = torch.float64 if dtype is None else dtype
        d, m = self.d, max(self.width, 1)
        V = np.zeros((m, d + 2))
        Wm = np.zeros((d + 1, m))
        V[: self.width, :d] = self.W
        V[: self.width, d + 1] = self.b
        Wm[d, : self.width] = self.u
        V_out = np.zeros((1, d + 2))
        if self.a is not None:
            V_out[0, :d] = self.a
        V_out[0, d] = 1.0
        V_out[0, d + 1] = self.c
        return ResNet.from_matrices(
            [torch.as_tensor(V)], [torch.as_tensor(Wm)], torch.as_tensor(V_out), d, dtype=dtype
        )

    @classmethod
    def from_resnet(cls, model: ResNet) -> TwoLayer:
        """The two-layer network computed by a depth-1, d_out = 1 ResNet (effective weights).

        With α_1 = α_0 + (W_0 σ(V_0 α_0), 0) and α_0 = (x, 0, 1):
        f(x) = V_out[:d] x + V_out[w] + Σ_i (V_out[:w] W_0)_i σ(V_0[i,:d] x + V_0[i,w]),
        so w_i = V_0[i, :d], b_i = V_0[i, w], u = V_out[:w] W_0, a = V_out[:d], c = V_out[w].
        """
        from occam.nets import ResNet

        if not isinstance(model, ResNet):
            raise TypeError(
                f"from_resnet: expected an occam.nets.ResNet, got {type(model).__name__}"
            )
        cfg = model.config
        if cfg.depth != 1 or cfg.d_out != 1:
            raise ValueError(
                f"from_resnet: expected depth 1 and d_out 1, got depth {cfg.depth}, "
                f"d_out {cfg.d_out}"
            )
        mats = model.matrices()
        V = mats.V[0].detach().cpu().double().numpy()
        Wm = mats.W[0].detach().cpu().double().numpy()
        V_out = mats.V_out.detach().cpu().double().numpy()[0]
        d, w = cfg.d_in, cfg.width
        u = V_out[:w] @ Wm
        return cls(V[:, :d], V[:, w], u, V_out[:d].copy(), float(V_out[w]))


# -- relation with R̃ and R (SPEC 4.2, 4.3) ------------------------------------------------------
def ideal_blocks(net: TwoLayer, x: object) -> dict[str, float]:
    """R̃ of ``net.to_resnet()`` on the sample x, block by block, in closed form (SPEC 4.2).

    Returns ``{"V_0", "W_0", "V_out", "total"}`` with (notation of the module docstring)

        V_0:   Σ_i |u_i| ( Σ_j |w_ij| ‖1_i x_j‖ + |b_i| ‖1_i‖ )
        W_0:   Σ_i |u_i| ‖h_i‖
        V_out: Σ_j |a_j| ‖x_j‖ + ‖Σ_i u_i h_i‖ + |c|

    because ∂f/∂W_0[d+1, i] = h_i, ∂f/∂V_0[i, j] = u_i 1_i α_{0,j} and ∂f/∂V_out = α_1.
    Inequality: R̃_{V_0} ≥ ‖1_i (|w_iᵀx| + |b_i|)‖ summed ≥ Σ_i |u_i| ‖h_i‖ = R̃_{W_0} (triangle
    inequality in L², then |z| ≥ σ(z)). On points of {±1}^d, ‖1_i x_j‖ = √p_i, so
    R̃_{V_0} = Σ_i |u_i| √p_i (‖w_i‖₁ + |b_i|) ≥ √(min p_i) ‖g‖_R.
    The ReLU derivative at 0 is taken as 0 (1_i = 1[z_i > 0]); at a sample point lying exactly on
    a kink, rounding of z_i can flip it, so compare with torch away from kinks.
    """
    X = as_matrix(x, "x", n_cols=net.d)
    Z = X @ net.W.T + net.b
    active = (Z > 0).astype(np.float64)
    H = relu(Z)
    au = np.abs(net.u)
    rms_active_x = np.sqrt(active.T @ (X**2) / X.shape[0])  # (m, d): ‖1_i x_j‖
    rms_active = np.sqrt(active.mean(axis=0))
    v0 = float(
        np.sum(au * (np.sum(np.abs(net.W) * rms_active_x, axis=1) + np.abs(net.b) * rms_active))
    )
    w0 = float(np.sum(au * np.sqrt((H**2).mean(axis=0))))
    lin = 0.0 if net.a is None else float(np.sum(np.abs(net.a) * np.sqrt((X**2).mean(axis=0))))
    vout = lin + float(np.sqrt(np.mean((H @ net.u) ** 2))) + abs(net.c)
    return {"V_0": v0, "W_0": w0, "V_out": vout, "total": v0 + w0 + vout}


def _box_bounds(domain: object, d: int) -> tuple[np.ndarray, np.ndarray]:
    from occam.tasks.box import as_box

    box = as_box(domain, d)
    return np.asarray(box.low, dtype=np.float64), np.asarray(box.high, dtype=np.float64)


def certified_global_blocks(net: TwoLayer, domain: object) -> dict[str, float]:
    """Certified R (SPEC 4.3, ``global`` engine) of ``net.to_resnet()`` on a box, block by block.

    For the embedding D_1 = |V_out| = (|a|, 1, |c|), G_0 = |W_0|ᵀ D_1 = |u|, so with
    Δ_j = sup_Ω |x_j|, B_i = σ(b_i + Σ_j max(w_ij lo_j, w_ij hi_j)) (exact: one affine map),
    and the interval bound [L, U] of Σ_i u_i h_i from h_i ∈ [σ(z_i^lo), σ(z_i^hi)]:

        V_0:   Σ_i |u_i| (Σ_j |w_ij| Δ_j + |b_i|)
        W_0:   Σ_i |u_i| B_i
        V_out: Σ_j |a_j| Δ_j + max(|L|, |U|) + |c|

    Theorem: R ≥ R_{V_0} ≥ (min_j Δ_j) Σ_i |u_i| ‖w_i‖₁ ≥ (min_j Δ_j) ‖g‖_R, because ‖w‖₁ ≥ ‖w‖₂.
    On any box containing [−1, 1]^d the certified R is therefore at least the R-norm
    (plus Σ_i |u_i||b_i|): R is the larger quantity.
    """
    lo, hi = _box_bounds(domain, net.d)
    delta = np.maximum(np.abs(lo), np.abs(hi))
    au = np.abs(net.u)
    v0 = float(np.sum(au * (np.abs(net.W) @ delta + np.abs(net.b))))
    z_hi = net.b + np.maximum(net.W * lo, net.W * hi).sum(axis=1)
    z_lo = net.b + np.minimum(net.W * lo, net.W * hi).sum(axis=1)
    h_hi, h_lo = relu(z_hi), relu(z_lo)
    w0 = float(np.sum(au * h_hi))
    upper = float(np.sum(np.where(net.u > 0, net.u * h_hi, net.u * h_lo)))
    lower = float(np.sum(np.where(net.u > 0, net.u * h_lo, net.u * h_hi)))
    lin = 0.0 if net.a is None else float(np.sum(np.abs(net.a) * delta))
    vout = lin + max(abs(lower), abs(upper)) + abs(net.c)
    return {"V_0": v0, "W_0": w0, "V_out": vout, "total": v0 + w0 + vout}


__all__ = [
    "TwoLayer",
    "certified_global_blocks",
    "ideal_blocks",
    "relu",
]
