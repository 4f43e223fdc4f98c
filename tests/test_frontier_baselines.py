"""The `frontier_baselines` experiment (issue 16 items 6-7) end to end at a tiny size: every table
point is a measured, verified circuit within its ε, and the verdict follows from the table."""

from __future__ import annotations

import csv
import json
import math

import pytest

from occam.experiments import get_experiment
from occam.experiments.frontier_baselines import ENGINES, METHODS, BaselinesConfig
from occam.experiments.registry import Progress

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("baselines")
    config = BaselinesConfig.quick(
        tasks=("sine1d",),
        steps=300,
        rel_eps=(0.3, 0.1),
        n_eval=2048,
        budget=6,
        tt_input_bits=(3, 4),
        tt_output_bits=(3, 4),
        r_points=3,
    )
    return config, get_experiment("frontier_baselines").run(config, out, Progress()), out


def test_table_has_one_measured_row_per_method_and_eps(tiny):
    config, res, _ = tiny
    sigma = res.summary["std_target"]["sine1d"]
    assert len(res.rows) == len(config.rel_eps) * (len(METHODS) + 1)
    reached = 0
    for row in res.rows:
        assert math.isclose(row["eps"], row["rel_eps"] * sigma)
        if row["gates"] is None:
            continue
        reached += 1
        err = row["error_l2_target"]
        assert err is not None and math.isfinite(err)
        if row["method"] == "truth_table":
            assert err <= row["eps"]
        else:
            # the claim is on the 3-sigma upper bound of the measured error
            assert err <= row["error_l2_target_ucb"] <= row["eps"]
            assert row["lam"] in config.lams(row["method"])
            assert 0 < row["R_empirical"] <= row["R_interval"] <= row["R_global"]
        # a 0-gate circuit is a constant, which cannot beat the mean: its error is >= std(f*)
        assert row["gates"] > 0 or err >= 0.999 * sigma
    assert any(r["method"] == "occam" and r["gates"] for r in res.rows)
    assert reached >= 3


def test_every_built_circuit_is_verified_and_measured(tiny):
    _, res, out = tiny
    with open(out / "points.csv") as fh:
        points = list(csv.DictReader(fh))
    assert len(points) == res.summary["circuits_built"] > 0
    for p in points:
        assert p["verified"] == "True"
        assert math.isfinite(float(p["error_l2_target"])) and math.isfinite(
            float(p["error_l2_net"])
        )
        assert int(p["gates"]) >= 0
    for row in res.rows:  # every best network point is one of the built circuits
        if row["gates"] is not None and row["method"] != "truth_table":
            assert any(
                int(p["gates"]) == row["gates"] and p["method"] == row["method"] for p in points
            )


def test_verdict_and_r_scaling_follow_from_the_table(tiny):
    _, res, out = tiny
    for v in res.summary["verdict"]:
        at = {r["method"]: r["gates"] for r in res.rows if r["rel_eps"] == v["rel_eps"]}
        base = [g for m, g in at.items() if m != "occam" and g is not None]
        assert v["baseline_gates"] == (min(base) if base else None)
        if v["ratio"] is not None:
            assert v["ratio"] == pytest.approx(at["occam"] / min(base))
            assert v["target_met"] == (v["ratio"] <= 0.5)
    scaling = res.summary["r_scaling"]
    assert {(s["method"], s["engine"]) for s in scaling} == {
        (m, e) for m in ("occam", "l2") for e in ENGINES
    }
    for s in scaling:
        assert s["R"] > 0 and s["points"] >= 1
        assert 0 < s["ratio_min"] <= s["ratio_median"] <= s["ratio_max"]
    # the certified engines order: empirical <= interval <= global, so the ratios order inversely
    for m in ("occam", "l2"):
        r = {s["engine"]: s for s in scaling if s["method"] == m}
        assert r["empirical"]["R"] <= r["interval"]["R"] <= r["global"]["R"]
    assert json.loads((out / "results.json").read_text())["verdict"] == res.summary["verdict"]
    for name in ("frontier_sine1d.png", "frontier_net_sine1d.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    assert "Gates at equal error" in (out / "report.md").read_text()
