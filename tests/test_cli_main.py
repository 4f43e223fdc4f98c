"""`occam train`, `occam complexity`, `occam prune`, `occam demo` through typer's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from occam.cli import main_cmds
from occam.train import load_model

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()
    main_cmds.register(application)
    return application


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def trained(app, runner, tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    result = runner.invoke(
        app,
        [
            "train",
            "smooth2d",
            "--width",
            "4",
            "--hidden",
            "4",
            "--depth",
            "1",
            "--steps",
            "20",
            "--n-train",
            "64",
            "--n-test",
            "64",
            "--batch-size",
            "0",
            "--penalty",
            "ideal",
            "--lam",
            "1e-3",
            "--out",
            str(out),
            "--threads",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _clean(result) -> str:
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def test_train_writes_model_and_history(trained):
    model, meta = load_model(trained / "model.pt")
    assert (model.config.width, model.config.hidden, model.config.depth) == (4, 4, 1)
    assert meta["task"] == "smooth2d" and meta["config"]["steps"] == 20
    history = json.loads((trained / "history.json").read_text())
    assert history[0]["step"] == 0 and history[-1]["step"] == 20


def test_train_on_data_file(app, runner, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(40, 2))
    table = np.column_stack([x, x[:, 0] * x[:, 1]])
    np.savetxt(tmp_path / "d.csv", table, delimiter=",", header="a,b,y", comments="")
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(tmp_path / "d.csv"),
            "--width",
            "3",
            "--hidden",
            "3",
            "--depth",
            "1",
            "--steps",
            "5",
            "--n-train",
            "30",
            "--n-test",
            "10",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 0, result.output
    _, meta = load_model(tmp_path / "o" / "model.pt")
    assert meta["data"].endswith("d.csv")
    comp = runner.invoke(app, ["complexity", str(tmp_path / "o" / "model.pt"), "--json"])
    assert comp.exit_code == 0, comp.output
    # L (k (w+1) + w k) + d_out (w+1) with w = k = 3, L = 1
    assert json.loads(comp.output)["parameters"] == 3 * 4 + 3 * 3 + 4


def test_complexity_prints_every_measure(app, runner, trained):
    result = runner.invoke(app, ["complexity", str(trained / "model.pt")])
    text = _clean(result)
    assert result.exit_code == 0, result.output
    for column in (
        "test error",
        "R̃",
        "R emp.",
        "R interval",
        "R global",
        "ℓ1",
        "ℓ2",
        "path-norm",
        "nonzeros",
    ):
        assert column in text
    result = runner.invoke(app, ["complexity", str(trained / "model.pt"), "--json"])
    row = json.loads(result.output)
    assert row["rtilde"] <= row["R_empirical"] <= row["R_interval"] <= row["R_global"]
    assert row["parameters"] == 4 * 5 + 4 * 4 + 5 and 0 < row["nonzeros"] <= row["parameters"]
    assert row["test_error"] > 0 and row["l1"] > 0 and row["path"] > 0


def test_prune_writes_csv_json_png(app, runner, trained, tmp_path):
    out = tmp_path / "p"
    result = runner.invoke(
        app,
        [
            "prune",
            str(trained / "model.pt"),
            "--out",
            str(out),
            "--trials",
            "3",
            "--n-values",
            "5,0.5",
            "--n-sample",
            "32",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = (out / "prune.csv").read_text().splitlines()
    assert lines[0].startswith("n_keep,") and len(lines) == 3
    data = json.loads((out / "prune.json").read_text())
    assert [p["n_keep"] for p in data["points"]] == [5, 20]
    assert (out / "prune.png").read_bytes()[:8] == PNG_MAGIC
    for method in ("magnitude", "sensitivity"):
        r = runner.invoke(
            app,
            [
                "prune",
                str(trained / "model.pt"),
                "--out",
                str(out),
                "--method",
                method,
                "--n-values",
                "10",
            ],
        )
        assert r.exit_code == 0, r.output


def test_demo_quick_writes_report_and_figures(app, runner, tmp_path, monkeypatch):
    # A relative --out, as `make demo` passes it.
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "demo"
    result = runner.invoke(
        app, ["demo", "--quick", "--out", "demo", "--steps", "40", "--threads", "1"]
    )
    assert result.exit_code == 0, result.output
    text = _clean(result)
    assert "Occam" in text and "weight decay" in text and "R̃" in text
    for name in (
        "report.md",
        "report.html",
        "training.png",
        "pruning.png",
        "results.json",
        "summary.csv",
        "prune_occam.csv",
        "prune_l2.csv",
        "model_occam.pt",
        "model_l2.pt",
        "history_occam.json",
    ):
        assert (out / name).is_file(), name
    for name in ("training.png", "pruning.png", "frontier.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    report = (out / "report.md").read_text()
    assert "Circuits: verdict" in report and "(frontier.png)" in report
    assert "![Pruning error" in report and "(pruning.png)" in report and "(training.png)" in report
    results = json.loads((out / "results.json").read_text())
    assert set(results["summary"]) == {"occam", "l2", "occam_pruned", "l2_pruned"}
    for run in ("occam", "l2"):
        pruned = results["summary"][f"{run}_pruned"]
        assert pruned["nonzeros"] < pruned["parameters"] == results["summary"][run]["parameters"]
    assert results["summary"]["occam"]["R_interval"] >= results["summary"]["occam"]["rtilde"]
    # both pruned nets were compiled: verified circuits on their frontiers, a fitted rate
    assert [h["circuits"] > 0 and h["pareto"] > 0 for h in results["htmc"]] == [True, True]
    assert {v["rel_eps"] for v in results["verdict"]} == {0.1, 0.03, 0.01}
    # a rerun resumes from the finished checkpoints and reproduces the table
    again = runner.invoke(
        app, ["demo", "--quick", "--out", str(out), "--steps", "40", "--threads", "1"]
    )
    assert again.exit_code == 0, again.output
    assert json.loads((out / "results.json").read_text())["summary"] == results["summary"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "smooth2d", "--penalty", "bogus"], "--penalty"),
        (["train", "smooth2d", "--optimizer", "x"], "--optimizer"),
        (["train", "smooth2d", "--lam", "-1"], "--lam"),
        (["train", "smooth2d", "--steps", "-3"], "--steps"),
        (["train", "nosuchtask"], "nosuchtask"),
        (["train"], "--data"),
        (["train", "smooth2d", "--data", "x.csv"], "--data"),
        (["train", "--data", "/nonexistent/file.csv"], "--data"),
        (["train", "smooth2d", "--param", "novalue"], "--param"),
        (["train", "smooth2d", "--optimizer", "prox", "--penalty", "l2"], "prox"),
        (["complexity", "/nonexistent/model.pt"], "CHECKPOINT"),
        (["prune", "/nonexistent/model.pt"], "CHECKPOINT"),
        (["demo", "--threads", "0"], "--threads"),
    ],
)
def test_bad_input_gives_clean_message(app, runner, args, needle):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert needle in _clean(result)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_bad_prune_arguments(app, runner, trained, tmp_path):
    model = str(trained / "model.pt")
    for args, needle in [
        (["--method", "random"], "--method"),
        (["--n-values", "abc"], "--n-values"),
        (["--n-values", "100000"], "--n-values"),
        (["--trials", "0"], "--trials"),
        (["--weights", "sup"], "--weights"),
    ]:
        result = runner.invoke(app, ["prune", model, "--out", str(tmp_path), *args])
        assert result.exit_code == 2, (args, result.output)
        assert needle in _clean(result)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a model")
    result = runner.invoke(app, ["complexity", str(garbage)])
    assert result.exit_code == 2 and "CHECKPOINT" in _clean(result)


@pytest.mark.slow
def test_full_demo_finishes_in_five_minutes(app, runner, tmp_path):
    """Issue 2: `occam demo` (full size) finishes in under 5 minutes on 2 cores."""
    import time

    start = time.perf_counter()
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    wall = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    assert wall < 300, wall
    summary = json.loads((tmp_path / "demo" / "results.json").read_text())["summary"]
    # the Occam net is simpler than the weight-decay one in the paper's sense
    assert summary["occam"]["rtilde"] < summary["l2"]["rtilde"]
    assert summary["occam_pruned"]["nonzeros"] < summary["l2_pruned"]["nonzeros"]
