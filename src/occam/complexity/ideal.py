"""Ideal complexity R̃(θ) (SPEC 4.2; Jacot Sec. 2.2, the Poisson-pruning heuristic).

    R̃(θ) = Σ_p |θ_p| · s_p,   s_p = ‖∂_{θ_p} f_θ‖_{L²(π)} = (E_π Σ_o (∂_{θ_p} f_o(x))²)^{1/2}

From the factorisation of SPEC 4.1 (∂f_o/∂W_{ℓ,im} = g_{ℓ+1,o,i} h_{ℓ,m},
∂f_o/∂V_{ℓ,mj} = δ_{ℓ,o,m} α_{ℓ,j}, ∂f_o/∂V_{L,oj} = α_{L,j}) the squared weights are matrix
products of squared activations and squared sensitivities,

    s²(W_ℓ) = (1/n) (Σ_o g²_{ℓ+1,o}[:, :w])ᵀ (h_ℓ²)      (w × k)
    s²(V_ℓ) = (1/n) (Σ_o δ²_{ℓ,o})ᵀ (α_ℓ²)                (k × (w+1))
    s²(V_L) = (1/n) Σ_x α_L²  (the same row for every output)

so R̃ costs one forward pass, one backward sweep per output and two matrix products per block
and output; per-sample parameter gradients are never materialised. ``ideal_reference`` computes the
same quantity from per-sample gradients (torch.func) for testing.

Masks: s_p is the sensitivity to the free parameter behind an entry, so it is 0 for a masked entry.
"""

from __future__ import annotations

import torch
from torch import Tensor

from occam.complexity._common import (
    apply_masks,
    as_model_input,
    check_model,
    safe_sqrt,
    weighted_l1,
)
from occam.nets import ResNet


def _forward_without_constant(model: ResNet, x: Tensor) -> tuple[list[Tensor], list[Tensor]]:
    """a_ℓ = α_ℓ[:, :w] (the constant coordinate dropped) for ℓ = 1..L, a_0 = x, and h_ℓ.

    z_ℓ = a_ℓ V_ℓ[:, :w]ᵀ + V_ℓ[:, w] and a_{ℓ+1} = a_ℓ + h_ℓ W_ℓᵀ, each one fused ``addmm``.
    a_0 keeps only the d_in input columns: the w − d_in padding columns of α_0 are zero.
    """
    V, W, _ = model.matrices()
    w, d_in = model.config.width, model.config.d_in
    acts, hidden = [x], []
    a = x
    for layer, (v, wm) in enumerate(zip(V, W, strict=True)):
        cols = d_in if layer == 0 else w
        h = torch.relu_(torch.addmm(v[:, w], a, v[:, :cols].T))
        if layer == 0 and d_in < w:
            a = torch.nn.functional.pad(x, (0, w - d_in))
        a = torch.addmm(a, h, wm.T)
        hidden.append(h)
        acts.append(a)
    return acts, hidden


def ideal_weights(model: ResNet, x: Tensor) -> dict[str, Tensor]:
    """Per-parameter L² sensitivity weights s_p = ‖∂_{θ_p} f‖_{L²(π̂_x)} (SPEC 4.2), by matrix name.

    Parameters
    ----------
    model: the ResNet (its effective, masked weights are used).
    x: sample of shape (n, d_in) defining the empirical measure π̂_x.

    Returns a dict ``{name: tensor shaped like the matrix}`` in ``model.matrix_names()`` order,
    with R̃ = Σ_p |θ_p| s_p. Differentiable with respect to θ (call under ``torch.no_grad()``
    when only the values are needed: that is faster).

    Implementation: one forward pass, then one backward sweep per output o with 2-D tensors
    (g_{ℓ,o} = ∂f_o/∂α_ℓ[:w] of shape (n, w), δ_{ℓ,o} of shape (n, k)); s² is linear in the squared
    sensitivities, so each output adds its own (g²)ᵀ(h²)/n and (δ²)ᵀ(α²)/n, small w×k and k×(w+1)
    matrices. The constant coordinate is handled apart (its column of V_ℓ is the bias: its
    s² is mean_x δ², and the bias column of V_L has s = 1). The top block uses that
    g_L = V_{L,o·} does not depend on x (an outer product instead of a matrix product).
    """
    x = as_model_input(model, x)
    cfg = model.config
    n, w, d_in, L = x.shape[0], cfg.width, cfg.d_in, cfg.depth
    V, W, V_out = model.matrices()
    acts, hidden = _forward_without_constant(model, x)
    act_sq = [a * a for a in acts]
    hid_sq = [h * h for h in hidden]
    # ReLU derivative 1[z > 0] (0 at 0, as in PyTorch) as a float mask: h = σ(z) >= 0, so
    # sign(h) is exactly that indicator (one cheap pass; a bool mask + where is ~7x slower).
    active = [torch.sign(h.detach()) for h in hidden]
    sq_W: list[Tensor | None] = [None] * L
    sq_V: list[Tensor | None] = [None] * L
    for o in range(cfg.d_out):
        g = V_out[o, :w]  # g_L restricted to the first w coordinates; (w,) then (n, w)
        for layer in reversed(range(L)):
            back = g @ W[layer]
            # δ = 1[z > 0] ⊙ back, in place on the fresh product when it is already (n, k)
            delta = back * active[layer] if g.ndim == 1 else back.mul_(active[layer])
            if g.ndim == 1:  # top block: g_L is the same for every sample
                term_W = torch.outer(g * g, hid_sq[layer].mean(dim=0))
            else:
                term_W = ((g * g).T @ hid_sq[layer]) / n
            d_sq = delta * delta
            pieces = [(d_sq.T @ act_sq[layer]) / n]
            if layer == 0 and d_in < w:  # the padding coordinates of α_0 are 0
                pieces.append(torch.zeros_like(V[0][:, d_in:w]))
            pieces.append(d_sq.mean(dim=0).unsqueeze(1))
            term_V = torch.cat(pieces, dim=1)
            sq_W[layer] = term_W if sq_W[layer] is None else sq_W[layer] + term_W
            sq_V[layer] = term_V if sq_V[layer] is None else sq_V[layer] + term_V
            if layer > 0:  # g_0 is not needed
                g = torch.addmm(g, delta, V[layer][:, :w])
    if L == 0:
        last = torch.cat([act_sq[0].mean(dim=0), torch.zeros_like(V_out[0, d_in:w])])
    else:
        last = act_sq[-1].mean(dim=0)
    out_row = torch.cat([last, torch.ones_like(V_out[0, :1])])
    weights: dict[str, Tensor] = {
        "V_out": safe_sqrt(out_row).unsqueeze(0).expand(cfg.d_out, -1).contiguous()
    }
    for layer in range(L):
        weights[f"V_{layer}"] = safe_sqrt(sq_V[layer])
        weights[f"W_{layer}"] = safe_sqrt(sq_W[layer])
    return apply_masks(model, {name: weights[name] for name in model.matrix_names()})


def ideal(model: ResNet, x: Tensor) -> Tensor:
    """R̃(θ) = Σ_p |θ_p| ‖∂_p f‖_{L²(π̂_x)} (SPEC 4.2), fast factorised computation.

    One forward pass and one backward sweep; returns a 0-d tensor differentiable in θ.
    """
    return weighted_l1(model, ideal_weights(model, x))


def _functional_forward(
    V: list[Tensor], W: list[Tensor], V_out: Tensor, x: Tensor, width: int
) -> Tensor:
    """SPEC 3 written out directly for one sample x of shape (d_in,) (reference path)."""
    pad = torch.zeros(width - x.shape[0], dtype=x.dtype)
    alpha = torch.cat([x, pad, torch.ones(1, dtype=x.dtype)])
    for v, wm in zip(V, W, strict=True):
        alpha = alpha + torch.cat([wm @ torch.relu(v @ alpha), torch.zeros(1, dtype=x.dtype)])
    return V_out @ alpha


def ideal_reference_weights(model: ResNet, x: Tensor, chunk_size: int = 128) -> dict[str, Tensor]:
    """s_p from explicit per-sample gradients (torch.func.vmap of jacrev), in chunks of samples.

    s_p² = (1/n) Σ_x Σ_o (∂f_o(x)/∂θ_p)², the per-sample Jacobians being computed by automatic
    differentiation of a separate, direct implementation of SPEC 3 (not the factorisation).
    Slow (memory chunk_size·d_out·P); for tests and benchmarks only. Not differentiable.
    """
    from torch.func import jacrev, vmap

    check_model(model)
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size: expected a positive int, got {chunk_size!r}")
    x = as_model_input(model, x).detach()
    names = model.matrix_names()
    mats = [m.detach() for _, m in model.named_matrices()]
    depth, width = model.config.depth, model.config.width

    def single(params: list[Tensor], xi: Tensor) -> Tensor:
        V = [params[2 * i] for i in range(depth)]
        W = [params[2 * i + 1] for i in range(depth)]
        return _functional_forward(V, W, params[-1], xi, width)

    per_sample = vmap(jacrev(single), in_dims=(None, 0))
    sums = [torch.zeros_like(m) for m in mats]
    with torch.no_grad():
        for start in range(0, x.shape[0], chunk_size):
            jac = per_sample(mats, x[start : start + chunk_size])  # each (b, d_out, *shape)
            for acc, j in zip(sums, jac, strict=True):
                acc += (j**2).sum(dim=(0, 1))
        weights = {name: torch.sqrt(s / x.shape[0]) for name, s in zip(names, sums, strict=True)}
    return apply_masks(model, weights)


def ideal_reference(model: ResNet, x: Tensor, chunk_size: int = 128) -> Tensor:
    """R̃(θ) from per-sample parameter gradients (torch.func); the slow reference for ``ideal``."""
    weights = ideal_reference_weights(model, x, chunk_size)
    with torch.no_grad():
        return weighted_l1(model, weights)
