"""occam: measure and minimise the circuit complexity of functions learned by ResNets.

The package follows Jacot, "Deep Learning as a Convex Paradigm of Computation" (arXiv 2511.20888);
``SPEC.md`` restates every definition. Sub-packages, in the one direction data flows:

torch-free at the bottom ``tasks``, ``circuits``; the torch side ``nets -> complexity -> train ->
prune -> compiler`` (network -> verified circuit); torch-free again ``htmc`` (frontier, HTMC norm
and rate, bounds, MLMC), ``tetrakis``, ``fw`` (Frank-Wolfe); beside them ``rnorm`` and
``compositional``; the IWLS learner ``learn``; ``experiments``, ``report``, ``cli`` on top.

Attributes are loaded lazily, so ``import occam.circuits`` does not import PyTorch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_SUBMODULES = {
    "tasks",
    "nets",
    "complexity",
    "train",
    "prune",
    "circuits",
    "compiler",
    "htmc",
    "tetrakis",
    "fw",
    "compositional",
    "learn",
    "rnorm",
    "experiments",
    "report",
    "cli",
}
_ATTRIBUTES = {
    "ResNet": "occam.nets",
    "ResNetConfig": "occam.nets",
    "Box": "occam.tasks",
}

__all__ = sorted(_SUBMODULES | set(_ATTRIBUTES) | {"__version__"})

if TYPE_CHECKING:  # pragma: no cover
    from occam.nets import ResNet as ResNet
    from occam.nets import ResNetConfig as ResNetConfig
    from occam.tasks import Box as Box


def __getattr__(name: str) -> Any:
    if name in _ATTRIBUTES:
        return getattr(importlib.import_module(_ATTRIBUTES[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"occam.{name}")
    raise AttributeError(f"module 'occam' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
