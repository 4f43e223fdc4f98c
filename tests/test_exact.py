"""Exact synthesis (SPEC 2.6) against the independent brute-force enumerator."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from occam.circuits.brute import minimum_size_of_set, minimum_sizes, table_to_int
from occam.circuits.exact import (
    minimum_circuit,
    parse_truth_table,
    truth_table_string,
)


def table(f: int, n: int) -> np.ndarray:
    return np.array([(f >> r) & 1 for r in range(1 << n)], dtype=bool)


def check_circuit(res, t: np.ndarray, rows=None) -> None:
    """The returned circuit exists, has the reported size and computes the target."""
    assert res.status == 0 and res.outcome == "optimal" and res.success
    c = res.circuit
    assert c.size == res.size == res.lower_bound
    got = c.truth_table()
    t2 = t[:, None] if t.ndim == 1 else t
    rows = range(t2.shape[0]) if rows is None else rows
    for r in rows:
        assert got[r].tolist() == t2[r].tolist(), r


# ------------------------------------------------------------------------------ truth tables
def test_parse_truth_table_conventions():
    assert parse_truth_table("1000").tolist() == [False, False, False, True]  # x0 ∧ x1
    assert parse_truth_table("0x8").tolist() == [False, False, False, True]
    maj = parse_truth_table("0xE8")
    assert [int(b) for b in maj] == [int(bin(r).count("1") >= 2) for r in range(8)]
    two = parse_truth_table("0x6, 0x8")
    assert two.shape == (4, 2) and two[:, 0].tolist() == [False, True, True, False]
    assert truth_table_string(maj) == "0xe8"
    assert truth_table_string(parse_truth_table("10")) == "10"
    for bad in ("0x", "0xZZ", "012", "101", "0x8,0xE8"):
        with pytest.raises(ValueError):
            parse_truth_table(bad)


# ------------------------------------------------------------------------------ brute force
def test_brute_force_symmetry_reduction_is_exact():
    assert minimum_sizes(3, 5, symmetry=False) == minimum_sizes(3, 5, symmetry=True)
    assert minimum_sizes(2, symmetry=False) == minimum_sizes(2)


def test_all_two_input_functions_match_brute_force():
    brute = minimum_sizes(2)
    assert len(brute) == 16
    for f in range(16):
        t = table(f, 2)
        res = minimum_circuit(t)
        check_circuit(res, t)
        assert res.size == brute[f], f
    assert brute[table_to_int([0, 1, 1, 0])] == 4  # XOR needs 4 gates over {AND, OR, NOT}


def test_all_three_input_functions_up_to_six_gates_match_brute_force():
    """All 256 functions of 3 inputs: exact sizes agree with the enumerator where it finds a
    circuit of <= 6 gates, and exact synthesis proves >= 7 gates for every other function."""
    cap = 6
    brute = minimum_sizes(3, cap)
    for f in range(256):
        t = table(f, 3)
        res = minimum_circuit(t, max_gates=cap)
        if f in brute:
            check_circuit(res, t)
            assert res.size == brute[f], hex(f)
        else:
            assert res.status == 2 and res.outcome == "infeasible" and res.circuit is None, hex(f)
            assert res.lower_bound == cap + 1


@pytest.mark.slow
def test_all_three_input_functions_match_brute_force_exactly():
    brute = minimum_sizes(3)
    assert len(brute) == 256 and max(brute.values()) == 8
    for f in range(256):
        t = table(f, 3)
        res = minimum_circuit(t, time_limit=600)
        check_circuit(res, t)
        assert res.size == brute[f], hex(f)


def test_multi_output_pairs_match_brute_force():
    for f, g in itertools.combinations(range(16), 2):
        t = np.stack([table(f, 2), table(g, 2)], axis=1)
        res = minimum_circuit(t)
        check_circuit(res, t)
        assert res.size == minimum_size_of_set(2, [f, g]), (f, g)


def test_half_adder_shares_the_and_gate():
    t = parse_truth_table("0x6, 0x8")  # sum, carry
    res = minimum_circuit(t)
    check_circuit(res, t)
    assert res.size == 4  # carry = a∧b is part of sum = (a∨b) ∧ ¬(a∧b)


# ------------------------------------------------------------------------------ known sizes
def test_majority_and_parity3():
    res = minimum_circuit("0xE8")
    check_circuit(res, parse_truth_table("0xE8"))
    assert res.size == 4
    res = minimum_circuit("0x96")
    check_circuit(res, parse_truth_table("0x96"))
    assert res.size == 8


def test_trivial_functions_cost_nothing_and_negation_one_gate():
    for text, size in (("0000", 0), ("1111", 0), ("1010", 0), ("1100", 0), ("0101", 1)):
        res = minimum_circuit(text)
        check_circuit(res, parse_truth_table(text))
        assert res.size == size, text
    res = minimum_circuit(np.zeros((1, 1), dtype=bool))  # 0 inputs
    assert res.size == 0 and res.circuit.n_inputs == 0


def test_care_rows_only():
    t = parse_truth_table("0x6")  # XOR; on rows {0, 1, 2} it agrees with OR
    res = minimum_circuit(t, rows=[0, 1, 2])
    check_circuit(res, t, rows=[0, 1, 2])
    assert res.size == 1
    assert minimum_circuit(t, rows=[]).size == 0


def test_names_are_applied():
    res = minimum_circuit("0x8", input_names=["a", "b"], output_names=["f"])
    assert res.circuit.input_names == ("a", "b") and res.circuit.output_names == ("f",)


# ------------------------------------------------------------------------------ budgets
def test_conflict_budget_gives_unknown_never_infeasible():
    res = minimum_circuit("0x6996", conf_budget=20, time_limit=None)
    assert res.status == 1 and res.outcome == "unknown" and not res.success
    assert "unknown" in res.answers.values()
    assert 1 <= res.lower_bound <= 12  # a proved bound, never above the true size
    assert "budget" in res.message


def test_time_limit_gives_unknown():
    res = minimum_circuit("0x6996", time_limit=0.2)
    assert res.status == 1 and res.outcome == "unknown"
    assert res.total_time < 5.0


def test_max_gates_infeasible():
    res = minimum_circuit("0x96", max_gates=5)
    assert res.status == 2 and res.outcome == "infeasible" and res.lower_bound == 6
    assert all(a == "unsat" for a in res.answers.values())


def test_argument_errors():
    with pytest.raises(ValueError, match="2\\*\\*n rows"):
        minimum_circuit([0, 1, 1])
    with pytest.raises(ValueError, match="rows"):
        minimum_circuit("0x8", rows=[7])
    with pytest.raises(ValueError, match="interrupt"):
        minimum_circuit("0x8", solver="cadical195")
    with pytest.raises(ValueError, match="never run unbounded"):
        minimum_circuit("0x8", time_limit=None)
    with pytest.raises(ValueError, match="0/1"):
        minimum_circuit([0, 2, 1, 1])
    with pytest.raises(ValueError, match="max_gates"):
        minimum_circuit("0x8", max_gates=-1)


def test_symmetry_breaking_keeps_the_minimum():
    from occam.circuits.exact import symmetric_pairs

    # symmetric functions of 3 inputs (all pairs symmetric) and one with a single symmetric pair
    for text in ("0xE8", "0x96", "0x80", "0x7E", "0x16", "0xCA"):
        t = parse_truth_table(text)
        a = minimum_circuit(t, symmetry=True)
        b = minimum_circuit(t, symmetry=False)
        check_circuit(a, t)
        check_circuit(b, t)
        assert a.size == b.size, text
    assert symmetric_pairs(3, list(range(8)), [parse_truth_table("0xE8")]) == [
        (0, 1),
        (0, 2),
        (1, 2),
    ]
    # x2 ? x1 : x0 is symmetric in no pair; on the care rows where x2 = 1 it is x1 only
    assert symmetric_pairs(3, list(range(8)), [parse_truth_table("0xCA")]) == []
