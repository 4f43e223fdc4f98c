"""The paper's ResNet (SPEC 3; Jacot, Sec. 2.2).

Width w >= d_in, hidden dimension k, depth L. The last activation coordinate is the constant 1, so
the biases live in the last column of every V::

    α_0(x)     = (x, 0_{w-d_in}, 1)                              ∈ R^{w+1}
    α_{ℓ+1}(x) = α_ℓ(x) + (W_ℓ σ(V_ℓ α_ℓ(x)), 0),   V_ℓ ∈ R^{k×(w+1)}, W_ℓ ∈ R^{w×k}
    f_θ(x)     = V_L α_L(x),                        V_L ∈ R^{d_out×(w+1)}

θ is the concatenation of all entries of V_0, W_0, V_1, W_1, ..., V_{L-1}, W_{L-1}, V_L, in that
order (``ResNet.named_matrices``). Every matrix may carry a fixed binary mask (sparse architectures,
pruning); the *effective* weights are ``mask * parameter`` and everything in occam reads those.
Masks are buffers, so they travel with the standard ``state_dict``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class ResNetConfig:
    """Architecture of the SPEC 3 ResNet: input/output dimensions, width w, hidden k, depth L."""

    d_in: int
    width: int
    hidden: int
    depth: int
    d_out: int = 1

    def __post_init__(self) -> None:
        for name in ("d_in", "width", "hidden", "d_out"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ResNetConfig.{name} must be a positive int, got {value!r}")
        if not isinstance(self.depth, int) or isinstance(self.depth, bool) or self.depth < 0:
            raise ValueError(f"ResNetConfig.depth must be an int >= 0, got {self.depth!r}")
        if self.width < self.d_in:
            raise ValueError(
                f"ResNetConfig: width must be >= d_in (the input is copied into α_0), "
                f"got width={self.width}, d_in={self.d_in}"
            )

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ResNetConfig:
        return cls(**{k: int(data[k]) for k in ("d_in", "width", "hidden", "depth", "d_out")})

    @property
    def n_parameters(self) -> int:
        """Number of entries of θ: L·(k(w+1) + wk) + d_out(w+1)."""
        w, k = self.width, self.hidden
        return self.depth * (k * (w + 1) + w * k) + self.d_out * (w + 1)


class Trace(NamedTuple):
    """Everything a forward pass computes (SPEC 3), for analysis.

    alphas: L+1 tensors α_ℓ of shape (n, w+1); pre: L tensors z_ℓ = V_ℓ α_ℓ of shape (n, k);
    hidden: L tensors h_ℓ = σ(z_ℓ); output: f_θ(x) of shape (n, d_out).
    """

    alphas: list[Tensor]
    pre: list[Tensor]
    hidden: list[Tensor]
    output: Tensor


class Matrices(NamedTuple):
    """Effective weights (mask applied): V_0..V_{L-1}, W_0..W_{L-1} and the output matrix V_L."""

    V: list[Tensor]
    W: list[Tensor]
    V_out: Tensor


class _MaskSet(nn.Module):
    """Holds the optional binary masks as bool buffers named like the matrices (V_0, W_0, V_out)."""


def _matrix_names(depth: int) -> list[str]:
    names = []
    for layer in range(depth):
        names += [f"V_{layer}", f"W_{layer}"]
    return [*names, "V_out"]


class ResNet(nn.Module):
    """The ResNet of SPEC 3, as a ``torch.nn.Module`` (float32 by default, float64 capable).

    Parameters
    ----------
    d_in, width, hidden, depth, d_out:
        Input dimension, width w (>= d_in), hidden dimension k, number of residual blocks L and
        output dimension.
    dtype:
        Parameter dtype (``torch.float32`` or ``torch.float64``).
    seed:
        Seed of the initialisation; ``None`` uses torch's global generator.
    init_scale:
        Multiplies every initial matrix. Initialisation: V_ℓ ~ N(0, 2/(w+1)),
        W_ℓ ~ N(0, 1/(k·max(L,1))), V_L ~ N(0, 1/(w+1)), so that the residual stream stays O(1).
    masks:
        Optional dict ``{matrix name: bool tensor}``; names as in :meth:`matrix_names`.
    """

    def __init__(
        self,
        d_in: int,
        width: int,
        hidden: int,
        depth: int,
        d_out: int = 1,
        *,
        dtype: torch.dtype = torch.float32,
        seed: int | None = None,
        init_scale: float = 1.0,
        masks: dict[str, Tensor] | None = None,
    ) -> None:
        super().__init__()
        self.config = ResNetConfig(d_in, width, hidden, depth, d_out)
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"ResNet: dtype must be torch.float32 or torch.float64, got {dtype}")
        gen = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        w, k, L = width, hidden, depth

        def normal(rows: int, cols: int, var: float) -> nn.Parameter:
            data = torch.randn(rows, cols, generator=gen, dtype=torch.float64)
            return nn.Parameter((data * (init_scale * var**0.5)).to(dtype))

        self.V = nn.ParameterList([normal(k, w + 1, 2.0 / (w + 1)) for _ in range(L)])
        self.W = nn.ParameterList([normal(w, k, 1.0 / (k * max(L, 1))) for _ in range(L)])
        self.V_out = normal(d_out, w + 1, 1.0 / (w + 1))
        self.masks = _MaskSet()
        if masks:
            self.set_masks(masks)

    # -- construction helpers ------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: ResNetConfig, **kwargs) -> ResNet:
        return cls(config.d_in, config.width, config.hidden, config.depth, config.d_out, **kwargs)

    @classmethod
    def from_matrices(
        cls,
        V: list[Tensor],
        W: list[Tensor],
        V_out: Tensor,
        d_in: int,
        *,
        dtype: torch.dtype = torch.float64,
        masks: dict[str, Tensor] | None = None,
    ) -> ResNet:
        """Build a ResNet with the given matrices (used by explicit constructions, SPEC 8, 9.4)."""
        if len(V) != len(W):
            raise ValueError(f"from_matrices: got {len(V)} V matrices but {len(W)} W matrices")
        V_out = torch.as_tensor(V_out)
        if V_out.ndim != 2:
            raise ValueError(f"from_matrices: V_out must be 2-D, got shape {tuple(V_out.shape)}")
        w = V_out.shape[1] - 1
        k = V[0].shape[0] if V else 1
        model = cls(d_in, w, k, len(V), V_out.shape[0], dtype=dtype, seed=0)
        with torch.no_grad():
            for layer, (v, wm) in enumerate(zip(V, W, strict=True)):
                v, wm = torch.as_tensor(v), torch.as_tensor(wm)
                if v.shape != (k, w + 1) or wm.shape != (w, k):
                    raise ValueError(
                        f"from_matrices: layer {layer} has V {tuple(v.shape)} and W "
                        f"{tuple(wm.shape)}, expected ({k}, {w + 1}) and ({w}, {k})"
                    )
                model.V[layer].copy_(v.to(dtype))
                model.W[layer].copy_(wm.to(dtype))
            model.V_out.copy_(V_out.to(dtype))
        if masks:
            model.set_masks(masks)
        return model

    # -- naming and masks -----------------------------------------------------------------------
    def matrix_names(self) -> list[str]:
        """Names of the matrices in θ order: V_0, W_0, ..., V_{L-1}, W_{L-1}, V_out."""
        return _matrix_names(self.config.depth)

    def raw_matrix(self, name: str) -> nn.Parameter:
        """The parameter behind a matrix name (without mask)."""
        if name == "V_out":
            return self.V_out
        kind, _, layer = name.partition("_")
        if kind not in ("V", "W") or not layer.isdigit() or int(layer) >= self.config.depth:
            raise KeyError(f"ResNet has no matrix named {name!r}; names are {self.matrix_names()}")
        return (self.V if kind == "V" else self.W)[int(layer)]

    def mask(self, name: str) -> Tensor | None:
        """The bool mask of a matrix, or None when it has none."""
        return getattr(self.masks, name, None)

    def set_masks(self, masks: dict[str, Tensor]) -> None:
        """Attach fixed binary masks (bool tensors shaped like their matrices) by matrix name."""
        names = set(self.matrix_names())
        for name, mask in masks.items():
            if name not in names:
                raise KeyError(f"set_masks: unknown matrix {name!r}; names are {sorted(names)}")
            param = self.raw_matrix(name)
            mask = torch.as_tensor(mask)
            if tuple(mask.shape) != tuple(param.shape):
                raise ValueError(
                    f"set_masks: mask for {name} has shape {tuple(mask.shape)}, "
                    f"expected {tuple(param.shape)}"
                )
            if mask.dtype != torch.bool:
                if not torch.all((mask == 0) | (mask == 1)):
                    raise ValueError(f"set_masks: mask for {name} is not binary")
                mask = mask != 0
            self.masks.register_buffer(name, mask.detach().clone().to(param.device))

    def clear_masks(self) -> None:
        for name in list(self.masks._buffers):
            del self.masks._buffers[name]

    @property
    def is_masked(self) -> bool:
        return len(self.masks._buffers) > 0

    def effective(self, name: str) -> Tensor:
        """mask * parameter for one matrix (the parameter itself when unmasked)."""
        param = self.raw_matrix(name)
        mask = self.mask(name)
        return param if mask is None else param * mask

    def matrices(self) -> Matrices:
        """All effective weights, as (V list, W list, V_out)."""
        L = self.config.depth
        return Matrices(
            [self.effective(f"V_{i}") for i in range(L)],
            [self.effective(f"W_{i}") for i in range(L)],
            self.effective("V_out"),
        )

    def named_matrices(self) -> list[tuple[str, Tensor]]:
        """(name, effective matrix) in θ order."""
        return [(name, self.effective(name)) for name in self.matrix_names()]

    def theta(self) -> Tensor:
        """The effective parameter vector θ (concatenation in θ order), 1-D."""
        return torch.cat([m.reshape(-1) for _, m in self.named_matrices()])

    def n_nonzero(self) -> int:
        """Number of nonzero effective parameters."""
        with torch.no_grad():
            return int(sum(int(torch.count_nonzero(m)) for _, m in self.named_matrices()))

    @property
    def n_parameters(self) -> int:
        return self.config.n_parameters

    # -- forward ---------------------------------------------------------------------------------
    def _input(self, x: Tensor) -> Tensor:
        x = torch.as_tensor(x)
        if x.ndim != 2 or x.shape[1] != self.config.d_in:
            raise ValueError(
                f"ResNet: expected input of shape (n, {self.config.d_in}), got {tuple(x.shape)}"
            )
        dtype = self.V_out.dtype
        x = x.to(dtype=dtype, device=self.V_out.device)
        n, w = x.shape[0], self.config.width
        pad = torch.zeros(n, w - self.config.d_in, dtype=dtype, device=x.device)
        one = torch.ones(n, 1, dtype=dtype, device=x.device)
        return torch.cat([x, pad, one], dim=1)

    def forward(self, x: Tensor) -> Tensor:
        """f_θ(x) for x of shape (n, d_in); returns (n, d_out)."""
        alpha = self._input(x)
        V, W, V_out = self.matrices()
        for v, wm in zip(V, W, strict=True):
            update = torch.relu(alpha @ v.T) @ wm.T
            alpha = alpha + nn.functional.pad(update, (0, 1))
        return alpha @ V_out.T

    def trace(self, x: Tensor) -> Trace:
        """Forward pass keeping α_ℓ, z_ℓ = V_ℓ α_ℓ and h_ℓ = σ(z_ℓ) (SPEC 3)."""
        alpha = self._input(x)
        V, W, V_out = self.matrices()
        alphas, pre, hidden = [alpha], [], []
        for v, wm in zip(V, W, strict=True):
            z = alpha @ v.T
            h = torch.relu(z)
            alpha = alpha + nn.functional.pad(h @ wm.T, (0, 1))
            pre.append(z)
            hidden.append(h)
            alphas.append(alpha)
        return Trace(alphas, pre, hidden, alpha @ V_out.T)

    # -- state -----------------------------------------------------------------------------------
    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ):
        # Masks are optional buffers: create the ones a checkpoint carries before loading it.
        mask_prefix = prefix + "masks."
        for key, value in state_dict.items():
            if key.startswith(mask_prefix):
                name = key[len(mask_prefix) :]
                if name in self.matrix_names() and self.mask(name) is None:
                    self.masks.register_buffer(name, torch.zeros_like(value, dtype=torch.bool))
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def extra_repr(self) -> str:
        c = self.config
        return (
            f"d_in={c.d_in}, width={c.width}, hidden={c.hidden}, depth={c.depth}, "
            f"d_out={c.d_out}, dtype={self.V_out.dtype}, masked={self.is_masked}"
        )
