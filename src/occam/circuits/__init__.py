"""Boolean circuits (SPEC 2): the circuit core, bit-parallel simulation, real-to-bin encoding,
arithmetic gadgets, file formats, ABC and exact synthesis.

This package is the bottom layer and never imports PyTorch (nor any torch-side package). The
circuit → ResNet map of SPEC 8 builds a torch network, so it lives on the torch side, in
:mod:`occam.nets.from_circuit`; :func:`to_resnet` below keeps the SPEC 15 name
``occam.circuits.to_resnet`` working by resolving that module when it is called.
"""

from __future__ import annotations

import importlib
from typing import Any

from occam.circuits import abc as abc
from occam.circuits import arith as arith
from occam.circuits import encoding as encoding
from occam.circuits import exact as exact
from occam.circuits import io as io
from occam.circuits.core import Builder as Builder
from occam.circuits.core import Circuit as Circuit
from occam.circuits.core import Op as Op
from occam.circuits.core import exhaustive_words as exhaustive_words
from occam.circuits.encoding import decode as decode
from occam.circuits.encoding import encode as encode
from occam.circuits.io import CircuitFormatError as CircuitFormatError
from occam.circuits.io import read as read
from occam.circuits.io import write as write
from occam.circuits.traverse import and_or_plan as and_or_plan
from occam.circuits.traverse import fold_gates as fold_gates
from occam.circuits.traverse import output_cone as output_cone


def to_resnet(circuit: Circuit, **kwargs: Any) -> Any:
    """The ResNet of SPEC 8 / Prop 12 computing ``circuit`` (±1 encoding): forwards to
    :func:`occam.nets.from_circuit.to_resnet` (keywords ``gates``, ``dtype``; see there).

    The implementation is resolved by name at call time, not imported here: importing
    ``occam.circuits`` must not load PyTorch (the bottom layer is torch-free), while a user who
    only imported ``occam.circuits`` can still call ``occam.circuits.to_resnet(c)``.
    """
    return importlib.import_module("occam.nets.from_circuit").to_resnet(circuit, **kwargs)
