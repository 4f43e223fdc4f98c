"""Boolean circuits (SPEC 2): the circuit core, bit-parallel simulation, real-to-bin encoding,
arithmetic gadgets, file formats, ABC, exact synthesis and the circuit → ResNet map.

No PyTorch here: ``to_resnet`` (SPEC 8) is imported lazily on first access.
"""

from __future__ import annotations

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


def __getattr__(name: str) -> Any:
    if name == "to_resnet":
        from occam.circuits.resnet_map import to_resnet

        return to_resnet
    raise AttributeError(f"module 'occam.circuits' has no attribute {name!r}")
