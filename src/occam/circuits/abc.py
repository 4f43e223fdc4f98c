"""ABC (Berkeley logic synthesis) integration: optimisation scripts and equivalence checking.

ABC is an external program (Debian/Ubuntu package ``berkeley-abc``; ``scripts/setup.sh``
installs it). It is found as ``$OCCAM_ABC``, else ``berkeley-abc``, else ``abc`` on ``PATH``, and
run in a fresh temporary directory that holds the ``abc.rc`` shipped with occam, so the standard
aliases and scripts (``b``, ``rw``, ``rf``, ``rs``, ``resyn``, ``resyn2``, ``compress2rs``, ...)
are always defined. Circuits travel as binary AIGER with a symbol table of positional names
``x0..``/``y0..`` (ABC cannot read ``.aag``, matches inputs/outputs by name and may reject
duplicate names); ABC writes its result with ``write_aiger -s`` and the caller's names are put
back.

Gate counts are always reported in the basis {AND, OR, NOT} of SPEC 2.1 (an AIG hides NOTs in
its edges; the conversion is :func:`occam.circuits.io.basis_gate_counts`), next to ABC's own AIG
AND count. ABC exits with status 0 even when a command fails, so its output is checked for error
messages and the expected output files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from occam.circuits.core import Circuit
from occam.circuits.io import circuit_to_aig, parse_aiger, write_aiger_bytes
from occam.errors import OccamError
from occam.result import OptimizeResult

__all__ = [
    "AbcError",
    "AbcNotFoundError",
    "AbcResult",
    "AbcScriptError",
    "equivalent",
    "equivalent_files",
    "find_abc",
    "optimize",
    "optimize_report",
    "run_abc",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ERRORS = re.compile(
    r"(\*\* cmd error|unknown command|Cannot open|Error:|cannot|failed|Miter computation)",
    re.IGNORECASE,
)
_SCRIPT_OK = re.compile(r"^[A-Za-z0-9_ ;.\-=&]*$")


class AbcNotFoundError(OccamError, RuntimeError):
    """ABC is not installed (or ``$OCCAM_ABC`` does not name an executable)."""


class AbcError(RuntimeError):
    """ABC ran but reported an error; the message includes its output."""


class AbcScriptError(OccamError, AbcError, ValueError):
    """ABC refused the script the user gave (an unknown command or bad arguments)."""


def find_abc() -> str:
    """Path of the ABC executable: ``$OCCAM_ABC``, else ``berkeley-abc``, else ``abc``."""
    env = os.environ.get("OCCAM_ABC")
    if env:
        path = shutil.which(env)
        if path is None:
            raise AbcNotFoundError(f"OCCAM_ABC={env!r} is not an executable")
        return path
    for name in ("berkeley-abc", "abc"):
        path = shutil.which(name)
        if path is not None:
            return path
    raise AbcNotFoundError(
        "ABC (logic synthesis) not found on PATH as 'berkeley-abc' or 'abc'. Install the Debian/"
        "Ubuntu package 'berkeley-abc' (apt-get install berkeley-abc; scripts/setup.sh does this) "
        "or set OCCAM_ABC to the executable."
    )


def _rc_text() -> str:
    return resources.files("occam.circuits").joinpath("abc.rc").read_text(encoding="utf-8")


def run_abc(
    commands: str,
    files: dict[str, bytes] | None = None,
    *,
    outputs: tuple[str, ...] = (),
    timeout: float = 600.0,
) -> tuple[str, dict[str, bytes]]:
    """Run ABC's ``commands`` (``;``-separated) in a temporary directory containing the shipped
    ``abc.rc`` and ``files`` (name → bytes). Returns ABC's output (ANSI colours stripped) and the
    bytes of each file named in ``outputs``. Raises :class:`AbcError` when ABC prints an error
    or an expected output file is missing, :class:`AbcNotFoundError` when ABC is not installed."""
    exe = find_abc()
    with tempfile.TemporaryDirectory(prefix="occam-abc-") as tmp:
        d = Path(tmp)
        (d / "abc.rc").write_text(_rc_text(), encoding="utf-8")
        for name, data in (files or {}).items():
            (d / name).write_bytes(data)
        try:
            proc = subprocess.run(
                [exe, "-c", commands],
                cwd=d,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as e:
            raise AbcError(f"ABC timed out after {timeout} s running {commands!r}") from e
        out = _ANSI.sub("", proc.stdout + proc.stderr)
        body = "\n".join(out.splitlines()[1:])  # the first line echoes the command
        bad = _ERRORS.search(body)
        if proc.returncode != 0 or bad is not None:
            raise AbcError(f"ABC failed on {commands!r} (exit {proc.returncode}):\n{out.strip()}")
        got: dict[str, bytes] = {}
        for name in outputs:
            p = d / name
            if not p.exists():
                raise AbcError(f"ABC did not write {name!r} running {commands!r}:\n{out.strip()}")
            got[name] = p.read_bytes()
        return out, got


def _positional(c: Circuit) -> Circuit:
    """The same circuit with names ``x0..``/``y0..`` (ABC matches inputs/outputs by name)."""
    return Circuit(c.n_inputs, c.ops, c.fanins, c.outputs)


class AbcResult(OptimizeResult):
    """Outcome of :func:`optimize_report` (occam's result convention, :mod:`occam.result`).

    ``circuit`` is the returned circuit (ABC's result, or the input when ``keep_best`` and ABC's
    result is larger in our basis); ``abc_circuit`` is ABC's result read back; ``before`` and
    ``after`` are gate counts ``{"AND", "OR", "NOT", "size"}`` in the basis {AND, OR, NOT} of the
    input and of ``abc_circuit``; ``aig_before``/``aig_after`` are AIG AND counts; ``verified`` is
    True when ABC's ``cec`` proved ``abc_circuit`` equivalent to the input (or there was nothing
    to optimise); ``fun`` is the returned circuit's size; ``status`` is 0 (a result that failed
    ``cec`` raises :class:`AbcError` instead), ``message`` summarises the run; ``log`` is ABC's
    output.
    """

    @property
    def improved(self) -> bool:
        return self.after["size"] < self.before["size"]


_REFUSED = re.compile(r"(unknown command[^\n]*|usage: [^\n]*)", re.IGNORECASE)


def _raise_if_script_refused(err: AbcError, script: str) -> None:
    """Re-raise ABC's refusal of the user's script (unknown command, bad option) as
    :class:`AbcScriptError` quoting ABC's reason; other failures are left to the caller."""
    found = _REFUSED.search(str(err))
    if found is not None:
        raise AbcScriptError(
            f"ABC does not accept the script {script!r}: {found.group(1).strip()}"
        ) from None


def _abc_result(
    circuit: Circuit, abc_circuit: Circuit, script: str, input_circuit: Circuit, verified: bool,
    aig_before: int, log: str,
) -> AbcResult:  # fmt: skip
    before, after = _counts(input_circuit), _counts(abc_circuit)
    kept = "ABC's result" if circuit is abc_circuit else "the input (ABC's result was larger)"
    proof = "verified by cec" if verified else "not verified"
    return AbcResult(
        status=0,
        message=f"ABC '{script}': {before['size']} -> {after['size']} gates, {proof}; kept {kept}",
        fun=circuit.size,
        circuit=circuit,
        abc_circuit=abc_circuit,
        script=script,
        before=before,
        after=after,
        aig_before=aig_before,
        aig_after=circuit_to_aig(abc_circuit).n_ands,
        verified=verified,
        log=log,
    )


def _counts(c: Circuit) -> dict[str, int]:
    d = c.gate_counts()
    d["size"] = c.size
    return d


def optimize_report(
    circuit: Circuit,
    script: str = "resyn2",
    *,
    verify: bool = True,
    keep_best: bool = True,
    timeout: float = 600.0,
) -> AbcResult:
    """Optimise ``circuit`` with an ABC script (``strash; <script>``) and read the result back.

    ``script`` is any ABC command sequence using the shipped aliases (``resyn2``,
    ``compress2rs``, ``"b; rw; rf"``, ...). With ``verify`` ABC's ``cec`` proves the result
    equivalent to the input in the same run (:class:`AbcError` if it is not). With ``keep_best``
    the input is returned when ABC's result has more gates in our basis.
    """
    if not isinstance(circuit, Circuit):
        raise TypeError(f"optimize: circuit must be a Circuit, received {type(circuit).__name__}")
    if not isinstance(script, str) or not script.strip() or not _SCRIPT_OK.match(script):
        raise AbcScriptError(
            "optimize: script must be a non-empty ABC command sequence of letters, digits, '&', "
            f"spaces, ';', '-', '.', '=', received {script!r}"
        )
    aig_before = circuit_to_aig(circuit).n_ands
    if circuit.n_outputs == 0 or aig_before == 0:
        # nothing for ABC to do (and ABC refuses networks without outputs)
        c = circuit.cleanup()
        return _abc_result(c, c, script, circuit, True, aig_before, "no AND gates")
    cmd = f"read in.aig; strash; {script}; write_aiger -s out.aig"
    if verify:
        cmd += "; cec in.aig"
    try:
        log, got = run_abc(
            cmd,
            {"in.aig": write_aiger_bytes(_positional(circuit), binary=True)},
            outputs=("out.aig",),
            timeout=timeout,
        )
    except AbcError as err:
        _raise_if_script_refused(err, script)
        raise
    if verify and "Networks are equivalent" not in log:
        raise AbcError(f"ABC's result was not proved equivalent to the input:\n{log}")
    back = parse_aiger(got["out.aig"], "out.aig (written by ABC)", binary=True)
    # ABC keeps the input/output order; the names travel as x0../y0.. (ABC matches by name and
    # may reject duplicates or spaces) and are restored here
    back = Circuit(
        back.n_inputs,
        back.ops,
        back.fanins,
        back.outputs,
        circuit.input_names,
        circuit.output_names,
    )
    chosen = circuit if keep_best and back.size > circuit.size else back
    return _abc_result(chosen, back, script, circuit, verify, aig_before, log)


def optimize(circuit: Circuit, script: str = "resyn2", **kwargs: object) -> Circuit:
    """``optimize_report(circuit, script, **kwargs).circuit``: a circuit equivalent to ``circuit``
    after the ABC ``script`` (never larger in our basis unless ``keep_best=False``)."""
    return optimize_report(circuit, script, **kwargs).circuit  # type: ignore[arg-type]


def _cec_verdict(log: str) -> bool:
    if "Networks are equivalent" in log:
        return True
    if "Networks are NOT EQUIVALENT" in log:
        return False
    raise AbcError(f"could not read ABC's cec verdict:\n{log}")


def equivalent(a: Circuit, b: Circuit, *, timeout: float = 600.0) -> bool:
    """Whether ``a`` and ``b`` compute the same function, proved by ABC's ``cec`` (SAT-based
    combinational equivalence). Inputs and outputs are matched by position; both must have the
    same numbers of inputs and outputs (``ValueError`` otherwise)."""
    for arg, c in (("a", a), ("b", b)):
        if not isinstance(c, Circuit):
            raise TypeError(f"equivalent: {arg} must be a Circuit, received {type(c).__name__}")
    if (a.n_inputs, a.n_outputs) != (b.n_inputs, b.n_outputs):
        raise ValueError(
            "equivalent: a and b must have the same numbers of inputs and outputs, received "
            f"{(a.n_inputs, a.n_outputs)} and {(b.n_inputs, b.n_outputs)}"
        )
    if a.n_outputs == 0:
        return True
    files = {
        "a.aig": write_aiger_bytes(_positional(a), binary=True),
        "b.aig": write_aiger_bytes(_positional(b), binary=True),
    }
    log, _ = _run_cec(files, "a.aig", "b.aig", timeout)
    return _cec_verdict(log)


def _run_cec(files: dict[str, bytes], fa: str, fb: str, timeout: float) -> tuple[str, dict]:
    try:
        return run_abc(f"cec {fa} {fb}", files, timeout=timeout)
    except AbcError as e:
        # a failed proof prints 'Verification failed'; that is a verdict, not an error
        if "Networks are NOT EQUIVALENT" in str(e):
            return str(e), {}
        raise


def equivalent_files(
    path_a: str | os.PathLike[str], path_b: str | os.PathLike[str], *, timeout: float = 600.0
) -> bool:
    """ABC's ``cec`` on two files as they are (``.aig``, ``.blif``, ``.v``, ...; ABC matches
    inputs/outputs by name when the files carry names)."""
    pa, pb = Path(path_a), Path(path_b)
    files = {"a" + pa.suffix: pa.read_bytes(), "b" + pb.suffix: pb.read_bytes()}
    log, _ = _run_cec(files, "a" + pa.suffix, "b" + pb.suffix, timeout)
    return _cec_verdict(log)
