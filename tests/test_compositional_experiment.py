"""`occam compositional` end to end at tiny sizes: tables, figures, report with verdicts."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from occam.compositional.experiment import CompositionalExperimentConfig

TINY = replace(
    CompositionalExperimentConfig.quick(),
    d_values=(4,),
    n_values=(128, 256),
    seeds=(0, 1),
    steps=10,
    recovery_lams=(1e-3,),
    recovery_penalties=("l1",),
    recovery_steps=20,
    recovery_every=10,
    recovery_d=4,
    recovery_n=128,
    circuit_d_values=(2, 4),
    flat_max_bits=10,
    circuit_n_eval=256,
    circuit_node_steps=200,
    circuit_node_hidden=8,
    convexity_levels=3,
    convexity_draws=30,
    convexity_size_samples=4,
    convexity_bits=(2, 3, 4, 5),
    convexity_steps=150,
    convexity_n_train=256,
    convexity_net=(2, 8, 1),
    convexity_budgets=(1.0,),
    convexity_copies=(1, 2),
    mlmc_draws=100,
    n_test=128,
)


def test_run_writes_everything(tmp_path):
    """Through the experiment registry (``occam run compositional``)."""
    from occam.experiments import get_experiment

    results = get_experiment("compositional").run(TINY, tmp_path)
    assert len(results.rows) == 1 * 2 * 2 * 2 * 5  # d × n × seeds × targets × networks
    assert results.files["report.md"].exists()
    result = results.summary
    for name in (
        "error_vs_n.csv",
        "error_vs_n_summary.csv",
        "recovery.csv",
        "circuits.csv",
        "composition_stages.csv",
        "convexity.csv",
        "mlmc_acceptance.csv",
        "error_vs_n.png",
        "recovery.png",
        "circuit_size_vs_d.png",
        "convexity_mlmc.png",
        "report.md",
        "report.html",
        "summary.json",
    ):
        assert (tmp_path / name).exists(), name
    verdicts = result["verdicts"]
    assert len(verdicts) == 7
    allowed = {
        "supported",
        "not supported",
        "inconclusive",
        "supported (for these constructions)",
        "supported (the naive sum does as well)",
    }
    assert all(v["verdict"] in allowed for v in verdicts)
    report = (tmp_path / "report.md").read_text()
    for v in verdicts:
        assert v["verdict"] in report and v["source"] in report
    # the eq. (1) account and the MLMC acceptance hold whatever the sizes
    by_source = {v["source"]: v for v in verdicts}
    assert by_source["seed 000, eq. (1) and Prop 5"]["verdict"] == "supported"
    # both per-node constructions are in circuits.csv and named by the Thm 8 verdict
    circ = (tmp_path / "circuits.csv").read_text()
    assert ",per-node," in circ and ",per-node compiled," in circ
    thm8 = by_source["seed 003, Thm 8 (Boolean version) / SPEC 13"]["measured"]
    assert "per-node sizes" in thm8 and "per-node compiled" in thm8
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["config"]["d_values"] == [4]
    rows = (tmp_path / "error_vs_n.csv").read_text().splitlines()
    assert len(rows) == 1 + 1 * 2 * 2 * 2 * 5  # d × n × seeds × targets × networks


def test_cli_bad_family(tmp_path):
    from occam.cli import app
    from occam.cli.commands import register

    register(app)
    res = CliRunner().invoke(app, ["compositional", "--family", "cubic", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "tanh" in res.output


def test_registered_and_config_checked():
    import pytest

    from occam.compositional.graph import GraphError
    from occam.experiments import get_experiment

    exp = get_experiment("compositional")
    cfg = exp.config(quick=True, steps=7)
    assert cfg.steps == 7 and cfg.lams["dense_occam"] == cfg.lam_occam
    with pytest.raises(GraphError, match="power of two"):
        replace(TINY, d_values=(6,))
    with pytest.raises(GraphError, match="networks"):
        replace(TINY, networks=("sparse", "wide"))
    with pytest.raises(GraphError, match="circuit_constructions"):
        replace(TINY, circuit_constructions=("table", "lut"))
    with pytest.raises(GraphError, match="circuit_node_steps"):
        replace(TINY, circuit_node_steps=0)


def test_rerun_reuses_finished_parts(tmp_path):
    """Each part is saved when it finishes; a rerun reuses the parts whose settings agree and
    gives the same tables and verdicts; a changed recovery setting reruns recovery only."""
    from occam.compositional import experiment as ex
    from occam.compositional.graph import GraphError

    first = ex.run(TINY, tmp_path)
    assert first["reused_parts"] == {}
    assert sorted(p.stem for p in (tmp_path / "parts").iterdir()) == sorted(ex.PARTS)
    tables = {n: (tmp_path / n).read_text() for n in ("error_vs_n.csv", "convexity.csv")}
    again = ex.run(TINY, tmp_path)
    assert set(again["reused_parts"]) == set(ex.PARTS)
    assert again["verdicts"] == first["verdicts"]
    assert {n: (tmp_path / n).read_text() for n in tables} == tables
    assert "reused (finished" in (tmp_path / "report.md").read_text()

    messages = []
    changed = ex.run(replace(TINY, recovery_steps=30), tmp_path, messages.append)
    assert set(changed["reused_parts"]) == set(ex.PARTS) - {"recovery"}
    assert not any(m.startswith("recovery: reused") for m in messages)
    redone = ex.run(replace(TINY, recovery_steps=30), tmp_path, redo=("error_vs_n",))
    assert "error_vs_n" not in redone["reused_parts"]
    with pytest.raises(GraphError, match="unknown part"):
        ex.run(TINY, tmp_path, redo=("everything",))
    # a truncated cache file is run again, never trusted
    (tmp_path / "parts" / "circuits.json").write_text('{"config": ')
    assert "circuits" not in ex.run(TINY, tmp_path)["reused_parts"]
