"""AIGER reader and writer, ASCII ``.aag`` and binary ``.aig`` (combinational circuits only).

Format (Biere, "The AIGER And-Inverter Graph (AIG) Format", version 20071012 and 1.9):
header ``aag M I L O A`` / ``aig M I L O A`` (1.9 adds ``B C J F``, accepted only when all zero),
then ``I`` input literals (ASCII only), ``L`` latches (refused: occam circuits are combinational),
``O`` output literals, ``A`` AND gates, an optional symbol table (``i<k> name``, ``o<k> name``) and
an optional comment section starting with a line ``c``. In the binary format inputs are the
variables ``1..I``, AND ``j`` is variable ``I+L+1+j`` and is stored as two LEB128-style deltas
``lhs - rhs0`` and ``rhs0 - rhs1`` with ``lhs > rhs0 >= rhs1``.

Reading converts the AIG to {AND, OR, NOT} with :func:`occam.circuits.io.aig.aig_to_circuit`;
writing uses :func:`~occam.circuits.io.aig.circuit_to_aig`. Declared sizes are checked against
the file length before anything is allocated: every input, output and AND occupies at least one
byte (two for ASCII lines), so a header claiming more objects than the file has bytes is refused.
"""

from __future__ import annotations

import re
from os import PathLike
from typing import NamedTuple

from occam.circuits.core import Circuit
from occam.circuits.io.aig import Aig, aig_to_circuit, circuit_to_aig, normalize_aig
from occam.circuits.io.errors import CircuitFormatError

__all__ = ["parse_aiger", "read_aiger", "write_aiger_bytes"]

_UINT = re.compile(rb"^(0|[1-9][0-9]*)$")
#: literals must fit AIGER's unsigned int; also bounds every index we keep
_MAX_LIT = 2**32 - 1


class _Lines:
    """Line-oriented cursor over the bytes of a file, tracking line numbers and byte offsets."""

    def __init__(self, data: bytes, path: str) -> None:
        self.data = data
        self.pos = 0
        self.line = 0  # number of the last line returned
        self.path = path

    def error(self, reason: str, line: int | None = None) -> CircuitFormatError:
        return CircuitFormatError(self.path, self.line if line is None else line, reason)

    def next_line(self, what: str) -> bytes:
        if self.pos >= len(self.data):
            raise CircuitFormatError(self.path, self.line + 1, f"unexpected end of file, {what}")
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            end = len(self.data)
        line = self.data[self.pos : end]
        self.pos = end + 1
        self.line += 1
        return line

    def at_end(self) -> bool:
        return self.pos >= len(self.data)


def _uint(tok: bytes, lines: _Lines, what: str) -> int:
    if not _UINT.match(tok) or len(tok) > 20:
        raise lines.error(f"{what}: expected an unsigned integer, found {tok[:40]!r}")
    v = int(tok)
    if v > _MAX_LIT:
        raise lines.error(f"{what}: {v} exceeds the AIGER limit {_MAX_LIT}")
    return v


def _ints(line: bytes, n: int, lines: _Lines, what: str) -> list[int]:
    toks = line.split(b" ")
    if len(toks) != n:
        raise lines.error(f"{what}: expected {n} unsigned integers separated by single spaces")
    return [_uint(t, lines, what) for t in toks]


def _decode_delta(data: bytes, pos: int, lines: _Lines, line: int) -> tuple[int, int]:
    x = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise lines.error(
                f"unexpected end of file in the binary AND section (byte {pos})", line
            )
        ch = data[pos]
        pos += 1
        x |= (ch & 0x7F) << shift
        if not ch & 0x80:
            return x, pos
        shift += 7
        if shift > 35:
            raise lines.error(f"binary delta too long at byte {pos} (more than 5 bytes)", line)


def _encode_delta(x: int, out: bytearray) -> None:
    while x & ~0x7F:
        out.append((x & 0x7F) | 0x80)
        x >>= 7
    out.append(x)


def _parse_symbols(
    lines: _Lines, n_inputs: int, n_outputs: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    in_names: list[str | None] = [None] * n_inputs
    out_names: list[str | None] = [None] * n_outputs
    while not lines.at_end():
        raw = lines.next_line("in the symbol table")
        if raw == b"c" or raw.startswith(b"c "):
            break  # comment section: the rest of the file is free text
        if raw == b"" and lines.at_end():
            break
        m = re.match(rb"^([ilo])(0|[1-9][0-9]{0,19}) (.+)$", raw)
        if m is None:
            raise lines.error(
                f"symbol table: expected 'i<k> NAME', 'o<k> NAME' or 'c', found {raw[:40]!r}"
            )
        kind, idx = m.group(1), int(m.group(2))
        try:
            name = m.group(3).decode("utf-8")
        except UnicodeDecodeError:
            raise lines.error("symbol table: name is not valid UTF-8") from None
        if "\r" in name:  # occam's writers refuse it too: a name is one line
            raise lines.error("symbol table: name contains a carriage return")
        table = {b"i": in_names, b"o": out_names}.get(kind)
        if table is None:
            raise lines.error("symbol table: latch symbols but the circuit has no latches")
        if idx >= len(table):
            raise lines.error(
                f"symbol table: index {idx} out of range (have {len(table)} "
                f"{'inputs' if kind == b'i' else 'outputs'})"
            )
        if table[idx] is not None:
            raise lines.error(f"symbol table: {kind.decode()}{idx} named twice")
        table[idx] = name
    ins = tuple(n if n is not None else f"x{i}" for i, n in enumerate(in_names))
    outs = tuple(n if n is not None else f"y{i}" for i, n in enumerate(out_names))
    return ins, outs


class _Header(NamedTuple):
    """The counts of an AIGER header (``L`` is always 0: latches are refused)."""

    binary: bool
    max_var: int  # M
    n_inputs: int  # I
    n_outputs: int  # O
    n_ands: int  # A

    @property
    def max_lit(self) -> int:
        return 2 * self.max_var + 1


def _parse_header(lines: _Lines, binary: bool | None) -> _Header:
    """Read and check the header line ``aag|aig M I L O A [B C J F]`` against the file length."""
    header = lines.next_line("expected the header 'aag M I L O A' or 'aig M I L O A'")
    toks = header.split(b" ")
    if toks[0] not in (b"aag", b"aig") or len(toks) not in (6, 7, 8, 9, 10):
        raise lines.error(
            f"expected header 'aag M I L O A' or 'aig M I L O A', found {header[:40]!r}"
        )
    is_bin = toks[0] == b"aig"
    if binary is not None and binary != is_bin:
        want = "aig" if binary else "aag"
        raise lines.error(f"file suffix asks for '{want}' but the header is {toks[0].decode()!r}")
    nums = [_uint(t, lines, "header") for t in toks[1:]]
    m_, i_, l_, o_, a_ = nums[:5]
    if any(nums[5:]):
        raise lines.error(
            "header: bad-state, constraint, justice or fairness properties unsupported"
        )
    if l_:
        raise lines.error(
            f"header declares {l_} latches; only combinational circuits are supported"
        )
    # refuse absurd sizes before allocating: each object needs at least one byte of the file
    # (binary inputs are implicit and take none; a binary AND takes two delta bytes)
    if (0 if is_bin else i_) + o_ + (2 * a_ if is_bin else a_) > len(lines.data):
        raise lines.error(
            f"header declares {i_} inputs, {o_} outputs and {a_} ANDs, more than the file's "
            f"{len(lines.data)} bytes can hold"
        )
    if m_ < i_ + a_:
        raise lines.error(f"header: M = {m_} is smaller than I + L + A = {i_ + a_}")
    if is_bin and m_ != i_ + a_:
        raise lines.error(f"binary header: M = {m_} must equal I + L + A = {i_ + a_}")
    return _Header(is_bin, m_, i_, o_, a_)


def _parse_inputs(lines: _Lines, hd: _Header) -> list[int]:
    """Input variables: implicit ``1..I`` in binary files, one even literal per line in ASCII."""
    if hd.binary:
        return list(range(1, hd.n_inputs + 1))
    in_vars = []
    for k in range(hd.n_inputs):
        (lit,) = _ints(lines.next_line(f"expected input {k}"), 1, lines, f"input {k}")
        if lit & 1 or lit < 2 or lit > hd.max_lit:
            raise lines.error(f"input {k}: literal {lit} must be even, >= 2 and <= 2M")
        in_vars.append(lit >> 1)
    return in_vars


def _parse_outputs(lines: _Lines, hd: _Header) -> list[int]:
    """Output literals, one per line, each at most ``2M + 1``."""
    out_lits: list[int] = []
    for k in range(hd.n_outputs):
        (lit,) = _ints(lines.next_line(f"expected output {k}"), 1, lines, f"output {k}")
        if lit > hd.max_lit:
            raise lines.error(f"output {k}: literal {lit} exceeds 2M + 1 = {hd.max_lit}")
        out_lits.append(lit)
    return out_lits


def _parse_binary_ands(lines: _Lines, hd: _Header) -> list[tuple[int, int, int]]:
    """AND ``j`` of a binary file: ``lhs = 2 (I + 1 + j)`` and two deltas, ``lhs - rhs0`` and
    ``rhs0 - rhs1``; returns ``(lhs var, rhs0 lit, rhs1 lit)`` and moves the cursor past them."""
    data = lines.data
    and_defs: list[tuple[int, int, int]] = []
    pos = lines.pos
    start_line = lines.line + 1
    for j in range(hd.n_ands):
        lhs = 2 * (hd.n_inputs + 1 + j)
        d0, pos = _decode_delta(data, pos, lines, start_line)
        d1, pos = _decode_delta(data, pos, lines, start_line)
        if d0 == 0 or d0 > lhs or d1 > lhs - d0:
            raise CircuitFormatError(
                lines.path, start_line, f"binary AND {j}: deltas ({d0}, {d1}) out of range"
            )
        r0 = lhs - d0
        and_defs.append((lhs >> 1, r0, r0 - d1))
    # the symbol table starts after the binary section; count its lines from there
    lines.line = start_line - 1 + data.count(b"\n", lines.pos, pos)
    lines.pos = pos
    return and_defs


def _parse_ascii_ands(lines: _Lines, hd: _Header) -> tuple[list[tuple[int, int, int]], list[int]]:
    """ASCII AND lines ``lhs rhs0 rhs1``: ``(lhs var, rhs0 lit, rhs1 lit)`` and line numbers."""
    and_defs: list[tuple[int, int, int]] = []
    and_lines: list[int] = []
    for k in range(hd.n_ands):
        lhs, r0, r1 = _ints(lines.next_line(f"expected AND {k}"), 3, lines, f"AND {k}")
        if lhs & 1 or lhs < 2 or max(lhs, r0, r1) > hd.max_lit:
            raise lines.error(f"AND {k}: lhs must be even >= 2 and literals <= {hd.max_lit}")
        and_defs.append((lhs >> 1, r0, r1))
        and_lines.append(lines.line)
    return and_defs, and_lines


def _index_definitions(
    in_vars: list[int], and_defs: list[tuple[int, int, int]], and_lines: list[int], path: str
) -> tuple[dict[int, int], dict[int, int]]:
    """Number the inputs ``1..I`` (variable 0 is the constant) and map each AND's variable to its
    position; a variable defined twice is an error."""
    index: dict[int, int] = {0: 0}  # variable -> new variable number
    for k, v in enumerate(in_vars):
        if v in index:
            raise CircuitFormatError(path, 2 + k, f"input {k}: variable {v} defined twice")
        index[v] = k + 1
    defs: dict[int, int] = {}  # AND variable -> AND position
    for k, (v, _, _) in enumerate(and_defs):
        if v in index or v in defs:
            line = and_lines[k] if and_lines else 0
            raise CircuitFormatError(path, line, f"AND {k}: variable {v} defined twice")
        defs[v] = k
    return index, defs


def _topological_order(
    and_defs: list[tuple[int, int, int]],
    and_lines: list[int],
    index: dict[int, int],
    defs: dict[int, int],
    path: str,
) -> list[int]:
    """ASCII ANDs may come in any order: iterative DFS over the fanins of every AND, numbering
    each AND's variable in ``index`` once its fanins are numbered; undefined variables and cycles
    are errors."""
    order: list[int] = []
    state: dict[int, int] = {}  # 1 = on stack, 2 = done
    for k0 in range(len(and_defs)):
        if state.get(k0) == 2:
            continue
        stack = [(k0, 0)]
        while stack:
            k, step = stack.pop()
            if step == 0:
                if state.get(k) == 2:
                    continue
                state[k] = 1
            if step < 2:
                stack.append((k, step + 1))
                u = and_defs[k][1 + step] >> 1
                if u in index:
                    continue
                kk = defs.get(u)
                if kk is None:
                    raise CircuitFormatError(
                        path, and_lines[k], f"AND {k}: variable {u} is used but never defined"
                    )
                if state.get(kk) == 1:
                    raise CircuitFormatError(path, and_lines[k], f"AND {k}: cycle through {u}")
                if state.get(kk) != 2:
                    stack.append((kk, 0))
                continue
            state[k] = 2
            index[and_defs[k][0]] = len(index)
            order.append(k)
    return order


def parse_aiger(data: bytes, path: str = "<memory>", binary: bool | None = None) -> Circuit:
    """Parse AIGER bytes (``aag``/``aig`` by header; ``binary`` only checks it) into a Circuit."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"parse_aiger: data must be bytes, received {type(data).__name__}")
    lines = _Lines(bytes(data), path)
    hd = _parse_header(lines, binary)
    in_vars = _parse_inputs(lines, hd)
    out_lits = _parse_outputs(lines, hd)
    and_lines: list[int] = []
    if hd.binary:
        and_defs = _parse_binary_ands(lines, hd)
    else:
        and_defs, and_lines = _parse_ascii_ands(lines, hd)
    in_names, out_names = _parse_symbols(lines, hd.n_inputs, hd.n_outputs)

    # map variables to positions: inputs first, then ANDs in topological order
    index, defs = _index_definitions(in_vars, and_defs, and_lines, path)
    if hd.binary:
        order = list(range(hd.n_ands))  # lhs > rhs guarantees topological order
        for v, _, _ in and_defs:
            index[v] = len(index)
    else:
        order = _topological_order(and_defs, and_lines, index, defs, path)
    for k, lit in enumerate(out_lits):
        if (lit >> 1) not in index:
            raise CircuitFormatError(path, 0, f"output {k}: variable {lit >> 1} is never defined")

    def relit(lit: int) -> int:
        return (index[lit >> 1] << 1) | (lit & 1)

    ands = [(relit(and_defs[k][1]), relit(and_defs[k][2])) for k in order]
    aig = normalize_aig(hd.n_inputs, ands, [relit(o) for o in out_lits], in_names, out_names)
    return aig_to_circuit(aig)


def read_aiger(path: str | PathLike[str], binary: bool | None = None) -> Circuit:
    """Read an ``.aag``/``.aig`` file; malformed files raise :class:`CircuitFormatError`."""
    with open(path, "rb") as f:
        data = f.read()
    return parse_aiger(data, str(path), binary)


def _check_name(name: str, what: str) -> str:
    if "\n" in name or "\r" in name or name == "":
        raise ValueError(f"write AIGER: {what} name {name!r} must be non-empty without newlines")
    return name


def aig_bytes(aig: Aig, binary: bool, comment: str = "written by occam") -> bytes:
    """Serialise an :class:`Aig` (ANDs in topological order) as AIGER."""
    m = aig.max_var
    head = b"aig" if binary else b"aag"
    out = bytearray(b"%s %d %d 0 %d %d\n" % (head, m, aig.n_inputs, len(aig.outputs), aig.n_ands))
    if not binary:
        for i in range(aig.n_inputs):
            out += b"%d\n" % (2 * (i + 1))
    for lit in aig.outputs.tolist():
        out += b"%d\n" % lit
    first = aig.n_inputs + 1
    for j, (a, b) in enumerate(aig.ands.tolist()):
        lhs = 2 * (first + j)
        r0, r1 = (a, b) if a >= b else (b, a)
        if binary:
            _encode_delta(lhs - r0, out)
            _encode_delta(r0 - r1, out)
        else:
            out += b"%d %d %d\n" % (lhs, r0, r1)
    for i, nm in enumerate(aig.input_names):
        out += f"i{i} {_check_name(nm, 'input')}\n".encode()
    for i, nm in enumerate(aig.output_names):
        out += f"o{i} {_check_name(nm, 'output')}\n".encode()
    out += f"c\n{comment}\n".encode()
    return bytes(out)


def write_aiger_bytes(circuit: Circuit, binary: bool) -> bytes:
    """AIGER bytes of ``circuit`` (OR and NOT mapped to AIG form, names in the symbol table)."""
    return aig_bytes(circuit_to_aig(circuit), binary)
