"""Adam and SGD steps written out (SPEC 5), with plain, checkpointable state.

Why not ``torch.optim``: constructing a ``torch.optim.Optimizer`` imports ``torch._dynamo`` (and
sympy), which costs several seconds per process, as much as importing torch itself — a large share
of a short ``occam train``/``occam demo`` run. The updates below are PyTorch's single-tensor Adam
and plain SGD, operation for operation (the tests compare them with ``torch.optim`` bit for bit):

    Adam (β₁, β₂, ε) = (0.9, 0.999, 1e-8), step t = 1, 2, ...:
        m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
        θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
    SGD:  θ ← θ − η g

The state is a dict of ints, floats and tensors, so checkpoints load with ``weights_only=True``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor


class SGD:
    """θ ← θ − η ∇ for every parameter with a gradient."""

    kind = "sgd"

    def __init__(self, params: list[Tensor]) -> None:
        self.params = list(params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self, lr: float) -> None:
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-lr)

    def state_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("kind") != self.kind:
            raise ValueError(f"optimizer state is for {state.get('kind')!r}, expected 'sgd'")


class Adam(SGD):
    """Adam with PyTorch's defaults and update order (``torch.optim.Adam``, single-tensor path)."""

    kind = "adam"

    def __init__(
        self, params: list[Tensor], betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8
    ) -> None:
        super().__init__(params)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)
        self.t = 0
        self.exp_avg = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in params]
        self.exp_avg_sq = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in params]

    @torch.no_grad()
    def step(self, lr: float) -> None:
        beta1, beta2 = self.betas
        self.t += 1
        bias_correction1 = 1 - beta1**self.t
        bias_correction2_sqrt = math.sqrt(1 - beta2**self.t)
        step_size = lr / bias_correction1
        for p, m, v in zip(self.params, self.exp_avg, self.exp_avg_sq, strict=True):
            if p.grad is None:
                continue
            g = p.grad
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = (v.sqrt() / bias_correction2_sqrt).add_(self.eps)
            p.addcdiv_(m, denom, value=-step_size)

    def state_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "t": self.t,
            "betas": list(self.betas),
            "eps": self.eps,
            "exp_avg": [m.clone() for m in self.exp_avg],
            "exp_avg_sq": [v.clone() for v in self.exp_avg_sq],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("kind") != self.kind:
            raise ValueError(f"optimizer state is for {state.get('kind')!r}, expected 'adam'")
        shapes = [tuple(p.shape) for p in self.params]
        if [tuple(m.shape) for m in state["exp_avg"]] != shapes:
            raise ValueError("optimizer state does not match the model's parameter shapes")
        self.t = int(state["t"])
        self.betas = (float(state["betas"][0]), float(state["betas"][1]))
        self.eps = float(state["eps"])
        self.exp_avg = [
            m.clone().to(p.dtype) for m, p in zip(state["exp_avg"], self.params, strict=True)
        ]
        self.exp_avg_sq = [
            v.clone().to(p.dtype) for v, p in zip(state["exp_avg_sq"], self.params, strict=True)
        ]


def make_optimizer(kind: str, params: list[Tensor]) -> SGD:
    """``adam`` → :class:`Adam`; ``sgd`` and ``prox`` (its gradient half) → :class:`SGD`."""
    if kind == "adam":
        return Adam(params)
    if kind in ("sgd", "prox"):
        return SGD(params)
    raise ValueError(f"optimizer: expected 'adam', 'sgd' or 'prox', got {kind!r}")
