"""File formats (issue 3 item 4): AIGER .aag/.aig, BLIF, Verilog; AIG <-> {AND, OR, NOT} counts;
malformed and mutated files raise CircuitFormatError only."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuit_strategies import evaluate_reference, random_circuits
from occam.circuits import Builder, Circuit, Op
from occam.circuits.io import (
    CircuitFormatError,
    aig_to_circuit,
    basis_gate_counts,
    circuit_to_aig,
    normalize_aig,
    parse_aiger,
    parse_blif,
    read,
    write,
)

READABLE = (".aag", ".aig", ".blif")


def all_rows(n: int) -> np.ndarray:
    r = np.arange(1 << n)
    return ((r[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)


def same_function(a: Circuit, b: Circuit) -> bool:
    x = all_rows(a.n_inputs)
    return a.n_inputs == b.n_inputs and np.array_equal(
        evaluate_reference(a, x), evaluate_reference(b, x)
    )


def small_example() -> Circuit:
    b = Builder()
    x = b.inputs(3)
    b.output(b.XOR(b.XOR(x[0], x[1]), x[2]), "par")
    b.output(b.MAJ(*x), "maj")
    b.output(b.OR(b.NOT(x[0]), x[1]), "imp")
    b.output(x[1], "buf")
    b.output(b.const(True), "one")
    b.output(b.const(False), "zero")
    return b.build()


# ------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("suffix", READABLE)
def test_round_trip_example_keeps_function_names_and_counts(tmp_path, suffix):
    c = small_example()
    back = read(write(c, tmp_path / f"c{suffix}"))
    assert same_function(c, back)
    assert back.input_names == c.input_names
    assert back.output_names == c.output_names
    # a hashed circuit without double negations keeps its gate counts through every format
    assert back.gate_counts() == c.gate_counts()


@pytest.mark.parametrize("suffix", READABLE)
@given(c=random_circuits(max_inputs=6, max_gates=30))
def test_round_trip_random_circuits(tmp_path_factory, suffix, c):
    path = tmp_path_factory.mktemp("rt") / f"c{suffix}"
    back = read(write(c, path))
    assert same_function(c, back), suffix
    assert back.n_outputs == c.n_outputs
    # the AIGER/BLIF readers never add gates beyond AND+OR (+ one NOT per AIG variable)
    assert back.gate_counts()["AND"] + back.gate_counts()["OR"] <= c.size


def test_verilog_text_mentions_every_gate(tmp_path):
    c = small_example()
    text = write(c, tmp_path / "c.v").read_text()
    assert text.count("assign") == c.size + c.n_outputs
    assert "module c(" in text and text.rstrip().endswith("endmodule")
    prim = tmp_path / "p.v"
    from occam.circuits.io.verilog import write_verilog_text

    prim.write_text(write_verilog_text(c, primitives=True))
    body = prim.read_text()
    counts = c.gate_counts()
    assert body.count("  and ") == counts["AND"] and body.count("  not ") == counts["NOT"]
    with pytest.raises(ValueError, match="write-only"):
        read(tmp_path / "c.v")


def test_unknown_suffix_and_bad_names(tmp_path):
    c = small_example()
    with pytest.raises(ValueError, match="unknown circuit format"):
        write(c, tmp_path / "c.txt")
    bad = Circuit(1, [], np.zeros((0, 2), np.int64), [2], input_names=["a b"])
    with pytest.raises(ValueError, match="BLIF"):
        write(bad, tmp_path / "c.blif")
    nl = Circuit(1, [], np.zeros((0, 2), np.int64), [2], input_names=["a\nb"])
    with pytest.raises(ValueError, match="newlines"):
        write(nl, tmp_path / "c.aag")


# ------------------------------------------------------------------------------ AIG counts
def test_or_and_not_map_to_aig_form():
    b = Builder()
    x, y = b.inputs(2)
    b.output(b.OR(x, y))
    aig = circuit_to_aig(b.build())
    # OR(a, b) = ¬AND(¬a, ¬b): one AND with both fanins and the output complemented
    assert aig.ands.tolist() == [[5, 3]] and aig.outputs.tolist() == [7]
    assert basis_gate_counts(aig) == {"AND": 0, "OR": 1, "NOT": 0}


@pytest.mark.parametrize(
    ("ands", "outputs", "expected"),
    [
        ([(2, 4)], [6], {"AND": 1, "OR": 0, "NOT": 0}),  # a ∧ b
        ([(2, 4)], [7], {"AND": 1, "OR": 0, "NOT": 1}),  # NAND: one NOT
        ([(3, 5)], [7], {"AND": 0, "OR": 1, "NOT": 0}),  # a ∨ b
        ([(3, 5)], [6], {"AND": 0, "OR": 1, "NOT": 1}),  # NOR
        ([(3, 4)], [6], {"AND": 1, "OR": 0, "NOT": 1}),  # ¬a ∧ b
        ([(3, 4)], [7], {"AND": 0, "OR": 1, "NOT": 1}),  # a ∨ ¬b: OR(a, NOT b)
        # shared complement: ¬a used by two ANDs costs one NOT
        ([(3, 4), (3, 6)], [6, 8], {"AND": 2, "OR": 0, "NOT": 1}),
        ([], [3, 2, 1, 0], {"AND": 0, "OR": 0, "NOT": 1}),  # ¬a twice, a, constants
    ],
)
def test_basis_gate_counts_examples(ands, outputs, expected):
    aig = normalize_aig(2, ands, outputs)
    assert basis_gate_counts(aig) == expected
    assert aig_to_circuit(aig).gate_counts() == expected


@given(c=random_circuits(max_inputs=5, max_gates=40))
def test_basis_gate_counts_match_the_built_circuit(c):
    aig = circuit_to_aig(c)
    counts = basis_gate_counts(aig)
    back = aig_to_circuit(aig)
    assert back.gate_counts() == counts
    assert counts["AND"] + counts["OR"] == aig.n_ands
    assert aig.n_ands <= c.gate_counts()["AND"] + c.gate_counts()["OR"]
    assert same_function(c, back)
    # NOTs: at most one per AIG variable
    assert counts["NOT"] <= aig.n_inputs + aig.n_ands


def test_normalize_folds_constants_and_hashes():
    # x1 ∧ 1 = x1; x1 ∧ ¬x1 = 0; (x1 ∧ x2) twice shares one AND; dead AND dropped
    aig = normalize_aig(2, [(2, 1), (2, 3), (2, 4), (4, 2), (2, 2)], [10, 12, 8, 6])
    assert aig.n_ands == 1
    assert aig.outputs.tolist() == [6, 6, 0, 2]


# ------------------------------------------------------------------------------ parsing
AAG_OK = b"aag 3 2 0 1 1\n2\n4\n6\n6 2 4\ni0 a\ni1 b\no0 y\nc\nanything\n"


def test_parse_aag_with_symbols_and_comment():
    c = parse_aiger(AAG_OK)
    assert c.input_names == ("a", "b") and c.output_names == ("y",)
    assert c.truth_table()[:, 0].tolist() == [False, False, False, True]


def test_huge_declared_m_is_not_allocated():
    # M = 4e9 is legal in ASCII AIGER (gaps) and costs nothing: only I, O, A are allocated
    c = parse_aiger(b"aag 4000000000 1 0 1 0\n2\n3\n")
    assert c.gate_counts() == {"AND": 0, "OR": 0, "NOT": 1}


def test_parse_aag_out_of_order_ands_and_gaps():
    # ASCII AIGER need not be sorted and M may exceed I + A
    text = b"aag 9 2 0 1 2\n2\n4\n16\n16 11 4\n10 3 5\n"
    c = parse_aiger(text)  # y = ¬(¬a ∧ ¬b) ∧ b = b
    assert c.truth_table()[:, 0].tolist() == [False, False, True, True]


@pytest.mark.parametrize(
    ("data", "line", "match"),
    [
        (b"", 1, "end of file"),
        (b"aag 1 1 0 1\n", 1, "header"),
        (b"aag 1 1 1 0 0\n2\n2 3\n", 1, "latches"),
        (b"aag 1000000000000 1 0 1 0\n2\n2\n", 1, "AIGER limit"),
        (b"aag 3 1000000000 0 0 0\n", 1, "more than the file"),
        (b"aig 5 1 0 1 1\n2\n", 1, "must equal"),
        (b"aag 2 1 0 1 1\n2\n4\n4 2\n", 4, "AND 0"),
        (b"aag 2 1 0 1 1\n3\n4\n4 2 2\n", 2, "input 0"),
        (b"aag 2 1 0 1 1\n2\n9\n4 2 2\n", 3, "output 0"),
        (b"aag 3 1 0 1 2\n2\n4\n4 6 2\n6 4 2\n", 5, "cycle"),
        (b"aag 3 1 0 1 1\n2\n4\n4 6 2\n", 4, "never defined"),
        (b"aag 2 1 0 1 1\n2\n4\n4 2 2\nx0 a\n", 5, "symbol table"),
        (b"aag 2 1 0 1 1\n2\n4\n4 2 2\ni3 a\n", 5, "out of range"),
        (b"aag 1 1 0 1 0\n2\n2\ni0 \xff\n", 4, "UTF-8"),
        (b"aig 2 1 0 1 1\n4\n\x05\x00", 3, "deltas"),
        (b"aig 2 1 0 1 1\n4\n\x05", 3, "end of file"),
        (b"aig 2 1 0 1 1\n4\n", 3, "end of file"),
    ],
)
def test_malformed_aiger(data, line, match):
    with pytest.raises(CircuitFormatError, match=match) as info:
        parse_aiger(data, "bad.aag")
    assert info.value.line == line and info.value.path == "bad.aag"
    assert str(info.value).startswith(f"bad.aag:{line}:")
    assert isinstance(info.value, ValueError)


BLIF_OK = """# a comment
.model m
.inputs a b \\
  c
.outputs y z k one zero
.names t c y
11 1
.names a b t
1- 1
-1 1
.names a b z
00 0
.names a k
1 1
.names one
1
.names zero
.end
"""


def test_parse_blif_covers_dont_cares_offset_constants_and_continuation():
    c = parse_blif(BLIF_OK)
    assert c.input_names == ("a", "b", "c")
    assert c.output_names == ("y", "z", "k", "one", "zero")
    tt = c.truth_table()
    for r in range(8):
        a, b, cc = r & 1, (r >> 1) & 1, (r >> 2) & 1
        assert tt[r].tolist() == [bool((a | b) & cc), bool(a | b), bool(a), True, False]
    # y: OR + AND; z: off-set cover of NOR = OR (shared with t); k: buffer
    assert c.gate_counts() == {"AND": 1, "OR": 1, "NOT": 0}


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        (".model m\n.inputs a\n.outputs y\n.latch a y\n.end\n", 4, "unsupported"),
        (".model m\n.inputs a\n.outputs y\n.names a y\n1x 1\n.end\n", 5, "cover row"),
        (".model m\n.inputs a b\n.outputs y\n.names a b y\n11 1\n00 0\n", 6, "mixes"),
        (".model m\n.inputs a\n.outputs y\n.names a y\n1 1\n.names a y\n0 1\n", 6, "twice"),
        (".model m\n.inputs a\n.outputs y\n.names q y\n1 1\n", 4, "never defined"),
        (".model m\n.inputs a\n.outputs y\n.names p y\n1 1\n.names y p\n1 1\n", 6, "cycle"),
        (".model m\n.inputs a\n.outputs y\n", 3, "never defined"),
        ("11 1\n", 1, "outside .names"),
        (".model m\n.end\n.names y\n", 3, "after .end"),
        (".model m\n.model n\n", 2, "one .model"),
        (".model m\n.inputs a a\n", 2, "twice"),
    ],
)
def test_malformed_blif(text, line, match):
    with pytest.raises(CircuitFormatError, match=match) as info:
        parse_blif(text, "bad.blif")
    assert info.value.line == line


def test_read_reports_file_name(tmp_path):
    p = tmp_path / "broken.aag"
    p.write_bytes(b"aag 1 1 0 1 0\n2\n5\n")
    with pytest.raises(CircuitFormatError, match=r"broken\.aag:3:"):
        read(p)
    q = tmp_path / "broken.blif"
    q.write_bytes(b".model m\n\xff\n")
    with pytest.raises(CircuitFormatError, match=r"broken\.blif:2:"):
        read(q)


# ------------------------------------------------------------------------------ mutation fuzz
def _valid_files() -> dict[str, bytes]:
    from occam.circuits.io.aiger import write_aiger_bytes
    from occam.circuits.io.blif import write_blif_text

    c = small_example()
    return {
        ".aag": write_aiger_bytes(c, binary=False),
        ".aig": write_aiger_bytes(c, binary=True),
        ".blif": write_blif_text(c).encode(),
    }


VALID = _valid_files()

mutation = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "truncate", "digit"]),
    st.integers(0, 10**6),
    st.integers(0, 255),
)


@pytest.mark.parametrize("suffix", READABLE)
@settings(max_examples=150)
@given(mutations=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_files_raise_only_circuit_format_error(tmp_path_factory, suffix, mutations):
    data = bytearray(VALID[suffix])
    for kind, pos, byte in mutations:
        if not data:
            break
        i = pos % len(data)
        if kind == "flip":
            data[i] ^= 1 << (byte % 8)
        elif kind == "insert":
            data.insert(i, byte)
        elif kind == "delete":
            del data[i]
        elif kind == "truncate":
            del data[i:]
        else:  # replace with a digit or a structural character (more likely to parse)
            chars = b"0123456789 \n-.#"
            data[i] = chars[byte % len(chars)]
    path = tmp_path_factory.mktemp("fuzz") / f"m{suffix}"
    path.write_bytes(bytes(data))
    try:
        c = read(path)
    except CircuitFormatError:
        return
    assert isinstance(c, Circuit)
    c.check()
    assert set(np.unique(c.ops).tolist()) <= {int(Op.AND), int(Op.OR), int(Op.NOT)}


def test_blif_output_that_is_an_input_round_trips(tmp_path):
    text = ".model m\n.inputs a b\n.outputs a y y\n.names a b y\n11 1\n.end\n"
    c = parse_blif(text)
    assert c.output_names == ("a", "y", "y")
    back = read(write(c, tmp_path / "c.blif"))
    assert back.output_names == ("a", "y", "y") and same_function(c, back)
    clash = Circuit(1, [int(Op.NOT)], [[2, 2]], [3], input_names=["a"], output_names=["a"])
    with pytest.raises(ValueError, match="two different signals"):
        write(clash, tmp_path / "d.blif")


def test_circuit_modules_do_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, occam.circuits, occam.circuits.io, occam.circuits.abc, "
        "occam.circuits.exact, occam.circuits.brute; assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
