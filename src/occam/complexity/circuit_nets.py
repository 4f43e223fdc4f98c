"""Size and certified complexity of the circuit → ResNet map (SPEC 8 next to SPEC 4.3).

:func:`to_resnet_report` builds :func:`occam.nets.from_circuit.to_resnet` and evaluates R(θ) with
each engine of :func:`occam.complexity.certified`, beside the bound stated for the construction.
It sits in ``occam.complexity`` because it needs both the network (``occam.nets``, below) and the
measures (this package).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import torch

from occam.circuits.core import Circuit
from occam.complexity.certified import certified
from occam.nets.from_circuit import bits_to_signs, path_weight, to_resnet

__all__ = ["ToResNetReport", "to_resnet_report"]


@dataclass(frozen=True)
class ToResNetReport:
    """Size and complexity of :func:`to_resnet`'s network next to the circuit (SPEC 8).

    ``r`` maps engine → R(θ) over Ω = [−1, 1]^n ("empirical": on all 2^n ±1 points when n ≤ 12,
    else ``n_samples`` random ±1 points, plus ``n_samples`` uniform points of the box). ``bound`` is
    the stated bound for ``gates``: 10·√n_out·|C| + n_out (minmax, true sups / empirical engine) or
    6·path_weight + n_out (boolean, interval and global engines).
    """

    gates: str
    size: int
    n_inputs: int
    n_outputs: int
    width: int
    hidden: int
    depth: int
    nonzeros: int
    path_weight: float
    bound: float
    r: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def to_resnet_report(
    circuit: Circuit,
    *,
    gates: Literal["minmax", "boolean"] = "minmax",
    engines: tuple[str, ...] = ("empirical", "interval", "global"),
    n_samples: int = 4096,
    seed: int = 0,
) -> ToResNetReport:
    """Build :func:`to_resnet` (float64) and report its size, R(θ) per engine and the bound."""
    model = to_resnet(circuit, gates=gates)
    n = circuit.n_inputs
    box = (-np.ones(n), np.ones(n))
    r: dict[str, float] = {}
    with torch.no_grad():
        for engine in engines:
            if engine == "empirical":
                rng = np.random.default_rng(seed)
                if n <= 12:
                    signs = bits_to_signs((np.arange(2**n)[:, None] >> np.arange(n)) & 1)
                else:
                    signs = bits_to_signs(rng.random((n_samples, n)) < 0.5)
                x = np.vstack([signs, rng.uniform(-1.0, 1.0, (n_samples, n))])
                r[engine] = float(certified(model, x=torch.as_tensor(x), engine="empirical"))
            else:
                r[engine] = float(certified(model, domain=box, engine=engine))
    pw = path_weight(circuit)
    n_out = circuit.n_outputs
    bound = 10 * np.sqrt(n_out) * circuit.size + n_out if gates == "minmax" else 6 * pw + n_out
    cfg = model.config
    return ToResNetReport(
        gates=gates,
        size=circuit.size,
        n_inputs=n,
        n_outputs=n_out,
        width=cfg.width,
        hidden=cfg.hidden,
        depth=cfg.depth,
        nonzeros=model.n_nonzero(),
        path_weight=pw,
        bound=float(bound),
        r=r,
    )
