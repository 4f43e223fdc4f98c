"""`occam rnorm --quick` end to end (SPEC 12 d, 14)."""

from __future__ import annotations

import json
import math

from typer.testing import CliRunner

from occam.cli import app
from occam.cli.commands import register


def test_rnorm_quick_cli(tmp_path):
    register(app)
    result = CliRunner().invoke(app, ["rnorm", "--quick", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in (
        "rnorm_vs_d.json",
        "rnorm_vs_d.csv",
        "rnorm_vs_d.png",
        "learning.json",
        "learning.csv",
        "learning.png",
        "summary.json",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    assert (tmp_path / "rnorm_vs_d.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["free_below_averaged_for_all_d"] is True
    for row in summary["rnorm_vs_d"]:
        assert math.isclose(row["ridge_lp"], row["ridge_exact"], rel_tol=1e-7)
        assert row["free_min"] <= row["averaged_construction"]
        assert row["free_min"] <= row["ridge_lp"] * (1 + 1e-9)
        if row["union_lp"] is not None:
            assert math.isclose(row["union_lp"], row["sign_exact"], rel_tol=1e-7)
    fit = summary["fits"]["ridge_lp"]
    assert fit["ci_low"] <= fit["slope"] <= fit["ci_high"]
    assert "Log-log exponent fits" in result.output
    assert all(0.0 <= r["mse"] <= 4.0 for r in summary["learning"])
