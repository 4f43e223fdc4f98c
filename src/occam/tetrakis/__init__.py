"""Tetrakis triangulation and Tetrakis functions (SPEC 9; paper Sec. 3.3, Prop 7, Prop 13).

* :func:`locate`, :func:`interpolate`, :class:`GridFunction` (``grid.py``, plain numpy): the
  mirrored Kuhn triangulation of SPEC 9.1 and the Tetrakis extension of grid values of SPEC 9.2.
* :class:`TetrakisFunction`, :class:`Decoder` (``function.py``): T_C for a Boolean circuit C
  (SPEC 9.3), its float evaluation and its explicit circuit.
* :func:`resnet_for_circuit` (``resnet.py``): the ResNet computing T_C exactly (SPEC 9.4). It needs
  torch and is loaded lazily, so ``import occam.tetrakis`` never imports torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from occam.tetrakis.grid import GridFunction, grid_units, interpolate, locate

_LAZY = {
    "TetrakisFunction": "occam.tetrakis.function",
    "Decoder": "occam.tetrakis.function",
    "ExplicitTetrakis": "occam.tetrakis.function",
    "random_circuit": "occam.tetrakis.function",
    "resnet_for_circuit": "occam.tetrakis.resnet",
    "resnet_for_circuit_report": "occam.tetrakis.resnet",
}

__all__ = [
    "Decoder",
    "ExplicitTetrakis",
    "GridFunction",
    "TetrakisFunction",
    "grid_units",
    "interpolate",
    "locate",
    "random_circuit",
    "resnet_for_circuit",
    "resnet_for_circuit_report",
]

if TYPE_CHECKING:  # pragma: no cover
    from occam.tetrakis.function import Decoder, ExplicitTetrakis, TetrakisFunction, random_circuit
    from occam.tetrakis.resnet import resnet_for_circuit, resnet_for_circuit_report


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'occam.tetrakis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
