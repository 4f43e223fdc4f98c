"""Baseline parameter norms for comparison tables (SPEC 4.4): ℓ1, ℓ2 and the ℓ1 path-norm."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from occam.complexity._common import check_model, safe_sqrt
from occam.nets import ResNet


def l1_norm(model: ResNet) -> Tensor:
    """‖θ‖₁ = Σ_p |θ_p| over the effective (masked) weights, a 0-d tensor."""
    check_model(model)
    return sum(
        (m.abs().sum() for _, m in model.named_matrices()), start=torch.zeros(()).to(model.V_out)
    )


def l2_norm(model: ResNet) -> Tensor:
    """‖θ‖₂ = (Σ_p θ_p²)^{1/2} over the effective weights (the norm, not its square)."""
    check_model(model)
    squares = sum(
        (m.pow(2).sum() for _, m in model.named_matrices()), start=torch.zeros(()).to(model.V_out)
    )
    return safe_sqrt(squares)


def path_norm(model: ResNet, *, bias_paths: bool = True) -> Tensor:
    """ℓ1 path-norm: Σ over input-to-output paths of the product of absolute weights (SPEC 4.4).

    A path starts at an input unit of α_0, goes through the blocks, each either along the skip
    connection (factor 1) or through a hidden unit (α_{ℓ,j} → z_{ℓ,m} → α_{ℓ+1,i}, factor
    |V_{ℓ,mj}| |W_{ℓ,im}|), and ends at an output o (factor |V_{L,oj}|). All such products are
    summed by one forward pass of the |θ| network (ReLU is the identity on nonnegative values):

        a_0 = (1_{d_in}, 0_{w-d_in}, c),   a_{ℓ+1} = a_ℓ + (|W_ℓ| |V_ℓ| a_ℓ, 0),
        path-norm = 1ᵀ |V_L| a_L.

    Convention for the extra coordinates of α_0: the w − d_in padding coordinates are 0 for every
    input, so no path starts there (they start at 0; paths may still pass through them). The
    constant-1 coordinate is the bias unit: with ``bias_paths=True`` (default) c = 1 and the paths
    starting at it (bias paths, as in the usual treatment of biases as weights from a constant
    unit) are counted; with ``bias_paths=False`` c = 0 and only paths from the d_in real inputs
    count. No block writes to the constant coordinate, so it stays c in every layer.
    """
    check_model(model)
    cfg = model.config
    V, W, V_out = model.matrices()
    a = torch.zeros(cfg.width + 1, dtype=V_out.dtype, device=V_out.device)
    a[: cfg.d_in] = 1.0
    a[-1] = 1.0 if bias_paths else 0.0
    for v, wm in zip(V, W, strict=True):
        a = a + nn.functional.pad(wm.abs() @ (v.abs() @ a), (0, 1))
    return (V_out.abs() @ a).sum()
