"""Compile a ResNet into a verified circuit with measured error (SPEC 7, 2.2).

:func:`compile_resnet` quantises the network (:mod:`~occam.compiler.fixed_point`), builds the
circuit (:mod:`~occam.compiler.build`), checks it bit for bit against the integer reference model
and measures its error against the float network (and the target, when given) by simulating it on
a sample of the data distribution (:mod:`~occam.compiler.verification`). With ``abc=True`` the
circuit is then optimised by ABC, ``cec`` proves the result equivalent, and the optimised circuit
is verified and measured again in the same way. The result is a :class:`CompiledCircuit`;
:meth:`CompiledCircuit.write` produces the binary AIGER file and the JSON description from which
anyone can reproduce the error with their own AIGER simulator (the keys are listed in
:meth:`CompiledCircuit.metadata`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from occam._atomic import atomic_write_bytes
from occam.circuits import Circuit, abc, write
from occam.circuits.io import circuit_to_aig
from occam.circuits.tables import circuit_from_truth_table
from occam.compiler.build import CircuitLayout, build_circuit
from occam.compiler.fixed_point import FixedPointSpec, QuantizedNet, quantize
from occam.compiler.verification import (
    ErrorStats,
    Verification,
    circuit_predict,
    error_stats,
    verify,
)
from occam.nets import ResNet
from occam.tasks import as_box

__all__ = [
    "ABC_SCRIPTS",
    "AbcReport",
    "CompiledCircuit",
    "ErrorSample",
    "collapse",
    "compile_resnet",
    "float_outputs",
    "measure",
    "optimize_abc",
]


@dataclass(frozen=True)
class AbcReport:
    """Gate counts before and after ABC (basis {AND, OR, NOT} and AIG ANDs) and ``cec``'s proof."""

    script: str
    gates_before: int
    aig_ands_before: int
    gates_after: int
    aig_ands_after: int
    cec_equivalent: bool


@dataclass
class CompiledCircuit:
    """A compiled circuit with its formats, verification and errors measured by simulation."""

    circuit: Circuit
    layout: CircuitLayout
    qnet: QuantizedNet
    verification: Verification
    error_net: ErrorStats
    error_target: ErrorStats | None
    build_seconds: float
    abc: AbcReport | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    collapsed_from: int | None = None

    @property
    def spec(self) -> FixedPointSpec:
        return self.qnet.spec

    @property
    def gates(self) -> int:
        """|C| in the basis {AND, OR, NOT} (SPEC 2.1)."""
        return self.circuit.size

    @property
    def aig_ands(self) -> int:
        """AND nodes of the circuit's AIG (NOTs on edges), the count ABC reports."""
        return circuit_to_aig(self.circuit).n_ands

    @property
    def verified(self) -> bool:
        return self.verification.verified

    def predict(self, x: Any) -> np.ndarray:
        """``dec(C(enc_k(x)))`` by simulation, float64 ``(n, d_out)``."""
        return circuit_predict(self.circuit, self.layout, self.qnet, x)

    def metadata(self) -> dict[str, Any]:
        """The JSON description: ``input_bits`` (k per input coordinate, bits coordinate-major,
        LSB first), ``domain`` (``low``, ``high``), ``output_bits`` (per output, consecutive,
        LSB first), ``signed`` (two's complement), ``scale``/``offset`` (per output,
        dec(z) = scale·z + offset), ``gates``, ``aig_ands``, ``error_l2_net``, ``error_linf_net``,
        ``verified``; then the details (formats, errors vs target, verification, ABC, provenance).
        """
        q, v = self.qnet, self.verification
        meta: dict[str, Any] = {
            "format": "occam-circuit",
            "version": 1,
            "input_bits": list(self.layout.input_bits),
            "domain": {"low": list(q.low), "high": list(q.high)},
            "encoding": "q_i = clip(floor((x_i - low_i) / (high_i - low_i) * 2^k), 0, 2^k - 1)",
            "output_bits": list(self.layout.output_bits),
            "signed": True,
            "scale": [q.output_scale] * q.d_out,
            "offset": [0.0] * q.d_out,
            "gates": self.gates,
            "aig_ands": self.aig_ands,
            "depth": self.circuit.depth,
            "error_l2_net": self.error_net.l2,
            "error_l2_net_ucb": self.error_net.l2_ucb,
            "error_linf_net": self.error_net.linf,
            "error_points": self.error_net.n,
            "verified": self.verified,
            "verification": {
                "exhaustive": v.exhaustive,
                "points": v.n_checked,
                "mismatches": v.n_mismatches,
            },
            "fixed_point": q.spec.to_dict(),
            "nonzero_weights": q.n_weights,
        }
        if self.error_target is not None:
            meta["error_l2_target"] = self.error_target.l2
            meta["error_linf_target"] = self.error_target.linf
        if self.collapsed_from is not None:
            meta["collapsed_from_gates"] = self.collapsed_from
        if self.abc is not None:
            meta["abc"] = self.abc.__dict__.copy()
        if self.provenance:
            meta["provenance"] = dict(self.provenance)
        return meta

    def write(self, path: str | Path) -> tuple[Path, Path]:
        """Write ``path`` (binary AIGER, ``.aig``) and the JSON description beside it (same stem,
        ``.json``); both atomically. Returns both paths."""
        path = Path(path)
        if path.suffix != ".aig":
            raise ValueError(f"{path}: the circuit file must end in .aig (binary AIGER)")
        write(self.circuit, path)
        meta = path.with_suffix(".json")
        text = json.dumps(self.metadata(), indent=2, allow_nan=False) + "\n"
        atomic_write_bytes(meta, text.encode("utf-8"))
        return path, meta


def float_outputs(model: ResNet, x: np.ndarray) -> np.ndarray:
    """``f_θ(x)`` in float64, ``(n, d_out)``."""
    with torch.no_grad():
        return model(torch.as_tensor(x, dtype=torch.float64)).to(torch.float64).cpu().numpy()


@dataclass(frozen=True)
class ErrorSample:
    """The points errors are measured on: ``x`` from the data distribution, the float network
    ``f`` (the *reference* network, e.g. the unpruned one) and the target ``y`` there (or None)."""

    x: np.ndarray
    f: np.ndarray
    y: np.ndarray | None = None

    @classmethod
    def draw(
        cls,
        model: ResNet,
        domain: Any,
        *,
        x: np.ndarray | None = None,
        n: int = 100_000,
        target: Callable[[np.ndarray], np.ndarray] | np.ndarray | None = None,
        seed: int = 0,
    ) -> ErrorSample:
        """``x`` as given, or ``n`` uniform points on ``domain`` from ``seed``; ``target`` is a
        function of ``x`` or its values on ``x``."""
        if x is None:
            x = as_box(domain, model.config.d_in).sample(n, np.random.default_rng(seed))
        x = np.asarray(x, dtype=np.float64)
        y = None
        if target is not None:
            y = np.asarray(target(x) if callable(target) else target, dtype=np.float64)
            y = y.reshape(x.shape[0], -1)
        return cls(x, float_outputs(model, x), y)


def measure(
    circuit: Circuit,
    layout: CircuitLayout,
    qnet: QuantizedNet,
    sample: ErrorSample,
    *,
    seconds: float = 0.0,
    n_verify: int = 100_000,
    seed: int = 0,
    abc_report: AbcReport | None = None,
    provenance: dict[str, Any] | None = None,
    collapsed_from: int | None = None,
) -> CompiledCircuit:
    """Verify ``circuit`` against the integer model of ``qnet`` and measure its errors on
    ``sample`` by simulation."""
    check = verify(circuit, layout, qnet, n_random=n_verify, seed=seed + 1)
    pred = circuit_predict(circuit, layout, qnet, sample.x)
    return CompiledCircuit(
        circuit=circuit,
        layout=layout,
        qnet=qnet,
        verification=check,
        error_net=error_stats(pred, sample.f),
        error_target=None if sample.y is None else error_stats(pred, sample.y),
        build_seconds=seconds,
        abc=abc_report,
        provenance=dict(provenance or {}),
        collapsed_from=collapsed_from,
    )


MAX_COLLAPSE_INPUTS = 16


def collapse(
    compiled: CompiledCircuit, sample: ErrorSample, *, n_verify: int = 100_000, seed: int = 0
) -> CompiledCircuit:
    """The compiled circuit's function rebuilt from its truth table (at most
    :data:`MAX_COLLAPSE_INPUTS` input bits) as a shared ROBDD of multiplexers
    (:func:`occam.circuits.tables.circuit_from_truth_table`; the smaller of the most-significant-
    bit-first order and, for several coordinates, its interleaving), then verified exhaustively
    against the integer model and measured like a freshly built circuit.

    The function is unchanged (the same quantised network, bit for bit); only its gates are
    arranged differently, which at few input bits is far smaller than the arithmetic. Returns
    ``compiled`` itself when the collapsed circuit is not smaller or the input is too wide.
    """
    c = compiled.circuit
    if c.n_inputs > MAX_COLLAPSE_INPUTS or c.n_outputs == 0:
        return compiled
    table = c.truth_table()
    k, d = compiled.spec.input_bits, compiled.qnet.d_in
    msb_first = [i * k + j for i in range(d) for j in reversed(range(k))]
    orders = [msb_first]
    if d > 1:
        orders.append([i * k + j for j in reversed(range(k)) for i in range(d)])
    best = None
    for order in orders:
        cand = circuit_from_truth_table(
            table, order=order, input_names=c.input_names, output_names=c.output_names
        )
        if best is None or cand.size < best.size:
            best = cand
    if best.size >= c.size:
        return compiled
    return measure(
        best,
        compiled.layout,
        compiled.qnet,
        sample,
        seconds=compiled.build_seconds,
        n_verify=n_verify,
        seed=seed,
        provenance=compiled.provenance,
        collapsed_from=compiled.gates,
    )


ABC_SCRIPTS = ("dc2", "resyn2", "compress2rs")


def optimize_abc(
    compiled: CompiledCircuit,
    sample: ErrorSample,
    *,
    scripts: str | tuple[str, ...] = ABC_SCRIPTS,
    n_verify: int = 100_000,
    seed: int = 0,
) -> CompiledCircuit:
    """ABC on the circuit, ``cec`` proving the result equivalent, then verification against the
    integer model and error measurement of the optimised circuit, as for a freshly built one.

    ``scripts`` are tried in order and the first that ABC completes is kept (ABC 1.01 aborts on an
    internal assertion in ``resyn2`` on some of these circuits; ``dc2`` is also about twice as
    fast on them). :class:`~occam.circuits.abc.AbcError` when every script fails.
    """
    failures = []
    for script in (scripts,) if isinstance(scripts, str) else scripts:
        try:
            res = abc.optimize_report(compiled.circuit, script, verify=True)
            break
        except abc.AbcError as exc:
            failures.append(f"{script}: {str(exc).splitlines()[-1]}")
    else:
        raise abc.AbcError("ABC failed on every script: " + "; ".join(failures))
    report = AbcReport(
        script,
        compiled.gates,
        compiled.aig_ands,
        res.circuit.size,
        circuit_to_aig(res.circuit).n_ands,
        res.verified,
    )
    return measure(
        res.circuit,
        compiled.layout,
        compiled.qnet,
        sample,
        seconds=compiled.build_seconds,
        n_verify=n_verify,
        seed=seed,
        abc_report=report,
        provenance=compiled.provenance,
        collapsed_from=compiled.collapsed_from,
    )


def compile_resnet(
    model: ResNet,
    domain: Any,
    spec: FixedPointSpec,
    *,
    sample: ErrorSample | None = None,
    n_eval: int = 100_000,
    target: Callable[[np.ndarray], np.ndarray] | np.ndarray | None = None,
    n_verify: int = 100_000,
    seed: int = 0,
    use_abc: bool = False,
    abc_scripts: str | tuple[str, ...] = ABC_SCRIPTS,
    use_collapse: bool = False,
    adder: str = "ripple",
    provenance: dict[str, Any] | None = None,
) -> CompiledCircuit:
    """Quantise, build, verify and measure (module docstring); then optionally :func:`collapse`
    (``use_collapse``) and ABC (``use_abc``), each verified and measured again.

    Errors are measured on ``sample`` (default: :meth:`ErrorSample.draw` of ``n_eval`` uniform
    points of ``domain`` with ``target``, against ``model`` itself; pass a sample drawn from
    another network to measure a pruned net against the unpruned one). ``n_verify`` random
    indices (plus the corners) are checked when the input has more than 16 bits.
    ``build_seconds`` is the time of quantisation, range propagation and construction.
    """
    box = as_box(domain, model.config.d_in)
    if sample is None:
        sample = ErrorSample.draw(model, box, n=n_eval, target=target, seed=seed)
    start = time.perf_counter()
    qnet = quantize(model, box, spec)
    circuit, layout = build_circuit(qnet, adder=adder)
    seconds = time.perf_counter() - start
    compiled = measure(
        circuit,
        layout,
        qnet,
        sample,
        seconds=seconds,
        n_verify=n_verify,
        seed=seed,
        provenance=provenance,
    )
    if use_collapse:
        compiled = collapse(compiled, sample, n_verify=n_verify, seed=seed)
    if use_abc:
        compiled = optimize_abc(compiled, sample, scripts=abc_scripts, n_verify=n_verify, seed=seed)
    return compiled
