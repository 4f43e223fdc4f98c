"""Comparison tables of trained networks: error and every complexity measure (SPEC 4, SPEC 14).

:func:`complexity_summary` returns, for one model, the test error ‖f_θ − y‖_{L²} (RMS over the
sample), R̃ on the sample (SPEC 4.2), R for each engine (``empirical`` on the sample; ``interval``
and ``global`` certified over the domain Ω, SPEC 4.3), the baselines ℓ1, ℓ2 and the ℓ1 path-norm
(SPEC 4.4), and the counts of nonzero and total parameters.
"""

from __future__ import annotations

from typing import Any

import torch

from occam import complexity
from occam.complexity._common import check_finite_model
from occam.nets import ResNet

SUMMARY_COLUMNS = (
    "test_error",
    "rtilde",
    "R_empirical",
    "R_interval",
    "R_global",
    "l1",
    "l2",
    "path",
    "nonzeros",
    "parameters",
)
COLUMN_TITLES = {
    "test_error": "test error",
    "rtilde": "R̃",
    "R_empirical": "R emp.",
    "R_interval": "R interval",
    "R_global": "R global",
    "l1": "ℓ1",
    "l2": "ℓ2",
    "path": "path-norm",
    "nonzeros": "nonzeros",
    "parameters": "params",
}


def complexity_summary(model: ResNet, x: Any, y: Any = None, domain: Any = None) -> dict[str, Any]:
    """Error and complexity measures of ``model`` on the sample x (and domain Ω).

    Without y the test error is None; without a domain the interval and global engines are None.
    """
    if not isinstance(model, ResNet):
        raise TypeError(f"model: expected occam.nets.ResNet, got {type(model).__name__}")
    check_finite_model(model)  # a NaN model has no error or complexity to report
    x = torch.as_tensor(x, dtype=model.V_out.dtype)
    out: dict[str, Any] = {}
    with torch.no_grad():
        if y is None:
            out["test_error"] = None
        else:
            y = torch.as_tensor(y, dtype=torch.float64).reshape(x.shape[0], -1)
            diff = model(x).to(torch.float64) - y
            out["test_error"] = float(torch.sqrt((diff**2).sum(dim=1).mean()))
    out["rtilde"] = float(complexity.ideal(model, x).detach())
    out["R_empirical"] = float(complexity.certified(model, x=x, engine="empirical").detach())
    for engine in ("interval", "global"):
        out[f"R_{engine}"] = (
            None
            if domain is None
            else float(complexity.certified(model, domain=domain, engine=engine).detach())
        )
    out["l1"] = float(complexity.l1_norm(model).detach())
    out["l2"] = float(complexity.l2_norm(model).detach())
    out["path"] = float(complexity.path_norm(model).detach())
    out["nonzeros"] = model.n_nonzero()
    out["parameters"] = model.n_parameters
    return out
