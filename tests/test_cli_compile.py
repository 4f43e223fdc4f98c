"""`occam compile` and `occam frontier`: the files a user takes elsewhere (SPEC 7, 2.2, 2.3)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from occam.circuits import read
from occam.cli import app as typer_app
from occam.cli.commands import register
from occam.tasks import get_task
from occam.train import TrainConfig, load_model, save_model, train

register(typer_app)
REQUIRED = (
    "input_bits",
    "domain",
    "output_bits",
    "signed",
    "scale",
    "offset",
    "gates",
    "aig_ands",
    "error_l2_net",
    "error_linf_net",
    "verified",
)


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def _train(task_name: str, tmp_path_factory, steps: int = 300):
    task = get_task(task_name)
    x, y, _, _ = task.train_test(256, 256, seed=0)
    cfg = TrainConfig(
        width=max(4, task.d_in), hidden=6, depth=2, steps=steps, lam=1e-3, lr=2e-2, seed=0
    )
    model = train(x, y, cfg, progress=False).model
    path = tmp_path_factory.mktemp(task_name) / "model.pt"
    meta = {"task": task_name, "task_params": {}, "n_train": 256, "n_test": 256, "seed": 0}
    save_model(path, model, meta)
    return path


@pytest.fixture(scope="module")
def sine_model(tmp_path_factory):
    return _train("sine1d", tmp_path_factory)


# -- an AIGER reader written from the format description, sharing nothing with occam ------------
def _varint(data: bytes, pos: int) -> tuple[int, int]:
    x, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        x |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return x, pos
        shift += 7


def tiny_aiger_eval(data: bytes, inputs: np.ndarray) -> np.ndarray:
    """Evaluate a combinational binary AIGER file on bool ``inputs`` (n, I); returns (n, O).
    Patterns are packed eight to a byte; a complemented literal is the value XOR 0xFF."""
    header_end = data.index(b"\n")
    tag, m, i, latches, o, a = data[:header_end].split()
    assert tag == b"aig" and int(latches) == 0
    m, i, o, a = int(m), int(i), int(o), int(a)
    pos = header_end + 1
    outs = []
    for _ in range(o):
        end = data.index(b"\n", pos)
        outs.append(int(data[pos:end]))
        pos = end + 1
    n = inputs.shape[0]
    packed = np.packbits(inputs, axis=0)  # (ceil(n/8), I)
    value = np.zeros((m + 1, packed.shape[0]), dtype=np.uint8)
    value[1 : i + 1] = packed.T

    def lit(v: int) -> np.ndarray:
        return value[v >> 1] ^ np.uint8(0xFF * (v & 1))

    for g in range(a):
        lhs = 2 * (i + 1 + g)
        d0, pos = _varint(data, pos)
        d1, pos = _varint(data, pos)
        value[lhs >> 1] = lit(lhs - d0) & lit(lhs - d0 - d1)
    words = np.stack([lit(v) for v in outs], axis=1)
    return np.unpackbits(words, axis=0, count=n).astype(bool)


def decode_with_json(meta: dict, out_bits: np.ndarray) -> np.ndarray:
    """dec of SPEC 2.2 from the JSON alone: per output, LSB-first words, two's complement."""
    cols, start = [], 0
    for w, scale, offset in zip(meta["output_bits"], meta["scale"], meta["offset"], strict=True):
        bits = out_bits[:, start : start + w].astype(object)
        z = sum(bits[:, j] * (1 << j) for j in range(w))
        if meta["signed"]:
            z = z - bits[:, w - 1] * (1 << w)
        cols.append(np.asarray(z, dtype=np.float64) * scale + offset)
        start += w
    return np.stack(cols, axis=1)


def encode_with_json(meta: dict, x: np.ndarray) -> np.ndarray:
    """enc_k of SPEC 2.2 from the JSON alone: coordinate-major, LSB first."""
    low = np.array(meta["domain"]["low"])
    high = np.array(meta["domain"]["high"])
    cols = []
    for c, k in enumerate(meta["input_bits"]):
        q = np.clip(np.floor((x[:, c] - low[c]) / (high[c] - low[c]) * 2**k), 0, 2**k - 1)
        q = q.astype(np.int64)
        cols += [(q >> j) & 1 for j in range(k)]
    return np.stack(cols, axis=1).astype(bool)


def _reproduce_error(aig_path, model_path, n: int = 100_000) -> tuple[float, float]:
    """L2 error vs the float net on n fresh points, by occam's reader and by the tiny one."""
    meta = json.loads(aig_path.with_suffix(".json").read_text())
    model, _ = load_model(model_path)
    x = np.random.default_rng(12345).uniform(
        meta["domain"]["low"], meta["domain"]["high"], size=(n, len(meta["input_bits"]))
    )
    with torch.no_grad():
        f = model(torch.as_tensor(x, dtype=torch.float64)).numpy()
    bits = encode_with_json(meta, x)
    ours = read(aig_path).simulate(bits)
    theirs = tiny_aiger_eval(aig_path.read_bytes(), bits)
    assert np.array_equal(ours, theirs)
    pred = decode_with_json(meta, theirs)
    l2 = float(np.sqrt(np.mean(np.sum((pred - f) ** 2, axis=1))))
    return l2, float(np.abs(pred - f).max())


@pytest.mark.parametrize("eps", [0.1, 0.03])
def test_compile_writes_files_anyone_can_check(runner, sine_model, tmp_path, eps):
    out = tmp_path / "c.aig"
    args = ["compile", str(sine_model), "--eps", str(eps), "--out", str(out), "--n-eval", "20000"]
    result = runner.invoke(typer_app, args)
    assert result.exit_code == 0, result.output
    meta = json.loads(out.with_suffix(".json").read_text())
    assert set(REQUIRED) <= set(meta)
    assert meta["verified"] is True
    assert meta["error_l2_net"] <= eps
    assert meta["gates"] == read(out).size or meta["aig_ands"] > 0
    l2, _ = _reproduce_error(out, sine_model)
    assert l2 <= eps
    assert l2 == pytest.approx(meta["error_l2_net"], rel=0.1)


def test_compile_with_abc_reports_both_counts_and_cec(runner, sine_model, tmp_path):
    out = tmp_path / "abc.aig"
    args = ["compile", str(sine_model), "--eps", "0.1", "--out", str(out), "--abc"]
    result = runner.invoke(typer_app, [*args, "--n-eval", "5000"])
    assert result.exit_code == 0, result.output
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["abc"]["cec_equivalent"] is True
    assert meta["abc"]["gates_after"] == meta["gates"] <= meta["abc"]["gates_before"]
    assert meta["verified"] is True
    assert _reproduce_error(out, sine_model, n=5000)[0] <= 0.1


def test_unreachable_eps_writes_nothing(runner, sine_model, tmp_path):
    out = tmp_path / "none.aig"
    args = ["compile", str(sine_model), "--eps", "1e-9", "--out", str(out), "--budget", "3"]
    result = runner.invoke(typer_app, [*args, "--n-eval", "2000"])
    assert result.exit_code == 1
    assert "No circuit found" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not out.with_suffix(".json").exists()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--out", "x.txt"], ".aig"),
        (["--eps", "-1"], "--eps"),
        (["--error", "loss"], "--error"),
        (["--prune", "random"], "--prune"),
    ],
)
def test_bad_arguments_give_clean_messages(runner, sine_model, tmp_path, extra, needle):
    args = ["compile", str(sine_model), "--eps", "0.1", "--out", str(tmp_path / "c.aig")]
    result = runner.invoke(typer_app, [*args, "--n-eval", "1000", *extra])
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output


def test_missing_model_file_is_a_clean_error(runner, tmp_path):
    result = runner.invoke(typer_app, ["compile", str(tmp_path / "no.pt"), "--eps", "0.1"])
    assert result.exit_code == 2
    assert "does not exist" in " ".join(result.output.split())


def _frontier_checks(out, min_points=6, decades=1.5):
    """The acceptance of issue 16 on a frontier folder: ≥ 6 non-constant verified Pareto points
    spanning ≥ 1.5 decades of ε, the smallest within 2× the float net's own test error, every
    Pareto circuit written and described, the rate fitted from ≥ 5 points."""
    rows = [r for r in csv.DictReader((out / "frontier.csv").open()) if r["role"] == "circuit"]
    summary = json.loads((out / "frontier.json").read_text())
    assert all(r["verified"] == "True" for r in rows)
    assert all(float(r["error"]) == float(r["error_l2_net"]) for r in rows)
    errs = sorted(float(r["error"]) for r in rows if r["pareto"] == "True" and int(r["gates"]))
    assert len(errs) >= min_points
    assert np.log10(errs[-1] / errs[0]) >= decades
    assert errs[0] <= 2 * summary["float_net_error_vs_target"]
    assert len(summary["pareto"]) == len(errs)
    for p in summary["pareto"]:
        meta = json.loads((out / p["file"]).with_suffix(".json").read_text())
        assert meta["verified"] and meta["gates"] == p["gates"] > 0
        assert read(out / p["file"]).n_inputs == sum(meta["input_bits"])
    assert (out / "frontier.png").stat().st_size > 0
    assert summary["circuits_built"] == len(rows)
    rate = summary["rate"]["compiled"]
    assert rate["n"] >= 5 and rate["gamma_low"] <= rate["gamma"] <= rate["gamma_high"]
    return rows, summary


def test_frontier_on_sine1d(runner, sine_model, tmp_path):
    out = tmp_path / "front"
    args = ["frontier", str(sine_model), "--out", str(out), "--points", "8", "--n-eval", "5000"]
    result = runner.invoke(typer_app, args)
    assert result.exit_code == 0, result.output
    _frontier_checks(out)


def test_frontier_with_abc_proves_every_optimised_circuit(runner, sine_model, tmp_path):
    out = tmp_path / "front_abc"
    args = ["frontier", str(sine_model), "--out", str(out), "--points", "2", "--abc"]
    result = runner.invoke(
        typer_app, [*args, "--n-eval", "2000", "--max-bits", "8", "--eps-min", "0.1"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "frontier.json").read_text())
    assert len(summary["abc_pareto"]) == len(summary["pareto"]) > 0
    for p in summary["pareto"]:
        meta = json.loads((out / p["file"]).with_suffix(".json").read_text())
        assert meta["abc"]["cec_equivalent"] is True
        assert meta["abc"]["gates_before"] == p["gates"] >= meta["gates"]
        assert meta["verified"] is True
    rows = [r for r in csv.DictReader((out / "frontier_abc.csv").open()) if r["role"] == "circuit"]
    assert len(rows) == len(summary["pareto"]) and all(r["abc"] == "True" for r in rows)


@pytest.mark.slow
def test_frontier_on_smooth2d(runner, tmp_path_factory, tmp_path):
    model = _train("smooth2d", tmp_path_factory, steps=600)
    out = tmp_path / "front2d"
    args = ["frontier", str(model), "--out", str(out), "--points", "8", "--n-eval", "20000"]
    result = runner.invoke(typer_app, args)
    assert result.exit_code == 0, result.output
    _frontier_checks(out)


@pytest.mark.slow
def test_compile_the_demo_pruned_occam_net(runner, tmp_path):
    """Issue 16 acceptance: `occam compile` on the demo's model_occam_pruned.pt; the .aig read
    back and simulated on 10^5 fresh points is within the requested ε of the float net."""
    demo = tmp_path / "demo-output"
    result = runner.invoke(typer_app, ["demo", "--quick", "--out", str(demo)])
    assert result.exit_code == 0, result.output
    model = demo / "model_occam_pruned.pt"
    for eps in (0.1, 0.03):
        out = tmp_path / f"occam_{eps}.aig"
        result = runner.invoke(
            typer_app, ["compile", str(model), "--eps", str(eps), "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        meta = json.loads(out.with_suffix(".json").read_text())
        assert meta["verified"] and meta["error_l2_net"] <= eps
        l2, _ = _reproduce_error(out, model, n=100_000)
        assert l2 <= eps


def test_compile_collapse_is_smaller_and_still_checkable(runner, sine_model, tmp_path):
    out = tmp_path / "col.aig"
    args = ["compile", str(sine_model), "--eps", "0.03", "--out", str(out), "--collapse"]
    result = runner.invoke(typer_app, [*args, "--n-eval", "5000"])
    assert result.exit_code == 0, result.output
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["verified"] and meta["verification"]["exhaustive"]
    assert meta["gates"] < meta["collapsed_from_gates"]
    assert _reproduce_error(out, sine_model, n=5000)[0] <= 0.03
