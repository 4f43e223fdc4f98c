"""Tests for ``occam.tasks.load_data`` (CSV and NPZ user data, issue 2 item 4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from occam.tasks import Box, DataError, load_data


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


# -- good files ------------------------------------------------------------------------------------
def test_csv_with_header_defaults_to_last_column(tmp_path):
    path = write(tmp_path, "d.csv", "a,b,target\n0,1,2\n3,4,5\n-1,2.5,7e-1\n")
    task = load_data(path)
    x, y = task.data
    np.testing.assert_array_equal(x, [[0, 1], [3, 4], [-1, 2.5]])
    np.testing.assert_array_equal(y, [[2], [5], [0.7]])
    assert task.d_in == 2 and task.d_out == 1 and task.target is None
    assert task.params["x_names"] == ["a", "b"] and task.params["y_names"] == ["target"]
    assert task.domain == Box.from_bounds([-1, 1], [3, 4])
    assert task.name == "data:d.csv"


def test_csv_without_header_and_column_selection(tmp_path):
    path = write(tmp_path, "d.csv", "1,2,3,4\n5,6,7,8\n\n\n")  # trailing blank lines are fine
    task = load_data(path, y_cols=[0, -1])
    np.testing.assert_array_equal(task.data[0], [[2, 3], [6, 7]])
    np.testing.assert_array_equal(task.data[1], [[1, 4], [5, 8]])
    task = load_data(path, x_cols=1, y_cols=2)
    np.testing.assert_array_equal(task.data[0], [[2], [6]])
    np.testing.assert_array_equal(task.data[1], [[3], [7]])
    assert task.params["x_names"] is None


def test_csv_columns_by_name(tmp_path):
    path = write(tmp_path, "d.csv", "u, v ,w\n1,2,3\n4,5,6\n")
    task = load_data(path, x_cols=["w", "u"], y_cols="v")
    np.testing.assert_array_equal(task.data[0], [[3, 1], [6, 4]])
    np.testing.assert_array_equal(task.data[1], [[2], [5]])


def test_degenerate_column_is_padded_and_pm1_labels_suggest_logistic(tmp_path):
    path = write(tmp_path, "d.csv", "x1,x2,y\n0,3,1\n1,3,-1\n0.5,3,1\n")
    task = load_data(path)
    np.testing.assert_array_equal(task.domain.low, [0.0, 2.5])
    np.testing.assert_array_equal(task.domain.high, [1.0, 3.5])
    assert task.default_loss == "logistic"


def test_explicit_domain(tmp_path):
    path = write(tmp_path, "d.csv", "0.5,1\n-0.5,2\n")
    task = load_data(path, domain=(-1.0, 1.0))
    assert task.domain == Box.cube(1)
    with pytest.raises(DataError, match="sample 1 lies outside"):
        load_data(path, domain=(0.0, 0.25))


def test_npz(tmp_path):
    path = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=7)
    np.savez(path, x=x, y=y, unused=np.zeros(2))
    task = load_data(path)
    np.testing.assert_array_equal(task.data[0], x)
    np.testing.assert_array_equal(task.data[1], y[:, None])
    task = load_data(path, x_cols=[2, 0])
    np.testing.assert_array_equal(task.data[0], x[:, [2, 0]])
    x_tr, _y_tr, x_te, _y_te = task.train_test(4, 3, seed=0)
    assert x_tr.shape == (4, 2) and x_te.shape == (3, 2)


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(2, 4)),
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    )
)
def test_csv_round_trip_keeps_every_row_exactly(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_text("\n".join(",".join(repr(float(v)) for v in row) for row in table) + "\n")
    task = load_data(path)
    np.testing.assert_array_equal(task.data[0], table[:, :-1])
    np.testing.assert_array_equal(task.data[1], table[:, -1:])


# -- bad files -------------------------------------------------------------------------------------
BAD_CSV = [
    ("ragged", "a,b,c\n1,2,3\n4,5\n", r"bad\.csv, line 3: 2 cells, expected 3"),
    ("ragged_long", "1,2\n3,4,5\n", r"line 2: 3 cells, expected 2"),
    ("nan", "1,2\nnan,3\n", r"line 2, column 1: value 'nan' is not finite"),
    ("inf", "a,b\n1,2\n3,4\n5,-inf\n", r"line 4, column 2: value '-inf' is not finite"),
    ("text", "a,b\n1,2\n3,4\n5,abc\n", r"line 4, column 2: 'abc' is not a number"),
    ("empty_cell", "1,2\n3,\n", r"line 2, column 2: an empty cell is not a number"),
    ("mixed_header", "a,2\n1,2\n", r"line 1, column 1: 'a' is not a number \(a header"),
    ("empty", "", r"bad\.csv, line 1: the file is empty"),
    ("blank", "\n  \n\n", r"the file is empty"),
    ("header_only", "a,b\n", r"has a header line but no data lines"),
    ("blank_middle", "1,2\n\n3,4\n", r"line 2: blank line between data lines"),
    ("dup_header", "a,a\n1,2\n", r"line 1: header has duplicate column names"),
    ("semicolons", "a;b\n1;2\n", r"line 2, column 1: '1;2' is not a number \(cells must be sep"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_CSV, ids=[c[0] for c in BAD_CSV])
def test_bad_csv_names_file_and_line(tmp_path, case, text, message):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(DataError, match=message) as info:
        load_data(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_bad_column_selections(tmp_path):
    headerless = write(tmp_path, "h.csv", "1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match="names column 'a' but the file has no header"):
        load_data(headerless, x_cols="a")
    with pytest.raises(DataError, match="column index 3 out of range for 3 columns"):
        load_data(headerless, y_cols=3)
    with pytest.raises(DataError, match=r"column\(s\) \[2\].*both"):
        load_data(headerless, x_cols=[0, 2], y_cols=-1)
    with pytest.raises(DataError, match="selects a column twice"):
        load_data(headerless, x_cols=[0, 0])
    with pytest.raises(DataError, match="no input columns"):
        load_data(write(tmp_path, "one.csv", "1\n2\n"))
    named = write(tmp_path, "n.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match="no column named 'c'; columns are"):
        load_data(named, y_cols="c")
    with pytest.raises(TypeError, match="x_cols"):
        load_data(named, x_cols=[1.5])


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: no such file"):
        load_data(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="not a regular file"):
        load_data(tmp_path)
    with pytest.raises(DataError, match=r"unsupported suffix '\.json'"):
        load_data(write(tmp_path, "d.json", "{}"))
    bad_bytes = tmp_path / "latin.csv"
    bad_bytes.write_bytes(b"1,2\n\xff,3\n")
    with pytest.raises(DataError, match="not a UTF-8 text file"):
        load_data(bad_bytes)


def npz(tmp_path, **arrays):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    return path


def test_bad_npz(tmp_path):
    with pytest.raises(DataError, match=r"bad\.npz: missing array 'y'"):
        load_data(npz(tmp_path, x=np.zeros((3, 2))))
    with pytest.raises(DataError, match="x has 3 rows but y has 4 rows"):
        load_data(npz(tmp_path, x=np.zeros((3, 2)), y=np.zeros(4)))
    x = np.zeros((5, 2))
    x[3, 1] = np.nan
    with pytest.raises(DataError, match=r"x row 4, column 2: value nan is not finite"):
        load_data(npz(tmp_path, x=x, y=np.zeros(5)))
    y = np.zeros(5)
    y[0] = np.inf
    with pytest.raises(DataError, match=r"y row 1, column 1: value inf is not finite"):
        load_data(npz(tmp_path, x=np.zeros((5, 2)), y=y))
    with pytest.raises(DataError, match=r"the arrays are empty \(0 rows\)"):
        load_data(npz(tmp_path, x=np.zeros((0, 2)), y=np.zeros(0)))
    with pytest.raises(DataError, match="non-numeric dtype"):
        load_data(npz(tmp_path, x=np.array([["a", "b"]]), y=np.zeros(1)))
    with pytest.raises(DataError, match="must be 1-D or 2-D"):
        load_data(npz(tmp_path, x=np.zeros((2, 2, 2)), y=np.zeros(2)))
    with pytest.raises(DataError, match="holds Python objects") as info:
        load_data(npz(tmp_path, x=np.array([[1.0], None], dtype=object), y=np.zeros(2)))
    assert "allow_pickle" not in str(info.value)  # issue 17 item 11: never advise unsafe loading
    pickled = tmp_path / "pickled.npz"
    np.save(pickled.with_suffix(".npy"), np.array([{"a": 1}], dtype=object), allow_pickle=True)
    pickled.write_bytes(pickled.with_suffix(".npy").read_bytes())
    with pytest.raises(DataError, match="pickled Python objects") as info:
        load_data(pickled)
    assert "allow_pickle" not in str(info.value)
    single = tmp_path / "single.npz"
    with open(single, "wb") as handle:
        np.save(handle, np.zeros((3, 2)))
    with pytest.raises(DataError, match=r"single\.npz: expected an \.npz archive"):
        load_data(single)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip archive")
    with pytest.raises(DataError, match=r"garbage\.npz: not a readable \.npz archive"):
        load_data(garbage)
