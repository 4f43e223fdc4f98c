"""Parsers only parse or refuse (issue 17 acceptance): truncated and mutated AIGER (ASCII and
binary), BLIF, PLA (plain and gzip) and CSV files give either a correct parse or occam's own error
naming the file and the line, never another exception.

"Correct parse" is checked by what must hold of any parse: a circuit survives a write/read round
trip with the same truth table and names; a CSV task holds finite float64 arrays with the file's
row count; a PLA parse survives a write/read round trip.
"""

from __future__ import annotations

import gzip

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from occam.circuits import Builder, read, write
from occam.circuits.io import CircuitFormatError
from occam.circuits.io.pla import read_pla, write_pla, write_pla_text
from occam.errors import FileFormatError
from occam.tasks import DataError, load_data


def _seed_circuit():
    """Three named inputs, two named outputs, AND/OR/NOT/XOR: every section of each format."""
    b = Builder()
    x = [b.input(name) for name in ("a", "b", "c")]
    b.output(b.OR(b.AND(x[0], x[1]), b.NOT(x[2])), "y")
    b.output(b.XOR(x[0], x[2]), "z")
    return b.build()


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """``seed`` truncated, with bytes replaced, inserted or deleted (one to three edits)."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "replace", "insert", "delete"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "truncate":
            del data[pos:]
        elif kind == "replace" and data:
            data[pos] = draw(st.sampled_from([*b"0123456789 \n-.#\\aigx", 0x80, 0xFF, 0x00]))
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        elif data:
            del data[pos : pos + draw(st.integers(1, 4))]
    return bytes(data)


def _check_outcome(path, parse, check_ok) -> None:
    try:
        result = parse(path)
    except FileFormatError as err:  # occam's own error type, naming the file and the line
        assert err.path == str(path)
        assert err.line >= 1, err
        assert str(err).startswith(str(path))
        return
    check_ok(result)


def _circuit_ok(tmp_path, suffix):
    def check(c) -> None:
        tt = c.truth_table()
        assert tt.shape == (2**c.n_inputs, c.n_outputs)
        back = read(write(c, tmp_path / f"again{suffix}"))
        np.testing.assert_array_equal(back.truth_table(), tt)
        assert back.output_names == c.output_names

    return check


SEEDS = {}


def _seed(tmp_path_factory, suffix: str) -> bytes:
    if suffix not in SEEDS:
        path = tmp_path_factory.mktemp("seed") / f"s{suffix}"
        write(_seed_circuit(), path)
        SEEDS[suffix] = path.read_bytes()
    return SEEDS[suffix]


def _fuzz_circuit(tmp_path_factory, suffix: str, data) -> None:
    seed = _seed(tmp_path_factory, suffix)
    blob = data.draw(mutated(seed))
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"f{suffix}"
    path.write_bytes(blob)
    _check_outcome(path, read, _circuit_ok(folder, suffix))


@settings(max_examples=150)
@given(data=st.data())
def test_fuzz_ascii_aiger(tmp_path_factory, data):
    _fuzz_circuit(tmp_path_factory, ".aag", data)


@settings(max_examples=150)
@given(data=st.data())
def test_fuzz_binary_aiger(tmp_path_factory, data):
    _fuzz_circuit(tmp_path_factory, ".aig", data)


@settings(max_examples=150)
@given(data=st.data())
def test_fuzz_blif(tmp_path_factory, data):
    _fuzz_circuit(tmp_path_factory, ".blif", data)


CSV_SEEDS = [
    b"a,b,y\n0.5,-1,1\n0.25,2e-3,0\n-1,0.75,1\n",
    b"0.5,-1,1\n0.25,2e-3,0\n-1,0.75,1\n",
]


@settings(max_examples=150)
@given(data=st.data(), which=st.integers(0, len(CSV_SEEDS) - 1))
def test_fuzz_csv(tmp_path_factory, data, which):
    blob = data.draw(mutated(CSV_SEEDS[which]))
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_bytes(blob)

    def check(task) -> None:
        x, y = task.data
        assert x.dtype == y.dtype == np.float64
        assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
        assert x.shape[0] == y.shape[0] == task.n_data >= 1
        lines = [ln for ln in blob.decode("utf-8-sig").splitlines() if ln.strip()]
        assert task.n_data in (len(lines), len(lines) - 1)  # with or without a header

    _check_outcome(path, load_data, check)


def _pla_seed() -> bytes:
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 1, 0], [1, 0, 1]], dtype=bool)
    y = np.array([[0], [1], [1], [0]], dtype=bool)
    return write_pla_text(x, y).encode()


@settings(max_examples=150)
@given(data=st.data(), compress=st.booleans())
def test_fuzz_pla(tmp_path_factory, data, compress):
    """Mutated Espresso PLA files, plain or gzip-compressed after the mutation: a correct parse
    (rows of 0/1 of the declared widths, written and read back identically) or occam's file
    error naming the file and the line."""
    blob = data.draw(mutated(_pla_seed()))
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / ("f.pla.gz" if compress else "f.pla")
    path.write_bytes(gzip.compress(blob, mtime=0) if compress else blob)

    def check(xy) -> None:
        x, y = xy
        assert x.dtype == y.dtype == bool and x.shape[0] == y.shape[0]
        back = read_pla(write_pla(folder / "again.pla", x, y))
        np.testing.assert_array_equal(back[0], x)
        np.testing.assert_array_equal(back[1], y)

    _check_outcome(path, read_pla, check)


def test_fuzz_errors_are_occam_errors():
    """The two error types the fuzz tests accept are occam's file errors (and ValueErrors)."""
    assert issubclass(CircuitFormatError, FileFormatError)
    assert issubclass(DataError, FileFormatError)


def test_aiger_name_with_carriage_return_is_refused():
    """Found by fuzzing: such a name was read, and then the writer refused to write it back."""
    from occam.circuits.io import parse_aiger

    data = b"aag 1 1 0 1 0\n2\n2\ni0 a\no0 z\r/\n"
    try:
        parse_aiger(data, "cr.aag")
    except CircuitFormatError as err:
        assert err.line == 5 and "carriage return" in err.reason
    else:
        raise AssertionError("a name with a carriage return was accepted")
