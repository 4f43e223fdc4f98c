"""Tests of the Tetrakis experiment and the `occam tetrakis` command (issue 5 item 5)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from occam.experiments import get_experiment
from occam.experiments.tetrakis import TetrakisExperimentConfig, triangles_2d
from occam.stats import loglog_fit


def test_triangles_2d_tile_the_square():
    for cells in (1, 2, 4):
        tris = triangles_2d(cells).astype(float)
        assert tris.shape == (2 * cells * cells, 3, 2)
        a = tris[:, 1] - tris[:, 0]
        b = tris[:, 2] - tris[:, 0]
        areas = 0.5 * np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
        np.testing.assert_allclose(areas, 0.5)
        assert areas.sum() == pytest.approx(cells * cells)
    # in the cell [0,1]^2 the diagonal goes through the even corner (0,0); in [1,2]x[0,1] through
    # (2,0): the mirrored pattern of the tetrakis tiling
    tris = {tuple(map(tuple, t)) for t in triangles_2d(2)}
    assert ((0, 0), (1, 0), (1, 1)) in tris and ((1, 0), (1, 1), (2, 0)) in tris


def test_loglog_fit_recovers_power_law():
    x = np.array([1.0, 2, 4, 8, 16])
    fit = loglog_fit(x, 3.0 * x**2.5)
    assert fit.slope == pytest.approx(2.5) and fit.r2 == pytest.approx(1.0)
    assert fit.intercept == pytest.approx(np.log(3.0))
    lin = loglog_fit([1, 2, 3], [2.0, 4.0, 8.0], log_x=False)
    assert np.exp(lin.slope) == pytest.approx(2.0)
    assert np.isnan(loglog_fit([1.0, 1.0], [1.0, 2.0]).slope)  # one distinct x


def test_config_validation():
    with pytest.raises(ValueError, match="parts"):
        TetrakisExperimentConfig(parts=("pictures",))
    with pytest.raises(ValueError, match="positive"):
        TetrakisExperimentConfig(Ks=(0, 1))


def test_cli_picture_part(tmp_path):
    from occam.cli import _register, app

    _register()
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["tetrakis", "--quick", "--part", "picture", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    for name in (
        "tetrakis_triangulation.png",
        "tetrakis_function.png",
        "report.md",
        "report.html",
        "results.json",
    ):
        assert (out / name).is_file(), name
    assert (out / "tetrakis_function.png").read_bytes()[:4] == b"\x89PNG"
    data = json.loads((out / "results.json").read_text())
    assert data["picture"]["explicit_size_bound"] > data["picture"]["size"]
    bad = CliRunner().invoke(app, ["tetrakis", "--part", "nope", "--out", str(out)])
    assert bad.exit_code != 0


def test_resnet_part_small_and_resume(tmp_path):
    import torch

    torch.set_num_threads(1)
    cfg = TetrakisExperimentConfig(
        parts=("resnet",),
        engines=("interval",),
        circuits_per_point=1,
        gates=(4, 8, 16),
        Ks=(1, 2),
        ds=(1, 2),
        sweep_gates=6,
        n_outputs=1,
    )
    experiment = get_experiment("tetrakis")
    res = experiment.run(cfg, tmp_path)
    assert len(res.rows) == 7
    assert all(r["R_interval"] > 0 and np.isfinite(r["R_interval"]) for r in res.rows)
    fits = {(f["sweep"], f["engine"]): f for f in res.summary["fits"]}
    assert set(fits) == {("size", "interval"), ("K", "interval"), ("d", "interval")}
    assert np.isfinite(fits[("size", "interval")]["exponent"])
    assert (tmp_path / "tetrakis_resnet_R.png").is_file() and (tmp_path / "results.csv").is_file()
    # resume: an identical config reuses every row (same seconds field, no recomputation)
    again = experiment.run(cfg, tmp_path)
    assert [r["seconds"] for r in again.rows] == [r["seconds"] for r in res.rows]
