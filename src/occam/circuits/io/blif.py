"""BLIF reader and writer (Berkeley Logic Interchange Format, combinational subset).

Supported: ``.model``, ``.inputs``, ``.outputs`` (each may repeat), ``.names`` with a single-output
cover, ``.end``; ``#`` comments; a backslash at the end of a line continues it on the next line.
A cover over inputs ``a_1..a_k`` is a list of cubes ``c_1..c_k v`` with ``c_i ∈ {0, 1, -}`` and
one output value ``v`` shared by all rows: with ``v = 1`` the net is ``OR_rows AND_i lit_i``
(``lit_i = a_i`` for ``1``, ``¬a_i`` for ``0``, nothing for ``-``); with ``v = 0`` the rows list
the off-set and the net is the complement, built by De Morgan as ``AND_rows OR_i ¬lit_i``
(so ``00 0`` is one OR gate, not a NOT of an AND of NOTs). A cover without rows is constant 0, a
0-input cover with the row ``1`` is constant 1. Covers are mapped into {AND, OR, NOT} through the
:class:`~occam.circuits.Builder` (structural hashing, constant folding). Nets may be defined in
any order; undefined nets, nets defined twice and combinational cycles are errors, also in logic
that no output reads (which is then dropped). An empty file is an error; a model with no outputs
is a valid circuit with zero outputs.

Latches, sub-circuits, ``.gate`` and every other construct raise :class:`CircuitFormatError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from os import PathLike

from occam.circuits.core import Builder, Circuit
from occam.circuits.io.errors import CircuitFormatError
from occam.circuits.traverse import fold_gates

__all__ = ["parse_blif", "read_blif", "write_blif_text"]

_BAD_NAME = re.compile(r"[\s#\\=]")


def _logical_lines(text: str) -> list[tuple[int, list[str]]]:
    """Join continuations, strip comments, split into tokens; keep the first line number."""
    out: list[tuple[int, list[str]]] = []
    pending: list[str] = []
    start = 0
    for k, raw in enumerate(text.split("\n"), start=1):
        line = raw.split("#", 1)[0].rstrip("\r")
        if not pending:
            start = k
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        toks = " ".join(pending).split()
        pending = []
        if toks:
            out.append((start, toks))
    if pending:
        toks = " ".join(pending).split()
        if toks:
            out.append((start, toks))
    return out


def _check_nets(
    covers: dict[str, tuple[int, list[str], list[tuple[str, str]]]], inputs: set[str], path: str
) -> None:
    """Every net a cover reads is defined and no cover depends on itself, also outside every
    output cone (such logic is dropped, but a file containing it is malformed). Iterative DFS
    over all covers (white 0 / on the stack 1 / done 2), in file order."""
    state: dict[str, int] = {}
    for root in covers:
        if state.get(root) == 2:
            continue
        stack = [(root, 0)]
        state[root] = 1
        while stack:
            net, i = stack[-1]
            fanins = covers[net][1][:-1]
            if i == len(fanins):
                state[net] = 2
                stack.pop()
                continue
            stack[-1] = (net, i + 1)
            x = fanins[i]
            if x in inputs or state.get(x) == 2:
                continue
            if x not in covers:
                raise CircuitFormatError(
                    path, covers[net][0], f"net {x!r} is used but never defined"
                )
            if state.get(x) == 1:
                raise CircuitFormatError(path, covers[net][0], f"combinational cycle through {x!r}")
            state[x] = 1
            stack.append((x, 0))


#: a ``.names`` cover: (line of ``.names``, its nets with the output last, rows (cube, value))
_Cover = tuple[int, list[str], list[tuple[str, str]]]


@dataclass
class _Model:
    """The declarations of a BLIF model, in file order."""

    inputs: list[str] = field(default_factory=list)
    input_set: set[str] = field(default_factory=set)
    outputs: list[str] = field(default_factory=list)
    output_line: dict[str, int] = field(default_factory=dict)  # first line naming each output
    covers: dict[str, _Cover] = field(default_factory=dict)  # output net -> its cover


def _add_cover_row(cur: _Cover, ln: int, toks: list[str], path: str) -> None:
    """Append one cover row (``v`` for a 0-input cover, else ``cube v``) to ``cur``."""
    n_in = len(cur[1]) - 1
    if n_in == 0:
        if len(toks) != 1 or toks[0] not in ("0", "1"):
            raise CircuitFormatError(
                path, ln, f"constant cover row must be '0' or '1', found {' '.join(toks)!r}"
            )
        cur[2].append(("", toks[0]))
    else:
        if len(toks) != 2:
            raise CircuitFormatError(
                path,
                ln,
                f"cover row must be '<{n_in} of 0/1/-> <0|1>', found {' '.join(toks)[:60]!r}",
            )
        cube, val = toks
        if len(cube) != n_in or any(c not in "01-" for c in cube) or val not in ("0", "1"):
            raise CircuitFormatError(
                path,
                ln,
                f"cover row must be '<{n_in} of 0/1/-> <0|1>', found {' '.join(toks)[:60]!r}",
            )
        cur[2].append((cube, val))
    if cur[2][-1][1] != cur[2][0][1]:
        raise CircuitFormatError(path, ln, "cover mixes on-set (1) and off-set (0) rows")


def _read_model(lines: list[tuple[int, list[str]]], path: str) -> _Model:
    """Walk the logical lines once: directives, and cover rows after a ``.names``."""
    model = _Model()
    seen_model = False
    ended = False
    cur: _Cover | None = None
    for ln, toks in lines:
        head = toks[0]
        if ended:
            raise CircuitFormatError(path, ln, f"content after .end: {head!r}")
        if not head.startswith("."):
            if cur is None:
                raise CircuitFormatError(path, ln, f"cover row {' '.join(toks)!r} outside .names")
            _add_cover_row(cur, ln, toks, path)
            continue
        cur = None
        if head == ".model":
            if seen_model:
                raise CircuitFormatError(path, ln, "only one .model per file is supported")
            seen_model = True
        elif head == ".inputs":
            for nm in toks[1:]:
                if nm in model.input_set:
                    raise CircuitFormatError(path, ln, f"input {nm!r} declared twice")
                model.input_set.add(nm)
                model.inputs.append(nm)
        elif head == ".outputs":
            model.outputs.extend(toks[1:])
            for nm in toks[1:]:
                model.output_line.setdefault(nm, ln)
        elif head == ".names":
            if len(toks) < 2:
                raise CircuitFormatError(path, ln, ".names needs at least an output net")
            net = toks[-1]
            if net in model.covers or net in model.input_set:
                raise CircuitFormatError(path, ln, f"net {net!r} defined twice")
            cur = (ln, toks[1:], [])
            model.covers[net] = cur
        elif head == ".end":
            ended = True
        else:
            raise CircuitFormatError(
                path, ln, f"unsupported BLIF construct {head!r} (combinational .names only)"
            )
    return model


def _check_model(lines: list[tuple[int, list[str]]], model: _Model, path: str) -> None:
    """No input also has a cover, every output is defined, every net read is defined, no cycle."""
    for _, toks in lines:
        if toks[0] == ".inputs":
            for nm in toks[1:]:
                if nm in model.covers:
                    raise CircuitFormatError(
                        path, model.covers[nm][0], f"input {nm!r} also has a cover"
                    )
    for nm in model.outputs:
        if nm not in model.input_set and nm not in model.covers:
            raise CircuitFormatError(path, model.output_line[nm], f"output {nm!r} is never defined")
    _check_nets(model.covers, model.input_set, path)


def _build_cover(b: Builder, cover: _Cover, node: dict[str, int]) -> int:
    """The node of one cover whose fanin nets are all in ``node`` (module docstring: on-set as
    OR of ANDs, off-set by De Morgan as AND of ORs, no rows as constant 0)."""
    _, names, rows = cover
    fanins = [node[x] for x in names[:-1]]
    if not rows:
        return b.const(False)
    if rows[0][1] == "1":  # on-set: OR over cubes of AND over literals
        return b.OR_many(
            b.AND_many(
                fanins[i] if c == "1" else b.NOT(fanins[i]) for i, c in enumerate(cube) if c != "-"
            )
            for cube, _ in rows
        )
    # off-set, by De Morgan: AND over cubes of OR over complemented literals
    return b.AND_many(
        b.OR_many(
            b.NOT(fanins[i]) if c == "1" else fanins[i] for i, c in enumerate(cube) if c != "-"
        )
        for cube, _ in rows
    )


def _build_circuit(model: _Model, path: str) -> Circuit:
    """Build the output cones through the Builder, covers in dependency order (iterative DFS
    from each output, detecting cycles and undefined nets)."""
    covers = model.covers
    b = Builder()
    node: dict[str, int] = {nm: b.input(nm) for nm in model.inputs}
    state: dict[str, int] = {}
    for root in model.outputs:
        if root in node:
            continue
        if root not in covers:
            raise CircuitFormatError(path, 0, f"output {root!r} is never defined")
        stack = [root]
        while stack:
            net = stack[-1]
            if net in node:
                stack.pop()
                continue
            state[net] = 1
            pending = None
            for x in covers[net][1][:-1]:
                if x in node:
                    continue
                if x not in covers:
                    raise CircuitFormatError(
                        path, covers[net][0], f"net {x!r} is used but never defined"
                    )
                if state.get(x) == 1:
                    raise CircuitFormatError(
                        path, covers[net][0], f"combinational cycle through {x!r}"
                    )
                pending = x
                break
            if pending is None:
                node[net] = _build_cover(b, covers[net], node)
                state[net] = 2
                stack.pop()
            else:
                stack.append(pending)
    for nm in model.outputs:
        b.output(node[nm], nm)
    return b.build()


def parse_blif(text: str, path: str = "<memory>") -> Circuit:
    """Parse BLIF text into a Circuit (inputs and outputs in declaration order)."""
    if not isinstance(text, str):
        raise TypeError(f"parse_blif: text must be str, received {type(text).__name__}")
    lines = _logical_lines(text)
    if not lines:
        raise CircuitFormatError(path, 1, "empty file: no .model, .inputs, .outputs or .names")
    model = _read_model(lines, path)
    _check_model(lines, model, path)
    return _build_circuit(model, path)


def read_blif(path: str | PathLike[str]) -> Circuit:
    """Read a ``.blif`` file; malformed files raise :class:`CircuitFormatError`."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise CircuitFormatError(path, line, "file is not valid UTF-8") from None
    return parse_blif(text, str(path))


def _check(name: str, what: str) -> str:
    if not name or _BAD_NAME.search(name) or name.startswith("."):
        raise ValueError(
            f"write BLIF: {what} name {name!r} must be non-empty, without whitespace, '#', '\\' "
            "or '=', and must not start with '.'"
        )
    return name


def write_blif_text(circuit: Circuit, model: str = "occam") -> str:
    """BLIF text of ``circuit``: one ``.names`` per gate (AND ``11 1``, OR ``1- 1``/``-1 1``,
    NOT ``0 1``), plus a buffer or constant cover per output name (none when the output is the
    input of the same name; a repeated output name must name the same node). Internal nets are
    ``n<node>``, prefixed with ``_`` until no input/output name starts with the prefix."""
    if not isinstance(circuit, Circuit):
        raise TypeError(f"write_blif: expected a Circuit, received {type(circuit).__name__}")
    ins = [_check(nm, "input") for nm in circuit.input_names]
    outs = [_check(nm, "output") for nm in circuit.output_names]
    if len(set(ins)) != len(ins):
        raise ValueError("write BLIF: input names must be distinct")
    driver: dict[str, int] = {nm: 2 + i for i, nm in enumerate(ins)}
    for nm, o in zip(outs, circuit.outputs.tolist(), strict=True):
        if driver.setdefault(nm, o) != o:
            raise ValueError(
                f"write BLIF: name {nm!r} would name two different signals (an output that is "
                "not that input, or two outputs computing different nodes)"
            )
    taken = set(ins) | set(outs)
    prefix = "n"
    while any(t.startswith(prefix) for t in taken):
        prefix = "_" + prefix
    n_in = circuit.n_inputs
    name = [prefix + "false", prefix + "true", *ins]
    gate_names = iter([f"{prefix}{n_in + 2 + g}" for g in range(circuit.n_gates)])
    lines = [f".model {_check(model, 'model')}"]
    lines.append(".inputs " + " ".join(ins) if ins else ".inputs")
    lines.append(".outputs " + " ".join(outs) if outs else ".outputs")

    def cover(fanins: str, rows: list[str]) -> str:
        out = next(gate_names)
        lines.extend([f".names {fanins} {out}", *rows])
        return out

    name = fold_gates(
        circuit,
        name,
        lambda a, b: cover(f"{a} {b}", ["11 1"]),
        lambda a, b: cover(f"{a} {b}", ["1- 1", "-1 1"]),
        lambda a: cover(a, ["0 1"]),
    )
    uses = {0, 1} & set(circuit.fanins.ravel().tolist())
    for c in sorted(uses):
        lines += [f".names {name[c]}"] + (["1"] if c == 1 else [])
    written = set(ins)
    for nm, o in zip(outs, circuit.outputs.tolist(), strict=True):
        if nm in written:  # an input listed as an output, or a repeated output
            continue
        written.add(nm)
        if o == 0:
            lines.append(f".names {nm}")
        elif o == 1:
            lines += [f".names {nm}", "1"]
        else:
            lines += [f".names {name[o]} {nm}", "1 1"]
    lines.append(".end")
    return "\n".join(lines) + "\n"
