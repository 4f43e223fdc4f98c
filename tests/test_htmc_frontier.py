"""Frontier (SPEC 2.3): points, Pareto set, C̄, CSV round trip, plot; torch-free import."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from occam.errors import FileFormatError, OccamError
from occam.htmc import Frontier, FrontierError, FrontierPoint

errors = st.floats(min_value=1e-6, max_value=10.0, allow_nan=False, allow_infinity=False)
gates = st.integers(min_value=0, max_value=10_000)
point_lists = st.lists(st.tuples(errors, gates), min_size=0, max_size=12)


def test_import_is_torch_free():
    code = "import occam.htmc, sys; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("error", "gates", "field"),
    [
        (math.nan, 3, "error"),
        (math.inf, 3, "error"),
        (-0.1, 3, "error"),
        (0.1, -1, "gates"),
        (0.1, 2.5, "gates"),
        (0.1, math.inf, "gates"),
        ("0.1", 3, "error"),
        (0.1, True, "gates"),
    ],
)
def test_point_refuses_bad_values(error, gates, field):
    with pytest.raises(FrontierError, match=field) as info:
        FrontierPoint(error, gates)
    assert isinstance(info.value, OccamError) and isinstance(info.value, ValueError)


def test_point_refuses_reserved_meta_and_bad_norm():
    with pytest.raises(FrontierError, match="reserved"):
        FrontierPoint(0.1, 3, {"gates": 4})
    with pytest.raises(FrontierError, match="norm"):
        Frontier(norm="l1")
    with pytest.raises(FrontierError, match="constant_error"):
        Frontier(constant_error=-1.0)


def test_point_normalises_numpy_meta():
    p = FrontierPoint(np.float64(0.5), np.int64(7), {"w": np.arange(3), "x": np.float32(2.0)})
    assert p.gates == 7 and isinstance(p.gates, int) and p.error == 0.5
    assert p.meta["w"] == [0, 1, 2] and isinstance(p.meta["x"], float)
    with pytest.raises(TypeError):
        p.meta["w"] = 1  # read-only


def test_pareto_and_upper_bound_example():
    f = Frontier([(0.1, 100), (0.2, 40), (0.15, 120), (0.3, 40), (0.5, 5)], constant_error=0.4)
    assert [(p.error, p.gates) for p in f.pareto()] == [(0.1, 100), (0.2, 40)]
    assert f.pareto_indices() == [0, 1]
    assert f.pareto_mask().tolist() == [True, True, False, False, False]
    # (0.5, 5) is dominated by the free constant at 0.4
    same = FrontierPoint(0.05, 7)
    g = Frontier([same, same])  # the same object twice: one Pareto point
    assert g.pareto_mask().tolist() == [True, False]
    assert [r["pareto"] for r in g.to_rows()] == [True, False]
    ub = f.upper_bound([0.05, 0.1, 0.12, 0.2, 0.39, 0.4, 1.0])
    np.testing.assert_array_equal(ub, [np.inf, 100, 100, 40, 40, 0, 0])
    assert f.upper_bound(0.25) == 40.0 and isinstance(f.upper_bound(0.25), float)
    assert f.best_point(0.25) is f.points[1] and f.best_point(0.12) is f.points[0]
    assert f.best_point(0.05) is None and f.best_point(0.45) is None  # the constant is free
    assert Frontier([(0.1, 3)]).upper_bound(5.0) == 3.0  # no constant: last step never ends
    assert Frontier().upper_bound(1.0) == math.inf


def _brute_upper_bound(pts, ce, eps):
    vals = [s for e, s in pts if e <= eps]
    if ce is not None and eps >= ce:
        vals.append(0)
    return min(vals, default=math.inf)


@given(point_lists, st.none() | errors, st.lists(errors, min_size=1, max_size=8))
@settings(max_examples=60, deadline=None)
def test_upper_bound_matches_definition(pts, ce, eps):
    f = Frontier(pts, constant_error=ce)
    for e in eps + [p[0] for p in pts]:
        assert f.upper_bound(e) == _brute_upper_bound(pts, ce, e)
        best = f.best_point(e)
        if best is None:
            assert f.upper_bound(e) in (0.0, math.inf) or (ce is not None and e >= ce)
        else:
            assert best.error <= e and best.gates == f.upper_bound(e)


@given(point_lists, st.none() | errors)
@settings(max_examples=60, deadline=None)
def test_pareto_is_the_non_dominated_set(pts, ce):
    f = Frontier(pts, constant_error=ce)
    front = f.pareto()
    errs = [p.error for p in front]
    assert errs == sorted(errs) and len(set(errs)) == len(errs)
    assert all(a.gates > b.gates for a, b in itertools.pairwise(front))
    virtual = [] if ce is None else [FrontierPoint(ce, 0)]
    for p in f.points:
        dominated = any(q.dominates(p) for q in [*f.points, *virtual])
        if not dominated:  # every non-dominated (error, gates) pair appears once
            assert (p.error, p.gates) in [(q.error, q.gates) for q in front]
    for p in front:
        assert not any(q.dominates(p) for q in [*f.points, *virtual])


@given(point_lists, point_lists)
@settings(max_examples=40, deadline=None)
def test_adding_dominated_points_changes_nothing(pts, extra):
    f = Frontier(pts)
    before = [(p.error, p.gates) for p in f.pareto()]
    grid = np.geomspace(1e-6, 20, 50)
    ub = f.upper_bound(grid)
    for e, s in extra:  # make each extra point dominated by some existing one
        if pts:
            e0, s0 = pts[len(extra) % len(pts)]
            f.add(e0 + e, s0 + s + 1)
    assert [(p.error, p.gates) for p in f.pareto()] == before
    np.testing.assert_array_equal(f.upper_bound(grid), ub)


meta_values = (
    st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.text(alphabet="abcxyz_-/. ", min_size=1, max_size=8).filter(
        lambda s: s not in ("True", "False") and not s.strip(" .-_") == "" and s == s.strip()
    )
    | st.lists(st.integers(0, 64), max_size=4)
    | st.dictionaries(st.sampled_from(["k", "b"]), st.integers(0, 16), max_size=2)
)


@given(
    st.lists(
        st.tuples(
            errors, gates, st.dictionaries(st.sampled_from(["model", "k", "abc"]), meta_values)
        ),
        max_size=6,
    ),
    st.none() | errors,
    st.sampled_from(["l2", "linf"]),
)
@settings(max_examples=40, deadline=None)
def test_csv_round_trip(tmp_path_factory, pts, ce, norm):
    f = Frontier(pts, norm=norm, constant_error=ce)
    path = tmp_path_factory.mktemp("fr") / "frontier.csv"
    f.write_csv(path)
    g = Frontier.read_csv(path)
    assert g.norm == norm or (not pts and ce is None)
    assert g.constant_error == ce
    assert [(p.error, p.gates, dict(p.meta)) for p in g.points] == [
        (p.error, p.gates, dict(p.meta)) for p in f.points
    ]
    assert g.csv_text() == f.csv_text() or (not pts and ce is None)


def test_to_rows_and_csv_columns():
    f = Frontier(norm="linf", constant_error=0.7)
    f.add(0.1, 50, model="occam", widths={"k": 6}, path="c.aig")
    f.add(0.2, 60, {"abc": True})
    rows = f.to_rows()
    assert rows[0] == {
        "role": "circuit",
        "error": 0.1,
        "gates": 50,
        "norm": "linf",
        "pareto": True,
        "model": "occam",
        "widths": {"k": 6},
        "path": "c.aig",
    }
    assert rows[1]["pareto"] is False and rows[2]["role"] == "constant"
    header = f.csv_text().splitlines()[0]
    assert header == "role,error,gates,norm,pareto,model,widths,path,abc"


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("error,foo\n0.1,2\n", 1, "gates"),
        ("error,gates\n0.1,x\n", 2, "gates must be a number"),
        ("error,gates\n0.1,3\n-1,3\n", 3, "error"),
        ("error,gates\n0.1,3.5\n", 2, "integer"),
        ("error,gates,role\n0.1,3,weird\n", 2, "role"),
        ("error,gates\n0.1,3,9\n", 2, "more cells"),
        ("error,gates,norm\n0.1,3,l2\n0.2,2,linf\n", 0, "mix"),
    ],
)
def test_read_csv_errors_name_the_line(tmp_path, text, line, what):
    path = tmp_path / "f.csv"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=what) as info:
        Frontier.read_csv(path)
    assert info.value.line == line and str(path) in str(info.value)


def test_read_csv_checks_norm(tmp_path):
    path = tmp_path / "f.csv"
    Frontier([(0.1, 3)], norm="linf").write_csv(path)
    assert Frontier.read_csv(path, norm="linf").norm == "linf"
    with pytest.raises(FileFormatError, match="norm"):
        Frontier.read_csv(path, norm="l2")
    with pytest.raises(FileFormatError, match="cannot read"):
        Frontier.read_csv(tmp_path / "missing.csv")


def test_plot_writes_png(tmp_path):
    f = Frontier([(0.1 * 2**-i, 10 * 4**i) for i in range(5)], constant_error=0.5)
    f.add(0.3, 1000)
    g = Frontier([(0.2, 30), (0.05, 900)])
    path = f.plot(tmp_path / "a.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from occam.htmc import plot_frontiers

    out = plot_frontiers({"occam": f, "truth table": g, "empty": Frontier()}, tmp_path / "b.png")
    assert out.stat().st_size > 1000
    with pytest.raises(FrontierError):
        plot_frontiers({}, tmp_path / "c.png")
