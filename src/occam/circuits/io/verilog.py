"""Structural Verilog writer (write only): one module, a wire per gate, and either continuous
``assign`` statements (``&``, ``|``, ``~``; default) or gate primitives (``and``, ``or``, ``not``).

Names that are not plain Verilog identifiers (or are keywords) are written as escaped identifiers
``\\name `` (IEEE 1364 §3.7.1); names containing whitespace cannot be escaped and are refused.
"""

from __future__ import annotations

import re

from occam.circuits.core import Circuit
from occam.circuits.traverse import fold_gates

__all__ = ["write_verilog_text"]

_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_KEYWORDS = frozenset(
    """always and assign begin buf case default else end endcase endmodule for function if
    initial inout input integer module nand nor not or output parameter reg supply0 supply1
    tri wire xnor xor""".split()
)


def _ident(name: str, what: str) -> str:
    if not name or any(c.isspace() for c in name) or not name.isprintable():
        raise ValueError(
            f"write Verilog: {what} name {name!r} must be non-empty printable text without spaces"
        )
    if _SIMPLE.match(name) and name not in _KEYWORDS:
        return name
    return "\\" + name + " "


def write_verilog_text(circuit: Circuit, module: str = "occam", primitives: bool = False) -> str:
    """Verilog text of ``circuit`` (see the module docstring)."""
    if not isinstance(circuit, Circuit):
        raise TypeError(f"write Verilog: expected a Circuit, received {type(circuit).__name__}")
    ins = [_ident(nm, "input") for nm in circuit.input_names]
    outs = [_ident(nm, "output") for nm in circuit.output_names]
    if len(set(ins)) != len(ins) or len(set(outs)) != len(outs) or set(ins) & set(outs):
        raise ValueError("write Verilog: input and output names must all be distinct")
    taken = set(circuit.input_names) | set(circuit.output_names)
    prefix = "n"
    while any(t.startswith(prefix) for t in taken):
        prefix = "_" + prefix
    n_in = circuit.n_inputs
    net = ["1'b0", "1'b1", *ins]
    gate_nets = [f"{prefix}{n_in + 2 + g}" for g in range(circuit.n_gates)]
    c = circuit.gate_counts()
    lines = [
        f"// written by occam: {n_in} inputs, {circuit.n_outputs} outputs, {circuit.size} gates "
        f"(AND {c['AND']}, OR {c['OR']}, NOT {c['NOT']})",
        f"module {_ident(module, 'module')}({', '.join(ins + outs)});",
    ]
    if ins:
        lines.append(f"  input {', '.join(ins)};")
    if outs:
        lines.append(f"  output {', '.join(outs)};")
    if circuit.n_gates:
        lines.append(f"  wire {', '.join(gate_nets)};")
    next_net = iter(range(circuit.n_gates))

    def gate(prim: str, expr: str, *args: str) -> str:
        g = next(next_net)
        out = gate_nets[g]
        if primitives:
            lines.append(f"  {prim} g{g} ({', '.join([out, *args])});")
        else:
            lines.append(f"  assign {out} = {expr};")
        return out

    net = fold_gates(
        circuit,
        net,
        lambda a, b: gate("and", f"{a} & {b}", a, b),
        lambda a, b: gate("or", f"{a} | {b}", a, b),
        lambda a: gate("not", f"~{a}", a),
    )
    for nm, o in zip(outs, circuit.outputs.tolist(), strict=True):
        lines.append(f"  assign {nm} = {net[o]};")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"
