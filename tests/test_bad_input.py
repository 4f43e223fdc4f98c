"""Bad input never gives a wrong answer or loses work (issue 17): one test (group) per item."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import occam
from occam import complexity
from occam.circuits.encoding import quantize
from occam.tasks import Box, as_box


# -- item 2: one domain parser, torch tensors accepted, the nested-list form refused ---------------
def test_domain_forms_agree_everywhere():
    net = occam.ResNet(d_in=2, width=4, hidden=4, depth=2, dtype=torch.float64, seed=0)
    rows = np.array([[-1.0, 2.0], [0.0, 3.0]])  # x0 ∈ [-1, 2], x1 ∈ [0, 3]
    forms = [
        rows,
        torch.tensor(rows),
        torch.tensor(rows, dtype=torch.float32),
        (rows[:, 0], rows[:, 1]),
        (rows[:, 0].tolist(), rows[:, 1].tolist()),
        Box.from_bounds(rows[:, 0], rows[:, 1]),
    ]
    values = [float(complexity.certified(net, domain=f, engine="interval").detach()) for f in forms]
    assert values == pytest.approx([values[0]] * len(values), rel=0, abs=0)
    x = np.array([[1.9, 0.1], [-1.0, 2.9]])
    bins = [quantize(x, f, 3).tolist() for f in forms]
    assert all(b == bins[0] for b in bins)
    assert bins[0] == [[7, 0], [0, 7]]


@pytest.mark.parametrize("nested", [[[-1, 2], [0, 3]], [[-1, 2], [0, 3], [1, 4]], [[0, 1]]])
def test_nested_list_domain_is_refused_everywhere(nested):
    net = occam.ResNet(d_in=len(nested), width=4, hidden=4, depth=1, dtype=torch.float64, seed=0)
    with pytest.raises(TypeError, match="ambiguous"):
        complexity.certified(net, domain=nested, engine="interval")
    with pytest.raises(TypeError, match="ambiguous"):
        as_box(nested)
    with pytest.raises(TypeError, match="ambiguous"):
        quantize(np.zeros((1, len(nested))), nested, 2)


def test_domain_scalar_pair_and_bad_shapes():
    assert as_box([-1, 1], dim=3) == Box.cube(3)
    assert as_box((0.0, 1.0), dim=2) == Box.cube(2, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"shape \(d, 2\)"):
        as_box(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="dimension 3"):
        as_box(torch.zeros(2, 2) + torch.tensor([0.0, 1.0]), dim=3)
    with pytest.raises(ValueError, match="high > low"):
        as_box(torch.tensor([[1.0, 0.0]]))
    with pytest.raises(ValueError, match="finite"):
        as_box((0.0, float("inf")), dim=1)


# -- shared helpers --------------------------------------------------------------------------------
def _app():
    """The full ``occam`` typer app (all groups registered), as the entry point builds it."""
    from occam.cli import _register, app

    _register()
    return app


def _invoke(*args: str):
    from typer.testing import CliRunner

    return CliRunner().invoke(_app(), [str(a) for a in args])


def _assert_user_error(result, *needles: str) -> str:
    """Exit status 2, one ``occam: error:`` line or typer's usage box, no traceback."""
    text = result.output
    assert result.exit_code == 2, (result.exit_code, text, result.exception)
    assert "Traceback" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit)
    flat = " ".join(text.replace("│", " ").split())
    for needle in needles:
        assert needle in flat, (needle, flat)
    return flat


def _tiny_config(**overrides):
    from occam.train import TrainConfig

    fields = dict(width=4, hidden=4, depth=1, steps=12, batch_size=8, seed=0, checkpoint_every=5)
    fields.update(overrides)
    return TrainConfig(**fields)


def _xy(n: int = 32, d: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, d))
    return x, np.sin(x.sum(axis=1, keepdims=True))


# -- item 3: Ctrl-C and SIGKILL never lose the work done; --out checked first ----------------------
def test_ctrl_c_saves_a_checkpoint_and_resume_is_exact(tmp_path):
    import signal

    # Start from Python's own SIGINT handler, as a user's process does: a test that ran earlier in
    # this worker (Ray's driver, for one) may have left its own handler installed, and train()
    # then rightly leaves Ctrl-C to that handler. The previous handler is restored afterwards.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _ctrl_c_then_resume(tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)


def _ctrl_c_then_resume(tmp_path):
    import signal

    from occam.train import TrainingInterrupted, load_checkpoint, train

    x, y = _xy()
    cfg = _tiny_config(checkpoint_every=100)  # the periodic save would not fire before step 12
    path = tmp_path / "run.pt"

    def press_ctrl_c(step, model):
        if step == 7:
            signal.raise_signal(signal.SIGINT)  # handled in this thread before it returns

    with pytest.raises(TrainingInterrupted) as info:
        train(x, y, cfg, checkpoint=path, progress=False, callback=press_ctrl_c)
    assert info.value.step == 7 and info.value.checkpoint == path
    assert load_checkpoint(path)["step"] == 7
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    resumed = train(x, y, cfg, checkpoint=path, progress=False)
    straight = train(x, y, cfg, progress=False)
    assert resumed.resumed_from == 7
    for a, b in zip(resumed.model.parameters(), straight.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_train_command_resumes_and_removes_stale_temporaries(tmp_path):
    from occam.train import load_checkpoint

    out = tmp_path / "r"
    args = ("train", "sine1d", "--width", "4", "--hidden", "4", "--depth", "1")
    args += ("--n-train", "32", "--n-test", "8", "--out", out)
    first = _invoke(*args, "--steps", "12", "--checkpoint-every", "5")
    assert first.exit_code == 0, first.output
    assert "resuming from" not in first.output and "resumed from" not in first.output
    assert load_checkpoint(out / "checkpoint.pt")["step"] == 12
    stale = out / ".checkpoint.pt.k1ll3d.tmp"
    stale.write_bytes(b"half a checkpoint")
    again = _invoke(*args, "--steps", "20", "--checkpoint-every", "5")
    assert again.exit_code == 0, again.output
    assert "resuming from step 12" in again.output and "resumed from step 12" in again.output
    assert not stale.exists()
    assert load_checkpoint(out / "checkpoint.pt")["step"] == 20


def test_default_checkpoint_interval_is_periodic():
    from occam.train import TrainConfig

    assert TrainConfig().checkpoint_every == 500


@pytest.mark.slow
def test_killed_train_command_resumes_and_cleans_temporaries(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from occam.train import load_checkpoint

    out = tmp_path / "r"
    args = [sys.executable, "-c", "from occam.cli import main; main()", "train", "sine1d"]
    args += ["--width", "4", "--hidden", "4", "--depth", "1", "--n-train", "64", "--n-test", "16"]
    args += ["--checkpoint-every", "20", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([*args, "--steps", "1000000"], env=env, stderr=subprocess.PIPE)
    checkpoint = out / "checkpoint.pt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.1)
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()
    step = int(load_checkpoint(checkpoint)["step"])  # a complete, readable checkpoint
    assert step >= 20 and step % 20 == 0
    stale = out / ".checkpoint.pt.abc123.tmp"  # what a write killed mid-way leaves behind
    stale.write_bytes(b"half a checkpoint")
    again = subprocess.run(
        [*args, "--steps", str(step + 20)], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert f"resuming from step {step}" in again.stdout
    assert f"resumed from step {step}" in again.stdout
    assert not stale.exists()
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "history.json", "model.pt"]


def test_unwritable_out_is_refused_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _invoke("train", "sine1d", "--steps", "100000", "--out", blocker / "run")
    _assert_user_error(result, "--out", "cannot write here")
    result = _invoke("train", "sine1d", "--steps", "100000", "--out", blocker)
    _assert_user_error(result, "--out", "exists and is not a folder")


# -- item 4: written files get the usual permissions -----------------------------------------------
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_written_files_respect_umask_and_keep_existing_mode(tmp_path, umask):
    import os
    import stat

    from occam._atomic import atomic_write_bytes
    from occam.circuits import Builder, write

    old = os.umask(umask)
    try:
        new = atomic_write_bytes(tmp_path / "new.bin", b"1")
        assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
        kept = tmp_path / "kept.bin"
        kept.write_bytes(b"0")
        kept.chmod(0o640)
        atomic_write_bytes(kept, b"2")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_bytes() == b"2"
        b = Builder()
        b.output(b.AND(*b.inputs(2)), "y")
        aig = write(b.build(), tmp_path / "c.aig")
        assert stat.S_IMODE(aig.stat().st_mode) == 0o666 & ~umask
    finally:
        os.umask(old)


def test_atomic_write_names_the_target_not_the_temporary(tmp_path):
    from occam._atomic import atomic_write_bytes

    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        atomic_write_bytes(tmp_path / "d", b"x")
    assert info.value.filename == str(tmp_path / "d")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


# -- item 5: numeric headers and edited training files ---------------------------------------------
def test_numeric_header_is_never_guessed(tmp_path):
    from occam.tasks import DataError, load_data

    path = tmp_path / "d.csv"
    path.write_text("0,1,2\n0.5,0.25,1\n-0.5,0.75,0\n")
    with pytest.raises(DataError, match="ambiguous") as info:
        load_data(path)
    assert info.value.line == 1 and info.value.path == str(path)
    as_header = load_data(path, header=True, y_cols="2")
    assert as_header.n_data == 2 and as_header.params["x_names"] == ["0", "1"]
    as_data = load_data(path, header=False)
    assert as_data.n_data == 3
    # a first line of other numbers is data, as documented
    other = tmp_path / "e.csv"
    other.write_text("1,2,3\n4,5,6\n")
    assert load_data(other).n_data == 2


def _write_csv(path, n: int, seed: int = 0, header: str | None = "a,b,y"):
    x, y = _xy(n, seed=seed)
    lines = [] if header is None else [header]
    lines += [f"{p:.6f},{q:.6f},{v:.6f}" for (p, q), (v,) in zip(x, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_complexity_refuses_an_edited_training_file(tmp_path):
    data = _write_csv(tmp_path / "train.csv", 60)
    out = tmp_path / "run"
    small = ("--width", "4", "--hidden", "4", "--depth", "1", "--steps", "5")
    result = _invoke("train", "--data", data, *small, "--out", out, "--y-cols", "y")
    assert result.exit_code == 0, result.output
    assert _invoke("complexity", out / "model.pt", "--json").exit_code == 0
    _write_csv(data, 60, seed=1)  # same shape, other numbers
    result = _invoke("complexity", out / "model.pt")
    _assert_user_error(result, "has changed since")
    result = _invoke("complexity", out / "model.pt", "--data", data)  # explicit: allowed
    assert result.exit_code == 0, result.output


# -- item 6: non-finite models are refused, never reported as ℓ2 = 0 -------------------------------
def test_nan_model_is_refused(tmp_path):
    from occam.complexity._common import NonFiniteModelError
    from occam.report.summary import complexity_summary
    from occam.train import save_model

    net = occam.ResNet(d_in=2, width=4, hidden=4, depth=1, dtype=torch.float64, seed=0)
    with torch.no_grad():
        next(iter(net.parameters())).fill_(float("nan"))
    assert torch.isnan(complexity.l2_norm(net))  # was 0.0
    x = torch.zeros(4, 2, dtype=torch.float64)
    with pytest.raises(NonFiniteModelError, match="non-finite"):
        complexity_summary(net, x)
    path = save_model(tmp_path / "nan.pt", net, {"task": "smooth2d"})
    for command in ("complexity", "prune"):
        _assert_user_error(_invoke(command, path), "CHECKPOINT", "nan.pt", "non-finite")


def test_complexity_json_is_strict(tmp_path):
    import json

    from occam.train import save_model

    net = occam.ResNet(d_in=2, width=4, hidden=4, depth=1, dtype=torch.float64, seed=0)
    path = save_model(tmp_path / "m.pt", net, {"task": "smooth2d", "n_test": 16})
    result = _invoke("complexity", path, "--json")
    assert result.exit_code == 0, result.output

    def refuse(token):
        raise AssertionError(f"bare {token} in --json output")

    row = json.loads(result.output, parse_constant=refuse)
    assert row["l2"] > 0


# -- item 7: overflow from λ or from the data is named as such -------------------------------------
def test_divergence_names_lambda_or_data_not_the_learning_rate():
    from occam.train import TrainingDivergedError, train

    x, y = _xy()
    with pytest.raises(TrainingDivergedError, match="λ is too large") as info:
        train(x, y, _tiny_config(lam=1e308), progress=False)
    assert "learning rate" not in str(info.value)
    with pytest.raises(TrainingDivergedError, match="rescale the data") as info:
        train(x, y * 1e300, _tiny_config(), progress=False)
    assert "learning rate" not in str(info.value)
    with pytest.raises(TrainingDivergedError, match="smaller learning rate"):
        train(x, y, _tiny_config(lr=1e200, penalty="none"), progress=False)


def test_train_command_reports_divergence_in_one_line(tmp_path):
    args = ("--width", "4", "--hidden", "4", "--depth", "1", "--steps", "5", "--n-train", "32")
    result = _invoke("train", "sine1d", *args, "--lam", "1e308", "--out", tmp_path / "r")
    _assert_user_error(result, "occam: error: training diverged", "λ is too large")


# -- item 8: zero outputs is a valid circuit -------------------------------------------------------
def test_zero_output_circuit(tmp_path):
    from occam.circuits import Builder, read, write

    b = Builder()
    b.inputs(3)
    c = b.build()
    assert c.simulate(np.zeros((5, 3), dtype=bool)).shape == (5, 0)
    assert c.truth_table().shape == (8, 0)
    for suffix in (".aag", ".aig", ".blif"):
        back = read(write(c, tmp_path / f"z{suffix}"))
        assert (back.n_inputs, back.n_outputs) == (3, 0)
    result = _invoke("circuit", "to-resnet", tmp_path / "z.aag")
    _assert_user_error(result, "0 output(s)", "at least one of each")


# -- items 9 and 10: circuit command paths, scripts and time limits --------------------------------
def _and_circuit(tmp_path):
    from occam.circuits import Builder, write

    b = Builder()
    x = b.inputs(3)
    b.output(b.OR(b.AND(x[0], x[1]), x[2]), "y")
    return write(b.build(), tmp_path / "m.aag")


def test_circuit_commands_refuse_bad_paths_and_scripts(tmp_path):
    src = _and_circuit(tmp_path)
    folder = tmp_path / "folder"
    folder.mkdir()
    _assert_user_error(
        _invoke("circuit", "optimize", src, tmp_path / "o.aig", "--script", "bogus"),
        "does not accept the script 'bogus'",
        "unknown command",
    )
    _assert_user_error(_invoke("circuit", "optimize", src, folder), "folder")
    _assert_user_error(_invoke("circuit", "optimize", src, tmp_path / "o.xyz"), "'.xyz'")
    _assert_user_error(_invoke("circuit", "stats", folder), "folder")
    _assert_user_error(_invoke("circuit", "stats", tmp_path / "missing.aig"), "no such file")
    result = _invoke("circuit", "exact", "0x96", "--out", tmp_path / "o.xyz")
    flat = _assert_user_error(result, "unknown circuit format '.xyz'")
    assert "status" not in flat  # refused before the search, not after it
    _assert_user_error(_invoke("circuit", "exact", "0x8", "--out", folder), "folder")
    _assert_user_error(_invoke("circuit", "to-resnet", src, "--out", folder), "folder")


@pytest.mark.parametrize("bad", ["-1", "0", "nan"])
def test_exact_time_limit_refuses_nonpositive_and_nan(bad):
    _assert_user_error(_invoke("circuit", "exact", "0x8", "--time-limit", bad), "--time-limit")


def test_exact_infinite_time_limit_means_no_limit(tmp_path):
    import math

    from occam.circuits.exact import minimum_circuit

    res = minimum_circuit("0x8", time_limit=math.inf, max_gates=3)
    assert res.circuit is not None and res.size == 1
    result = _invoke("circuit", "exact", "0x8", "--time-limit", "inf", "--out", tmp_path / "a.blif")
    assert result.exit_code == 0, result.output
    assert "Overflow" not in result.output and (tmp_path / "a.blif").exists()


class Payload:
    """An object beyond tensors and plain values (what ``weights_only`` loading refuses)."""


# -- item 11: unreadable checkpoints, never an unsafe-load hint ------------------------------------
def test_checkpoint_errors_name_the_file_and_never_suggest_unsafe_loading(tmp_path):
    from occam.train import CheckpointError, load_model

    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"empty\.pt: the file is empty \(0 bytes"):
        load_model(empty)

    objects = tmp_path / "objects.pt"
    torch.save({"format": "occam-model", "thing": Payload()}, objects)
    with pytest.raises(CheckpointError, match="holds Python objects") as info:
        load_model(objects)
    assert "weights_only" not in str(info.value) and "succeed" not in str(info.value)
    for path in (empty, objects):
        flat = _assert_user_error(_invoke("complexity", path), "CHECKPOINT", path.name)
        assert "weights_only" not in flat and "()" not in flat


# -- item 12: data-file split defaults and column names --------------------------------------------
def test_train_on_a_short_file_with_named_columns(tmp_path):
    import json

    data = _write_csv(tmp_path / "short.csv", 500)
    small = ("--width", "4", "--hidden", "4", "--depth", "1", "--steps", "3")
    out = tmp_path / "run"
    result = _invoke(
        "train", "--data", data, *small, "--x-cols", "a,b", "--y-cols", "y", "--out", out
    )
    assert result.exit_code == 0, result.output
    from occam.train import load_model

    _, meta = load_model(out / "model.pt")
    assert (meta["n_train"], meta["n_test"]) == (400, 100)
    assert json.loads((out / "history.json").read_text())[-1]["test_error"] is not None
    result = _invoke("train", "--data", data, *small, "--n-train", "600", "--out", out)
    _assert_user_error(result, "--n-train", "500 rows")
    result = _invoke("train", "--data", data, *small, "--n-test", "500", "--out", out)
    _assert_user_error(result, "--n-test", "500 rows")
    result = _invoke("train", "--data", data, *small, "--y-cols", "nope", "--out", out)
    _assert_user_error(result, "no column named 'nope'")


# -- item 13: BLIF files the docstring calls errors ------------------------------------------------
@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("", 1, "empty file"),
        ("# only a comment\n\n", 1, "empty file"),
        (".model m\n.inputs a\n.outputs y\n.names a y\n1 1\n.names q z\n1 1\n", 6, "never defined"),
        (
            ".model m\n.inputs a\n.outputs y\n.names a y\n1 1\n.names p q\n1 1\n.names q p\n1 1\n",
            8,
            "cycle",
        ),
        (".model m\n.inputs a\n.outputs y\n.outputs z\n.names a y\n1 1\n", 4, "'z' is never"),
    ],
)
def test_blif_errors_outside_the_output_cones(text, line, match):
    from occam.circuits.io import CircuitFormatError, parse_blif

    with pytest.raises(CircuitFormatError, match=match) as info:
        parse_blif(text, "bad.blif")
    assert info.value.line == line and str(info.value).startswith(f"bad.blif:{line}:")


# -- item 15: multi-byte binary AIGER deltas -------------------------------------------------------
@pytest.mark.parametrize("value", [0, 1, 127, 128, 16383, 16384, 2**21, 2**32 - 1])
def test_aiger_delta_codec_round_trip(value):
    from occam.circuits.io.aiger import _decode_delta, _encode_delta, _Lines

    out = bytearray(b"\xaa")  # a byte before, so positions are checked too
    _encode_delta(value, out)
    expected_len = max(1, (value.bit_length() + 6) // 7)
    assert len(out) == 1 + expected_len
    assert all(b & 0x80 for b in out[1:-1]) and not out[-1] & 0x80
    decoded, pos = _decode_delta(bytes(out), 1, _Lines(bytes(out), "x.aig"), 1)
    assert (decoded, pos) == (value, len(out))


def test_binary_aiger_with_a_two_byte_delta_written_by_hand():
    """One AND of inputs 1 and 200 (literals 2 and 400) as variable 201 (literal 402): deltas
    402 − 400 = 2 (one byte) and 400 − 2 = 398 = 0x8E 0x03 (two bytes, per the AIGER format)."""
    from occam.circuits.io import parse_aiger

    data = b"aig 201 200 0 1 1\n402\n" + bytes([0x02, 0x8E, 0x03])
    c = parse_aiger(data, "hand.aig")
    rows = np.zeros((4, 200), dtype=bool)
    rows[1, 0] = rows[2, 199] = True
    rows[3, [0, 199]] = True
    assert c.simulate(rows)[:, 0].tolist() == [False, False, False, True]


def test_multiplier_round_trips_through_binary_aiger(tmp_path):
    from occam.circuits import Builder, arith, read, write
    from occam.circuits.io import circuit_to_aig

    b = Builder()
    x, y = b.inputs(8), b.inputs(8)
    for bit in arith.multiply(b, x, y, signed=False):
        b.output(bit)
    c = b.build()
    aig = circuit_to_aig(c)
    assert aig.n_ands >= 300  # hundreds of gates: binary deltas beyond one byte occur
    back = read(write(c, tmp_path / "mul.aig"))
    rng = np.random.default_rng(0)
    bits = rng.random((4096, 16)) < 0.5
    np.testing.assert_array_equal(back.simulate(bits), c.simulate(bits))
    xs = bits[:, :8] @ (1 << np.arange(8))
    ys = bits[:, 8:] @ (1 << np.arange(8))
    prods = back.simulate(bits) @ (1 << np.arange(back.n_outputs))
    np.testing.assert_array_equal(prods, xs * ys)
