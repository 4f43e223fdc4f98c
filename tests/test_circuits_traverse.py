"""The shared traversals of occam.circuits (output cone, gate fold, AND/OR plan) and the layering
rule that keeps the package torch-free without any lazy-import trick (issue 15 item 3)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import occam.circuits
from circuit_strategies import evaluate_reference, random_circuits
from occam.circuits import Circuit, and_or_plan, fold_gates, output_cone
from occam.circuits.traverse import AND, CONST

CIRCUITS_DIR = Path(occam.circuits.__file__).parent
FORBIDDEN = re.compile(
    r"^\s*(import torch|from torch|from occam\.(nets|complexity|train|prune|compiler))"
)


def _cone_reference(circuit: Circuit) -> set[int]:
    """Nodes reachable backwards from the outputs, by an explicit depth-first search."""
    base = circuit.n_inputs + 2
    seen: set[int] = set()
    stack = circuit.outputs.tolist()
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        if v >= base:
            stack.extend(circuit.fanins[v - base].tolist())
    return seen


def test_no_torch_side_import_and_no_module_getattr_in_circuits() -> None:
    for path in sorted(CIRCUITS_DIR.rglob("*.py")):
        text = path.read_text()
        for k, line in enumerate(text.splitlines(), 1):
            assert not FORBIDDEN.match(line), f"{path}:{k}: {line.strip()}"
        tree = ast.parse(text)
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert "__getattr__" not in names, f"{path}: module __getattr__ (lazy import)"


@given(random_circuits(max_inputs=6, max_gates=50))
def test_output_cone_matches_depth_first_search(circuit: Circuit) -> None:
    live = output_cone(circuit.n_inputs + 2, circuit.fanins, circuit.outputs)
    assert set(np.flatnonzero(live).tolist()) == _cone_reference(circuit)
    cleaned = circuit.cleanup()
    assert cleaned.n_gates == int(live[circuit.n_inputs + 2 :].sum())
    bits = np.random.default_rng(0).random((64, circuit.n_inputs)) < 0.5
    assert np.array_equal(cleaned.simulate(bits), circuit.simulate(bits))


@given(random_circuits(max_inputs=5, max_gates=40), st.integers(0, 2**32))
def test_fold_gates_on_python_bools_is_the_circuit(circuit: Circuit, seed: int) -> None:
    bits = np.random.default_rng(seed).random((8, circuit.n_inputs)) < 0.5
    want = evaluate_reference(circuit, bits)
    for r, row in enumerate(bits.tolist()):
        v = fold_gates(
            circuit, [False, True, *row], lambda a, b: a and b, lambda a, b: a or b, lambda a: not a
        )
        assert [v[o] for o in circuit.outputs.tolist()] == want[r].tolist()


@given(random_circuits(max_inputs=5, max_gates=40), st.booleans())
def test_and_or_plan_evaluates_to_the_circuit(circuit: Circuit, fold: bool) -> None:
    """Evaluating the plan's materialised gates level by level reproduces the circuit, every
    operand comes from a lower level, and no gate has a constant or a repeated operand."""
    plan = and_or_plan(circuit, fold_complements=fold)
    n = circuit.n_inputs
    bits = np.random.default_rng(1).random((16, n)) < 0.5
    want = evaluate_reference(circuit, bits)
    level_of = {CONST: 0, **{i: 0 for i in range(n)}}
    for lv, gates in enumerate(plan.levels, 1):
        for g in gates:
            assert not g.a.is_const and not g.b.is_const and g.a != g.b
            assert not (fold and g.a.ref == g.b.ref)
            assert level_of[g.a.ref] <= level_of[g.b.ref] == lv - 1
            level_of[n + g.k] = lv
    assert len(level_of) - n - 1 == plan.n_gates
    for r, row in enumerate(bits.tolist()):
        val = {CONST: False, **dict(enumerate(row))}

        def lit(x, val=val):
            return val[x.ref] != x.neg

        for gates in plan.levels:
            for g in gates:
                a, b = lit(g.a), lit(g.b)
                val[n + g.k] = (a and b) if g.op == AND else (a or b)
        assert [lit(x) for x in plan.outputs] == want[r].tolist()
