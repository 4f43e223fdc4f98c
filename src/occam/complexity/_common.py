"""Small helpers shared by the complexity measures (SPEC 4): input validation, masks, sums."""

from __future__ import annotations

import torch
from torch import Tensor

from occam.errors import OccamError
from occam.nets import ResNet
from occam.tasks.box import Box, as_box


def check_model(model: object, name: str = "model") -> ResNet:
    """Return ``model`` if it is an :class:`occam.nets.ResNet`, else raise TypeError."""
    if not isinstance(model, ResNet):
        raise TypeError(f"{name}: expected an occam.nets.ResNet, got {type(model).__name__}")
    return model


def safe_sqrt(value: Tensor) -> Tensor:
    """sqrt that is exactly 0 at 0 with a zero (not NaN) gradient there; NaN stays NaN (a model
    with NaN weights must not report a norm of 0)."""
    tiny = torch.finfo(value.dtype).tiny
    positive = value > 0
    return torch.where(positive, torch.sqrt(torch.clamp(value, min=tiny)), value * 0)


class NonFiniteModelError(OccamError, ValueError):
    """A model whose parameters contain NaN or ±inf: no measure of it means anything."""


def check_finite_model(model: ResNet, name: str = "model") -> ResNet:
    """Return ``model`` if every parameter is finite, else raise :class:`NonFiniteModelError`
    naming the first offending parameter and how many entries are not finite."""
    check_model(model, name)
    for pname, param in model.named_parameters():
        bad = ~torch.isfinite(param.detach())
        if bool(bad.any()):
            raise NonFiniteModelError(
                f"{name}: parameter {pname} has {int(bad.sum())} non-finite entr"
                f"{'y' if int(bad.sum()) == 1 else 'ies'} (NaN or inf) of {param.numel()}; "
                "its error and complexity are undefined (was training diverging?)"
            )
    return model


def as_model_input(model: ResNet, x: object, name: str = "x") -> Tensor:
    """Validate a sample for ``model``: a finite 2-D array of shape (n, d_in) with n >= 1."""
    check_model(model)
    if x is None:
        raise ValueError(
            f"{name}: a sample of shape (n, {model.config.d_in}) is required, got None"
        )
    try:
        tensor = torch.as_tensor(x)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(
            f"{name}: expected an array of shape (n, d_in), got {type(x).__name__}"
        ) from err
    d_in = model.config.d_in
    if tensor.ndim != 2 or tensor.shape[1] != d_in:
        raise ValueError(f"{name}: expected shape (n, {d_in}), got {tuple(tensor.shape)}")
    if tensor.shape[0] == 0:
        raise ValueError(f"{name}: the sample is empty (n = 0)")
    if not (tensor.is_floating_point() or tensor.dtype in (torch.int32, torch.int64, torch.bool)):
        raise TypeError(f"{name}: expected a real-valued array, got dtype {tensor.dtype}")
    tensor = tensor.to(dtype=model.V_out.dtype, device=model.V_out.device)
    if not torch.isfinite(tensor).all():
        raise ValueError(f"{name}: contains NaN or infinite values")
    return tensor


def as_model_domain(model: ResNet, domain: object, name: str = "domain") -> Box:
    """Coerce ``domain`` (Box, (low, high) pair or (d, 2) array) to a Box of dimension d_in."""
    check_model(model)
    if domain is None:
        raise ValueError(
            f"{name}: a domain Ω is required (a Box, a (low, high) pair or a (d, 2) array), "
            "got None"
        )
    return as_box(domain, dim=model.config.d_in, name=name)


def apply_masks(model: ResNet, weights: dict[str, Tensor]) -> dict[str, Tensor]:
    """Zero the weight s_p of every masked entry (a masked parameter cannot move f)."""
    out = {}
    for name, value in weights.items():
        mask = model.mask(name)
        out[name] = value if mask is None else value * mask.to(value.dtype)
    return out


def weighted_l1(model: ResNet, weights: dict[str, Tensor]) -> Tensor:
    """Σ_p |θ_p| s_p over all matrices (effective weights), a 0-d tensor."""
    total = None
    for name, matrix in model.named_matrices():
        term = (matrix.abs() * weights[name]).sum()
        total = term if total is None else total + term
    return total
