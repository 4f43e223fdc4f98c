"""Network → circuit compiler (SPEC 7): fixed-point quantisation of the SPEC 3 ResNet with exact
integer ranges, gate-level construction from the nonzero weights, bit-exact verification against
an integer reference model, error measured by simulating the circuit, and the coarse-to-fine
search over pruning level and bit widths behind the size-versus-error frontier (SPEC 2.3).

Torch side: it reads :class:`occam.ResNet` and uses :mod:`occam.prune`; :mod:`occam.circuits`
never imports it.
"""

from occam.compiler.build import CircuitLayout, build_circuit
from occam.compiler.compile import (
    AbcReport,
    CompiledCircuit,
    ErrorSample,
    collapse,
    compile_resnet,
    float_outputs,
    measure,
    optimize_abc,
)
from occam.compiler.fixed_point import (
    FixedPointSpec,
    QuantizationError,
    QuantizedNet,
    propagate,
    quantize,
)
from occam.compiler.reference import evaluate as evaluate_integer
from occam.compiler.search import RECORD_FIELDS, CircuitRecord, CircuitSearch
from occam.compiler.verification import (
    ErrorStats,
    Verification,
    circuit_predict,
    error_stats,
    verify,
)

__all__ = [
    "RECORD_FIELDS",
    "AbcReport",
    "CircuitLayout",
    "CircuitRecord",
    "CircuitSearch",
    "CompiledCircuit",
    "ErrorSample",
    "ErrorStats",
    "FixedPointSpec",
    "QuantizationError",
    "QuantizedNet",
    "Verification",
    "build_circuit",
    "circuit_predict",
    "collapse",
    "compile_resnet",
    "error_stats",
    "evaluate_integer",
    "float_outputs",
    "measure",
    "optimize_abc",
    "propagate",
    "quantize",
    "verify",
]
