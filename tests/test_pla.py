"""PLA reader/writer (issue 18 item 1): round trips, gzip, errors naming file and line."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from occam.circuits.io import read_pla, write_pla
from occam.circuits.io.pla import parse_pla
from occam.errors import FileFormatError, OccamError


@settings(max_examples=40, deadline=None)
@given(
    n_in=st.integers(1, 12),
    n_out=st.integers(1, 3),
    n_rows=st.integers(0, 20),
    seed=st.integers(0, 2**31 - 1),
    gz=st.booleans(),
)
def test_round_trip(n_in, n_out, n_rows, seed, gz, tmp_path_factory):
    rng = np.random.default_rng(seed)
    x = rng.random((n_rows, n_in)) < 0.5
    y = rng.random((n_rows, n_out)) < 0.5
    path = tmp_path_factory.mktemp("pla") / ("d.pla.gz" if gz else "d.pla")
    write_pla(path, x, y)
    if gz:
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    x2, y2 = read_pla(path)
    assert x2.dtype == bool and y2.dtype == bool
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


def test_reads_headers_comments_and_end():
    text = "# c\n.i 3\n.o 1\n.ilb a b c\n.ob f\n.p 2\n.type fr\n010 1 # row\n111 0\n.e\n000 1\n"
    x, y = parse_pla(text)
    np.testing.assert_array_equal(x, [[0, 1, 0], [1, 1, 1]])
    np.testing.assert_array_equal(y[:, 0], [1, 0])


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (".i 3\n.o 1\n01 1\n", 3, "2 characters, expected 3"),
        (".i 3\n.o 1\n010 11\n", 3, "output part has 2 characters"),
        (".i 3\n.o 1\n0x0 1\n", 3, "unknown character 'x' in input column 1"),
        (".i 3\n.o 1\n0-0 1\n", 3, "unknown character '-'"),
        (".i 3\n.o 1\n010 2\n", 3, "unknown character '2' in output"),
        (".i 3\n.o 1\n010\n", 3, "two fields"),
        (".i 3\n.o 1\n.bogus\n", 3, "unknown directive '.bogus'"),
        ("010 1\n", 1, "before the .i and .o"),
        (".i 3\n.o 1\n.p 2\n010 1\n", 4, ".p declares 2 rows but 1"),
        (".i x\n", 1, ".i needs one non-negative integer"),
        (".i 3\n.o 1\n.type espresso\n", 3, "unsupported .type"),
        (".i 3\n", 1, "missing .i or .o"),
    ],
)
def test_errors_name_file_and_line(tmp_path, text, line, fragment):
    path = tmp_path / "bad.pla"
    path.write_text(text)
    with pytest.raises(FileFormatError) as info:
        read_pla(path)
    err = info.value
    assert err.line == line and err.path == str(path)
    assert fragment in str(err) and str(err).startswith(f"{path}:{line}:")


def test_corrupt_gzip_and_non_ascii(tmp_path):
    bad = tmp_path / "bad.pla.gz"
    bad.write_bytes(gzip.compress(b".i 1\n.o 1\n1 1\n")[:-6])
    with pytest.raises(FileFormatError, match="gzip"):
        read_pla(bad)
    na = tmp_path / "na.pla"
    na.write_bytes(b".i 1\n.o 1\n\xff 1\n")
    with pytest.raises(FileFormatError, match=r"na.pla:3: non-ASCII"):
        read_pla(na)
    with pytest.raises(FileNotFoundError):
        read_pla(tmp_path / "missing.pla")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=".io pe01-x#\n 23tyfr", max_size=80))
def test_parser_only_parses_or_raises_occam_error(text):
    try:
        x, y = parse_pla(text)
    except OccamError:
        return
    assert x.dtype == bool and y.dtype == bool and x.shape[0] == y.shape[0]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_parser_on_arbitrary_text(text):
    try:
        parse_pla(".i 2\n.o 1\n" + text)
    except OccamError as e:
        assert str(e).startswith("<memory>")
