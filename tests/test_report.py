"""occam.report: atomic writes, JSON/CSV, PNG figures and the Markdown/HTML report (SPEC 14)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from occam.prune import PruneCurve, PrunePoint
from occam.report import (
    Report,
    atomic_write_text,
    csv_text,
    format_value,
    markdown_table,
    plot_pruning,
    plot_training,
    write_csv,
    write_json,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _curve() -> PruneCurve:
    points = [
        PrunePoint(
            n_keep=n,
            mean_nonzeros=float(n),
            mean_error=1 / math.sqrt(n),
            std_error=0.1 / math.sqrt(n),
            median_error=0.95 / math.sqrt(n),
            mean_target_error=None,
            std_target_error=None,
            predicted_first_order=0.9 / math.sqrt(n),
            rtilde_over_sqrt_n=1.2 / math.sqrt(n),
            trials=5,
        )
        for n in (10, 20, 40)
    ]
    return PruneCurve("importance", "ideal", "bernoulli", "l2", 100, 100, 1.2, None, points)


def test_atomic_write_replaces_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "sub" / "a.txt"
    atomic_write_text(path, "one")
    atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert os.listdir(path.parent) == ["a.txt"]


def test_atomic_write_failure_keeps_old_file(tmp_path):
    path = tmp_path / "a.json"
    write_json(path, {"a": 1})
    with pytest.raises(TypeError):
        write_json(path, {"a": object()})
    assert json.loads(path.read_text()) == {"a": 1}
    assert os.listdir(tmp_path) == ["a.json"]


def test_json_and_csv(tmp_path):
    write_json(tmp_path / "r.json", {"x": float("nan"), "y": [1.5, float("inf")], "z": None})
    assert json.loads((tmp_path / "r.json").read_text()) == {"x": None, "y": [1.5, None], "z": None}
    rows = [{"a": 1, "b": None}, {"a": 2.5, "b": "q"}]
    assert csv_text(rows) == "a,b\n1,\n2.5,q\n"
    write_csv(tmp_path / "r.csv", rows, ["b", "a"])
    assert (tmp_path / "r.csv").read_text() == "b,a\n,1\nq,2.5\n"


def test_markdown_table_and_formatting():
    text = markdown_table(["name", "value"], [["a|b", 0.123456789], ["c", None]])
    assert text.splitlines() == ["| name | value |", "|---|---|", "| a\\|b | 0.1235 |", "| c | — |"]
    assert format_value(3) == "3" and format_value(float("nan")) == "nan"
    with pytest.raises(ValueError, match="cells"):
        markdown_table(["a"], [[1, 2]])


def test_plots_are_png(tmp_path):
    hist = {
        "occam": [
            {"step": 0, "loss": 1.0, "test_error": None, "penalty": 2.0},
            {"step": 10, "loss": 0.1, "test_error": 0.3, "penalty": 0.0},
        ],
        "l2": [{"step": 0, "loss": 1.0, "test_error": 0.9, "penalty": 3.0}],
    }
    p1 = plot_training(hist, tmp_path / "train.png")
    p2 = plot_pruning({"occam": _curve()}, tmp_path / "prune.png")
    for p in (p1, p2):
        data = p.read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5000
    with pytest.raises(ValueError, match="histories"):
        plot_training({}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="curves"):
        plot_pruning({}, tmp_path / "x.png")


def test_report_markdown_and_html(tmp_path):
    fig = plot_pruning({"net": _curve()}, tmp_path / "prune.png")
    report = Report("Demo")
    report.heading("Results").paragraph("R̃ < R <b>").table(["a", "b"], [[1, 2.0]])
    report.figure(fig, "pruning").code("occam demo --quick")
    paths = report.write(tmp_path)
    md = paths["markdown"].read_text()
    assert md.startswith("# Demo\n") and "![pruning](prune.png)" in md
    assert "| 1 | 2 |" in md and "```\noccam demo --quick\n```" in md
    page = paths["html"].read_text()
    assert "data:image/png;base64," in page and "R̃ &lt; R &lt;b&gt;" in page
    with pytest.raises(FileNotFoundError, match=r"missing\.png"):
        Report("x").figure(tmp_path / "missing.png", "m").write(tmp_path / "other")
    with pytest.raises(ValueError, match="level"):
        Report("x").heading("h", level=7)


def test_report_in_a_relative_folder(tmp_path, monkeypatch):
    # CLI commands pass relative output folders (`occam demo --out demo-output`).
    monkeypatch.chdir(tmp_path)
    out = Path("runs") / "r1"
    fig = plot_pruning({"net": _curve()}, out / "prune.png")
    paths = Report("Relative").figure(fig, "pruning").write(out)
    assert "![pruning](prune.png)" in paths["markdown"].read_text()
    assert "data:image/png;base64," in paths["html"].read_text()


def test_complexity_summary_matches_the_measures():
    import torch

    from occam import complexity
    from occam.nets import ResNet
    from occam.report.summary import SUMMARY_COLUMNS, complexity_summary
    from occam.tasks import Box

    model = ResNet(2, 3, 4, 2, dtype=torch.float64, seed=0)
    x = torch.rand(50, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    y = torch.zeros(50, 1, dtype=torch.float64)
    row = complexity_summary(model, x, y, Box.cube(2))
    assert tuple(row) == SUMMARY_COLUMNS
    assert row["test_error"] == pytest.approx(float(model(x).detach().pow(2).mean().sqrt()))
    assert row["rtilde"] == pytest.approx(float(complexity.ideal(model, x).detach()))
    assert row["R_interval"] == pytest.approx(
        float(complexity.certified(model, domain=Box.cube(2), engine="interval").detach())
    )
    assert row["rtilde"] <= row["R_empirical"] <= row["R_interval"] <= row["R_global"]
    assert row["nonzeros"] == row["parameters"] == model.n_parameters
    bare = complexity_summary(model, x)
    assert bare["test_error"] is None and bare["R_interval"] is None and bare["R_global"] is None
    with pytest.raises(TypeError, match="model"):
        complexity_summary("net", x)


def test_demo_compress_meets_the_tolerance_and_is_tight():
    import torch

    from occam.experiments.demo import compress
    from occam.nets import ResNet
    from occam.prune import sensitivity_prune
    from occam.train import error

    model = ResNet(2, 4, 6, 2, dtype=torch.float64, seed=3)
    x = torch.rand(80, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y = torch.sin(3 * x[:, :1])
    base = error(model, x, y)
    n, pruned = compress(model, x, y, 1.05)
    assert pruned.n_nonzero() <= n <= model.n_parameters
    assert error(pruned, x, y) <= 1.05 * base
    if n > 0:
        assert error(sensitivity_prune(model, x, n - 1), x, y) > 1.05 * base
