"""Per-sample sensitivities g_ℓ = ∂f/∂α_ℓ and δ_ℓ = ∂f/∂z_ℓ of the SPEC 3 ResNet (SPEC 4.1).

The backward recursion is written out by hand, vectorised over the outputs, so every complexity
measure needs one forward pass and one backward sweep (the "one backward pass per output" of
SPEC 4.2, done for all outputs at once) and stays differentiable in θ:

    g_L = V_L (row o for output o, the same for every sample)
    δ_ℓ = 1[z_ℓ > 0] ⊙ (W_ℓᵀ g_{ℓ+1}[:w])
    g_ℓ = g_{ℓ+1} + V_ℓᵀ δ_ℓ

Tensors are laid out output-major, (d_out, n, ·), so each step is one plain matrix product per
output. The ReLU derivative at 0 is taken as 0, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import torch
from torch import Tensor

from occam.nets import ResNet, Trace


class LayerSensitivity(NamedTuple):
    """Sensitivities of block ℓ for every output and sample.

    layer: ℓ; g_next: ∂f/∂α_{ℓ+1}, shape (d_out, n, w+1), or (d_out, 1, w+1) for the top block
    (g_L = V_L does not depend on x; broadcast it); delta: ∂f/∂z_ℓ, shape (d_out, n, k).
    """

    layer: int
    g_next: Tensor
    delta: Tensor


def output_gradient(model: ResNet) -> Tensor:
    """g_L = ∂f/∂α_L = V_L, as a (d_out, 1, w+1) tensor that broadcasts over the samples."""
    return model.matrices().V_out.unsqueeze(1)


def backward_sweep(model: ResNet, trace: Trace) -> Iterator[LayerSensitivity]:
    """Yield the sensitivities of blocks L-1, ..., 0 (in that order) along a traced forward pass."""
    V, W, V_out = model.matrices()
    w = model.config.width
    g = V_out.unsqueeze(1)
    for layer in reversed(range(model.config.depth)):
        active = torch.sign(trace.hidden[layer].detach())  # 1[z > 0], as h = σ(z) >= 0
        delta = (g[..., :w] @ W[layer]) * active
        yield LayerSensitivity(layer, g, delta)
        g = g + delta @ V[layer]


def input_gradients(model: ResNet, trace: Trace) -> list[Tensor]:
    """All g_ℓ = ∂f/∂α_ℓ for ℓ = 0..L, each (d_out, n, w+1) (memory L·d_out·n·(w+1))."""
    V = model.matrices().V
    n = trace.alphas[0].shape[0]
    top = output_gradient(model)
    gs = [top.expand(top.shape[0], n, top.shape[2])]
    for sens in backward_sweep(model, trace):
        gs.append(sens.g_next + sens.delta @ V[sens.layer])
    return gs[::-1]
