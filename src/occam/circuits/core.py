"""Boolean circuits over {AND, OR, NOT} with constants (SPEC 2.1) and an AIG-style builder.

Node numbering (shared by every module of :mod:`occam.circuits`): node 0 is the constant False,
node 1 the constant True, nodes ``2 .. n_inputs + 1`` are the inputs in order, and gate ``g`` is
node ``n_inputs + 2 + g``. Gates are stored in topological order: each fanin is a smaller node id.
A NOT gate repeats its fanin in both columns of ``fanins``.

Size ``|C|`` is the number of gates (inputs and constants are free); depth is the longest
input-to-output path counted in gates; the layered size of the ASAP layering is
``|C|_p = (Σ_ℓ n_ℓ^p)^{1/p}`` with ``n_ℓ`` the number of gates at level ``ℓ`` (an upper bound on the
minimum over layerings of SPEC 2.1; ``p = 1`` gives ``|C|``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Any

import numpy as np

from occam.circuits import simulate as _sim
from occam.circuits.traverse import fold_gates, output_cone

__all__ = ["Builder", "Circuit", "Op"]

_MAX_TRUTH_TABLE_INPUTS = 26


class Op(IntEnum):
    """Gate types; the values are the codes stored in :attr:`Circuit.ops`."""

    AND = 0
    OR = 1
    NOT = 2


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _names(names: Sequence[str] | None, n: int, prefix: str, arg: str) -> tuple[str, ...]:
    if names is None:
        return tuple(f"{prefix}{i}" for i in range(n))
    names = tuple(names)
    if len(names) != n:
        raise ValueError(f"Circuit: {arg} must have {n} entries, received {len(names)}")
    for nm in names:
        if not isinstance(nm, str):
            raise TypeError(f"Circuit: {arg} must be strings, received {type(nm).__name__}")
    return names


class Circuit:
    """An immutable circuit over AND, OR (fan-in 2) and NOT (SPEC 2.1).

    Parameters
    ----------
    n_inputs : number of input bits.
    ops : ``(n_gates,)`` gate codes (:class:`Op`).
    fanins : ``(n_gates, 2)`` node ids; gate ``g`` (node ``n_inputs + 2 + g``) reads smaller ids;
        a NOT gate repeats its fanin in column 1.
    outputs : ``(n_outputs,)`` node ids (constants and inputs allowed).
    input_names, output_names : optional names (default ``x0..``, ``y0..``).

    Invalid structure raises ``ValueError`` naming the argument.
    """

    __slots__ = (
        "_cache",
        "_fanins",
        "_input_names",
        "_n_inputs",
        "_ops",
        "_output_names",
        "_outputs",
    )

    def __init__(
        self,
        n_inputs: int,
        ops: Any,
        fanins: Any,
        outputs: Any,
        input_names: Sequence[str] | None = None,
        output_names: Sequence[str] | None = None,
    ) -> None:
        if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)):
            raise TypeError(f"Circuit: n_inputs must be an int, received {type(n_inputs).__name__}")
        if n_inputs < 0:
            raise ValueError(f"Circuit: n_inputs must be >= 0, received {n_inputs}")
        ops_a = np.asarray(ops)
        if ops_a.size == 0:
            ops_a = ops_a.reshape(0)
        if ops_a.ndim != 1:
            raise ValueError(f"Circuit: ops must be 1-D, received shape {ops_a.shape}")
        if ops_a.size and not np.issubdtype(ops_a.dtype, np.integer):
            raise TypeError(f"Circuit: ops must be integers (Op codes), received {ops_a.dtype}")
        fan_a = np.asarray(fanins)
        if fan_a.size == 0:
            fan_a = fan_a.reshape(0, 2)
        if fan_a.ndim != 2 or fan_a.shape[1] != 2 or fan_a.shape[0] != ops_a.shape[0]:
            raise ValueError(
                f"Circuit: fanins must have shape ({ops_a.shape[0]}, 2), received {fan_a.shape}"
            )
        if fan_a.size and not np.issubdtype(fan_a.dtype, np.integer):
            raise TypeError(f"Circuit: fanins must be integer node ids, received {fan_a.dtype}")
        out_a = np.asarray(outputs)
        if out_a.size == 0:
            out_a = out_a.reshape(0)
        if out_a.ndim != 1:
            raise ValueError(f"Circuit: outputs must be 1-D, received shape {out_a.shape}")
        if out_a.size and not np.issubdtype(out_a.dtype, np.integer):
            raise TypeError(f"Circuit: outputs must be integer node ids, received {out_a.dtype}")
        self._n_inputs = int(n_inputs)
        if ops_a.size and (ops_a.min() < 0 or ops_a.max() > 2):
            bad = ops_a[(ops_a < 0) | (ops_a > 2)][0]
            raise ValueError(f"Circuit: ops must be 0 (AND), 1 (OR) or 2 (NOT), received {bad}")
        self._ops = _readonly(np.array(ops_a, dtype=np.uint8))
        self._fanins = _readonly(np.array(fan_a, dtype=np.int64))
        self._outputs = _readonly(np.array(out_a, dtype=np.int64))
        self._input_names = _names(input_names, self._n_inputs, "x", "input_names")
        self._output_names = _names(output_names, self._outputs.shape[0], "y", "output_names")
        self._cache: dict[str, Any] = {}
        self.check()

    # ------------------------------------------------------------------ invariants
    def check(self) -> None:
        """Verify the structural invariants, raising ``ValueError`` on the first violation:
        ``0 <= fanin < node`` for every gate, a NOT repeats its fanin, op codes are valid and every
        output is an existing node."""
        n_gates = self.n_gates
        base = self._n_inputs + 2
        if n_gates:
            nodes = base + np.arange(n_gates, dtype=np.int64)
            bad = (self._fanins < 0).any(axis=1) | (self._fanins >= nodes[:, None]).any(axis=1)
            if bad.any():
                g = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"Circuit: fanins of gate {g} (node {base + g}) must be node ids in "
                    f"[0, {base + g}), received {self._fanins[g].tolist()}"
                )
            if self._ops.max() > 2:
                raise ValueError("Circuit: ops must be 0 (AND), 1 (OR) or 2 (NOT)")
            is_not = self._ops == Op.NOT
            bad_not = is_not & (self._fanins[:, 0] != self._fanins[:, 1])
            if bad_not.any():
                g = int(np.flatnonzero(bad_not)[0])
                raise ValueError(
                    f"Circuit: NOT gate {g} must repeat its fanin in column 1, "
                    f"received {self._fanins[g].tolist()}"
                )
        if self._outputs.size:
            bad_o = (self._outputs < 0) | (self._outputs >= self.n_nodes)
            if bad_o.any():
                o = int(np.flatnonzero(bad_o)[0])
                raise ValueError(
                    f"Circuit: output {o} must be a node id in [0, {self.n_nodes}), "
                    f"received {int(self._outputs[o])}"
                )

    # ------------------------------------------------------------------ basic properties
    @property
    def n_inputs(self) -> int:
        return self._n_inputs

    @property
    def n_outputs(self) -> int:
        return int(self._outputs.shape[0])

    @property
    def n_gates(self) -> int:
        return int(self._ops.shape[0])

    @property
    def size(self) -> int:
        """|C|: the number of gates (SPEC 2.1)."""
        return self.n_gates

    @property
    def n_nodes(self) -> int:
        return self._n_inputs + 2 + self.n_gates

    @property
    def ops(self) -> np.ndarray:
        return self._ops

    @property
    def fanins(self) -> np.ndarray:
        return self._fanins

    @property
    def outputs(self) -> np.ndarray:
        return self._outputs

    @property
    def input_names(self) -> tuple[str, ...]:
        return self._input_names

    @property
    def output_names(self) -> tuple[str, ...]:
        return self._output_names

    @property
    def input_nodes(self) -> np.ndarray:
        """Node ids of the inputs, ``2 .. n_inputs + 1``."""
        return np.arange(2, 2 + self._n_inputs, dtype=np.int64)

    def gate_node(self, g: int) -> int:
        """Node id of gate ``g``."""
        return self._n_inputs + 2 + int(g)

    # ------------------------------------------------------------------ measures
    def levels(self) -> np.ndarray:
        """ASAP level per node: 0 for constants and inputs, ``1 + max(fanin levels)`` for gates."""
        if "levels" not in self._cache:
            self._cache["levels"] = _readonly(_sim.asap_levels(self._n_inputs, self._fanins))
        return self._cache["levels"]

    @property
    def depth(self) -> int:
        """Longest input-to-output path, in gates (0 when every output is an input/constant)."""
        if self.n_outputs == 0:
            return 0
        return int(self.levels()[self._outputs].max())

    def layer_sizes(self) -> np.ndarray:
        """``n_ℓ`` for ``ℓ = 1 .. L``: the number of gates at each ASAP level (L = max level)."""
        if self.n_gates == 0:
            return np.zeros(0, dtype=np.int64)
        gl = self.levels()[self._n_inputs + 2 :]
        return np.bincount(gl, minlength=int(gl.max()) + 1)[1:]

    def layered_size(self, p: float) -> float:
        """``|C|_p = (Σ_ℓ n_ℓ^p)^{1/p}`` for the ASAP layering (SPEC 2.1), ``p ∈ (0, 1]``.

        This upper-bounds the minimum over layerings; ``p = 1`` gives ``|C|`` and the value is
        non-increasing in ``p``. Empty layers (none exist for ASAP) contribute nothing.
        """
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
            raise TypeError(f"layered_size: p must be a real number, received {type(p).__name__}")
        p = float(p)
        if not (0.0 < p <= 1.0):
            raise ValueError(f"layered_size: p must be in (0, 1], received {p}")
        n = self.layer_sizes().astype(np.float64)
        n = n[n > 0]
        if n.size == 0:
            return 0.0
        if p == 1.0:
            return float(n.sum())
        # (Σ n^p)^{1/p} computed in log space for large layers / small p
        logs = p * np.log(n)
        m = logs.max()
        return float(np.exp((m + np.log(np.exp(logs - m).sum())) / p))

    def gate_counts(self) -> dict[str, int]:
        """Number of gates of each type: ``{"AND": .., "OR": .., "NOT": ..}``."""
        counts = np.bincount(self._ops, minlength=3)
        return {"AND": int(counts[0]), "OR": int(counts[1]), "NOT": int(counts[2])}

    # ------------------------------------------------------------------ transformations
    def cleanup(self) -> Circuit:
        """A new circuit without the gates outside every output cone, renumbered in order."""
        base = self._n_inputs + 2
        live = output_cone(base, self._fanins, self._outputs)
        keep = np.flatnonzero(live[base:])
        new_id = np.arange(self.n_nodes, dtype=np.int64)
        new_id[base + keep] = base + np.arange(keep.size)
        return Circuit(
            self._n_inputs,
            self._ops[keep],
            new_id[self._fanins[keep]].reshape(-1, 2),
            new_id[self._outputs],
            self._input_names,
            self._output_names,
        )

    # ------------------------------------------------------------------ simulation
    def _plan(self) -> _sim.SimPlan:
        if "plan" not in self._cache:
            self._cache["plan"] = _sim.SimPlan(
                self._n_inputs, self._ops, self._fanins, self._outputs
            )
        return self._cache["plan"]

    def simulate_words(
        self, words: Any, *, engine: str = "numba", block: int | None = None
    ) -> np.ndarray:
        """Bit-parallel simulation: ``words`` is ``(n_inputs, n_words)`` uint64 (bit ``b`` of word
        ``w`` is pattern ``64 w + b``); returns ``(n_outputs, n_words)`` uint64.

        ``engine="numba"`` is the compiled blocked kernel, ``"numpy"`` the levelised reference.
        """
        w = np.asarray(words)
        if w.ndim != 2 or w.shape[0] != self._n_inputs:
            raise ValueError(
                f"simulate_words: words must have shape ({self._n_inputs}, n_words), "
                f"received {w.shape}"
            )
        if w.dtype != np.uint64:
            if w.size and not np.issubdtype(w.dtype, np.unsignedinteger):
                raise TypeError(f"simulate_words: words must be uint64, received {w.dtype}")
            w = w.astype(np.uint64)
        if engine == "numba":
            if block is not None and (int(block) < 1):
                raise ValueError(f"simulate_words: block must be >= 1, received {block}")
            return _sim.simulate_words_numba(
                self._n_inputs, self._ops, self._fanins, self._outputs, w, self._plan(), block
            )
        if engine == "numpy":
            return _sim.simulate_words_numpy(
                self._n_inputs, self._ops, self._fanins, self._outputs, w, self.levels()
            )
        raise ValueError(f"simulate_words: engine must be 'numba' or 'numpy', received {engine!r}")

    def simulate(self, bits: Any, *, engine: str = "numba") -> np.ndarray:
        """Evaluate on ``n`` patterns: ``bits`` is bool ``(n, n_inputs)``, returns bool
        ``(n, n_outputs)``. A 1-D array is read as a single pattern and gives a 1-D result."""
        b = np.asarray(bits)
        single = b.ndim == 1
        if single:
            b = b[None, :]
        if b.ndim != 2 or b.shape[1] != self._n_inputs:
            raise ValueError(
                f"simulate: bits must have shape (n, {self._n_inputs}), received {np.shape(bits)}"
            )
        if b.dtype != bool:
            if b.size and not ((b == 0) | (b == 1)).all():  # np.isin is ~50x slower here
                raise ValueError("simulate: bits must be boolean or 0/1")
            b = b.astype(bool)
        n = b.shape[0]
        out_words = self.simulate_words(_sim.pack_bits(b), engine=engine)
        out = _sim.unpack_bits(out_words, n)
        return out[0] if single else out

    def truth_table(self, *, engine: str = "numba") -> np.ndarray:
        """bool ``(2**n_inputs, n_outputs)``; row ``r`` has input ``i`` equal to
        ``(r >> i) & 1``."""
        if self._n_inputs > _MAX_TRUTH_TABLE_INPUTS:
            raise ValueError(
                f"truth_table: at most {_MAX_TRUTH_TABLE_INPUTS} inputs supported, "
                f"circuit has {self._n_inputs}"
            )
        n_rows = 1 << self._n_inputs
        out = self.simulate_words(exhaustive_words(self._n_inputs), engine=engine)
        return _sim.unpack_bits(out, n_rows)

    # ------------------------------------------------------------------ dunder
    def __repr__(self) -> str:
        c = self.gate_counts()
        return (
            f"Circuit(n_inputs={self._n_inputs}, n_outputs={self.n_outputs}, size={self.size} "
            f"[AND={c['AND']}, OR={c['OR']}, NOT={c['NOT']}], depth={self.depth})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Circuit):
            return NotImplemented
        return (
            self._n_inputs == other._n_inputs
            and np.array_equal(self._ops, other._ops)
            and np.array_equal(self._fanins, other._fanins)
            and np.array_equal(self._outputs, other._outputs)
            and self._input_names == other._input_names
            and self._output_names == other._output_names
        )

    def __hash__(self) -> int:
        return hash(
            (self._n_inputs, self._ops.tobytes(), self._fanins.tobytes(), self._outputs.tobytes())
        )


def exhaustive_words(n_inputs: int) -> np.ndarray:
    """Input words enumerating all ``2**n_inputs`` patterns: pattern ``r`` has input ``i`` equal to
    ``(r >> i) & 1``. Shape ``(n_inputs, max(1, 2**n_inputs // 64))``."""
    n_rows = 1 << n_inputs
    n_words = max(1, n_rows // 64)
    words = np.empty((n_inputs, n_words), dtype=np.uint64)
    r = np.arange(64, dtype=np.uint64)
    w = np.arange(n_words, dtype=np.uint64)
    for i in range(n_inputs):
        if i < 6:
            bits = (r >> np.uint64(i)) & np.uint64(1)
            word = np.bitwise_or.reduce(bits << r)
            words[i] = word
        else:
            on = ((w >> np.uint64(i - 6)) & np.uint64(1)).astype(bool)
            words[i] = np.where(on, _sim.ALL_ONES, np.uint64(0))
    return words


# ---------------------------------------------------------------------------------- builder

_CONST = 3
_INPUT = 4


class Builder:
    """Builds a :class:`Circuit` gate by gate with structural hashing and constant propagation.

    Handles returned by the methods are ints valid within this builder (node 0 = False, node 1 =
    True); :meth:`build` renumbers them into the layout of :class:`Circuit`. Folding rules (STYLE 2,
    like ABC's ``Aig_And``): ``AND(a,0)=0, AND(a,1)=a, AND(a,a)=a, AND(a,¬a)=0``, dually for OR,
    ``¬¬a=a``, ``¬0=1``; the pair of fanins is sorted before hashing, so ``a∧b`` and ``b∧a`` are
    one gate. Hence equal subcircuits are shared and no gate has a constant fanin.
    """

    def __init__(self) -> None:
        self._kind: list[int] = [_CONST, _CONST]
        self._fa: list[int] = [0, 1]
        self._fb: list[int] = [0, 1]
        self._neg: dict[int, int] = {0: 1, 1: 0}
        self._table: dict[tuple[int, int, int], int] = {}
        self._input_ids: list[int] = []
        self._input_names: list[str] = []
        self._outputs: list[int] = []
        self._output_names: list[str] = []
        self._n_gates = 0

    # ------------------------------------------------------------------ bookkeeping
    @property
    def n_gates(self) -> int:
        """Gates created so far (before the dead-gate removal of :meth:`build`)."""
        return self._n_gates

    @property
    def n_inputs(self) -> int:
        return len(self._input_ids)

    def _node(self, a: Any, arg: str) -> int:
        if isinstance(a, (bool, np.bool_)):
            return int(bool(a))
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"Builder: {arg} must be a node handle (int), received {type(a)}")
        a = int(a)
        if not 0 <= a < len(self._kind):
            raise ValueError(f"Builder: {arg}={a} is not a node of this builder")
        return a

    def _new(self, kind: int, a: int, b: int) -> int:
        n = len(self._kind)
        self._kind.append(kind)
        self._fa.append(a)
        self._fb.append(b)
        return n

    # ------------------------------------------------------------------ sources
    def const(self, value: bool) -> int:
        """Handle of the constant ``value`` (0 or 1)."""
        return 1 if value else 0

    def input(self, name: str | None = None) -> int:
        """A new input (named ``x<i>`` by default)."""
        if name is None:
            name = f"x{len(self._input_ids)}"
        if not isinstance(name, str):
            raise TypeError(f"Builder.input: name must be a str, received {type(name).__name__}")
        n = self._new(_INPUT, -1, -1)
        self._input_ids.append(n)
        self._input_names.append(name)
        return n

    def inputs(self, n: int, prefix: str = "x") -> list[int]:
        """``n`` new inputs named ``prefix0 .. prefix{n-1}``."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"Builder.inputs: n must be an int >= 0, received {n!r}")
        return [self.input(f"{prefix}{i}") for i in range(int(n))]

    # ------------------------------------------------------------------ gates
    def NOT(self, a: int) -> int:
        """¬a; folds constants and double negation."""
        a = self._node(a, "a")
        r = self._neg.get(a)
        if r is not None:
            return r
        n = self._new(Op.NOT, a, a)
        self._n_gates += 1
        self._neg[a] = n
        self._neg[n] = a
        return n

    def AND(self, a: int, b: int) -> int:
        """a ∧ b with AND(a,0)=0, AND(a,1)=a, AND(a,a)=a, AND(a,¬a)=0 and hashing."""
        a = self._node(a, "a")
        b = self._node(b, "b")
        if a == 0 or b == 0:
            return 0
        if a == 1:
            return b
        if b == 1 or a == b:
            return a
        if self._neg.get(a) == b:
            return 0
        return self._hashed(Op.AND, a, b)

    def OR(self, a: int, b: int) -> int:
        """a ∨ b with OR(a,1)=1, OR(a,0)=a, OR(a,a)=a, OR(a,¬a)=1 and hashing."""
        a = self._node(a, "a")
        b = self._node(b, "b")
        if a == 1 or b == 1:
            return 1
        if a == 0:
            return b
        if b == 0 or a == b:
            return a
        if self._neg.get(a) == b:
            return 1
        return self._hashed(Op.OR, a, b)

    def _hashed(self, op: int, a: int, b: int) -> int:
        if a > b:
            a, b = b, a
        key = (int(op), a, b)
        n = self._table.get(key)
        if n is None:
            n = self._new(int(op), a, b)
            self._n_gates += 1
            self._table[key] = n
        return n

    # ------------------------------------------------------------------ derived gates
    def XOR(self, a: int, b: int) -> int:
        """a ⊕ b = (a ∨ b) ∧ ¬(a ∧ b): 4 gates."""
        return self.AND(self.OR(a, b), self.NOT(self.AND(a, b)))

    def XNOR(self, a: int, b: int) -> int:
        """¬(a ⊕ b) = (a ∧ b) ∨ ¬(a ∨ b): 4 gates (shares a∧b, a∨b with XOR)."""
        return self.OR(self.AND(a, b), self.NOT(self.OR(a, b)))

    def MUX(self, s: int, a: int, b: int) -> int:
        """``s ? a : b`` = (s ∧ a) ∨ (¬s ∧ b): 4 gates."""
        s = self._node(s, "s")
        a = self._node(a, "a")
        b = self._node(b, "b")
        if a == b:
            return a
        return self.OR(self.AND(s, a), self.AND(self.NOT(s), b))

    def MAJ(self, a: int, b: int, c: int) -> int:
        """Majority = (a ∧ b) ∨ (c ∧ (a ∨ b)): 4 gates."""
        return self.OR(self.AND(a, b), self.AND(c, self.OR(a, b)))

    def AND_many(self, nodes: Iterable[int]) -> int:
        """Conjunction of any number of nodes as a balanced tree (1 for none)."""
        return self._tree(list(nodes), self.AND, 1)

    def OR_many(self, nodes: Iterable[int]) -> int:
        """Disjunction of any number of nodes as a balanced tree (0 for none)."""
        return self._tree(list(nodes), self.OR, 0)

    def XOR_many(self, nodes: Iterable[int]) -> int:
        """Parity of any number of nodes as a balanced tree (0 for none)."""
        return self._tree(list(nodes), self.XOR, 0)

    @staticmethod
    def _tree(nodes: list[int], fn: Any, empty: int) -> int:
        if not nodes:
            return empty
        while len(nodes) > 1:
            nxt = [fn(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
            if len(nodes) % 2:
                nxt.append(nodes[-1])
            nodes = nxt
        return nodes[0]

    # ------------------------------------------------------------------ composition
    def add_circuit(self, circuit: Circuit, inputs: Sequence[int]) -> list[int]:
        """Instantiate ``circuit`` with its inputs driven by the handles ``inputs``; returns the
        handles of its outputs. Gates go through the folding rules and the hash table."""
        if not isinstance(circuit, Circuit):
            raise TypeError(
                f"add_circuit: circuit must be a Circuit, received {type(circuit).__name__}"
            )
        inputs = [self._node(x, "inputs") for x in inputs]
        if len(inputs) != circuit.n_inputs:
            raise ValueError(
                f"add_circuit: expected {circuit.n_inputs} input handles, received {len(inputs)}"
            )
        values = fold_gates(circuit, [0, 1, *inputs], self.AND, self.OR, self.NOT)
        return [values[o] for o in circuit.outputs.tolist()]

    # ------------------------------------------------------------------ outputs
    def output(self, node: int, name: str | None = None) -> None:
        """Declare ``node`` as the next output (named ``y<j>`` by default)."""
        node = self._node(node, "node")
        if name is None:
            name = f"y{len(self._outputs)}"
        if not isinstance(name, str):
            raise TypeError(f"Builder.output: name must be a str, received {type(name).__name__}")
        self._outputs.append(node)
        self._output_names.append(name)

    def build(self, *, cleanup: bool = True) -> Circuit:
        """The circuit: inputs first (in creation order), then gates in creation order.

        With ``cleanup=True`` (default) gates outside every output cone are dropped.
        """
        kind = self._kind
        n_in = len(self._input_ids)
        new_id = [0] * len(kind)
        new_id[1] = 1
        for i, n in enumerate(self._input_ids):
            new_id[n] = 2 + i
        gates = [n for n in range(2, len(kind)) if kind[n] <= Op.NOT]
        for g, n in enumerate(gates):
            new_id[n] = n_in + 2 + g
        circuit = Circuit(
            n_in,
            np.array([kind[n] for n in gates], dtype=np.uint8),
            np.array(
                [(new_id[self._fa[n]], new_id[self._fb[n]]) for n in gates], dtype=np.int64
            ).reshape(-1, 2),
            np.array([new_id[o] for o in self._outputs], dtype=np.int64),
            tuple(self._input_names),
            tuple(self._output_names),
        )
        return circuit.cleanup() if cleanup else circuit
