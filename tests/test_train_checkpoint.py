"""Checkpoints (SPEC 5): atomic writes, weights_only loading, bit-identical resume; saved models."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from occam.nets import ResNet
from occam.tasks import get_task
from occam.train import (
    TrainConfig,
    load_checkpoint,
    load_model,
    save_checkpoint,
    save_model,
    train,
)

torch.set_num_threads(1)


class Interrupted(Exception):
    """Stands in for a kill: raised by a callback in the middle of training."""


def kill_at(step_to_die: int):
    def callback(step: int, model: ResNet) -> None:
        if step == step_to_die:
            raise Interrupted(step)

    return callback


@pytest.fixture(scope="module")
def data():
    return get_task("smooth2d").train_test(48, 16, seed=1)


def states_equal(a: ResNet, b: ResNet) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize(
    ("penalty", "optimizer", "schedule"),
    [("ideal", "adam", "cosine"), ("l1", "prox", "constant"), ("empirical", "sgd", "constant")],
)
def test_resume_after_kill_is_bit_identical(tmp_path, data, penalty, optimizer, schedule):
    x, y, xt, yt = data
    cfg = TrainConfig(
        width=4,
        hidden=4,
        depth=2,
        penalty=penalty,
        optimizer=optimizer,
        lam=1e-2,
        lr=2e-2,
        lr_schedule=schedule,
        steps=14,
        batch_size=10,
        log_every=3,
        checkpoint_every=4,
        seed=11,
    )
    reference = train(x, y, cfg, x_test=xt, y_test=yt, progress=False)

    path = tmp_path / "run.pt"
    with pytest.raises(Interrupted):
        train(
            x, y, cfg, x_test=xt, y_test=yt, checkpoint=path, progress=False, callback=kill_at(10)
        )
    assert load_checkpoint(path)["step"] == 8  # the last checkpoint before the kill
    resumed = train(x, y, cfg, x_test=xt, y_test=yt, checkpoint=path, progress=False)
    assert resumed.resumed_from == 8
    assert states_equal(resumed.model, reference.model)
    assert resumed.history == reference.history
    final = load_checkpoint(path)
    assert final["step"] == 14
    # resuming a finished run returns the same model without training further
    again = train(x, y, cfg, x_test=xt, y_test=yt, checkpoint=path, progress=False)
    assert again.resumed_from == 14 and states_equal(again.model, reference.model)


def test_continuing_with_more_steps_equals_a_longer_run(tmp_path, data):
    x, y, _, _ = data
    cfg = TrainConfig(width=4, hidden=4, depth=1, steps=6, batch_size=8, log_every=2)
    path = tmp_path / "run.pt"
    train(x, y, cfg, checkpoint=path, progress=False)
    longer = cfg.model_copy(update={"steps": 10})
    continued = train(x, y, longer, checkpoint=path, progress=False)
    assert continued.resumed_from == 6
    assert states_equal(continued.model, train(x, y, longer, progress=False).model)


def test_checkpoint_is_plain_and_weights_only_loadable(tmp_path, data):
    x, y, _, _ = data
    cfg = TrainConfig(width=4, hidden=4, depth=2, steps=5, batch_size=8, log_every=2)
    path = tmp_path / "ckpt.pt"
    result = train(x, y, cfg, checkpoint=path, progress=False)
    payload = torch.load(path, weights_only=True)
    assert payload["format"] == "occam-checkpoint" and payload["step"] == 5
    assert payload["config"] == cfg.to_dict()
    json.dumps(payload["config"])
    json.dumps(payload["history"])
    assert payload["history"] == result.history
    assert set(payload["rng"]) == {"generator", "perm", "pos"}
    assert payload["optimizer"]["kind"] == "adam" and payload["optimizer"]["t"] == 5
    net, meta = load_model(path)  # the CLI reads training checkpoints too
    assert states_equal(net, result.model) and meta["step"] == 5
    assert [p for p in os.listdir(tmp_path) if p != "ckpt.pt"] == []  # no temp files left


def test_resume_refuses_other_config_or_data(tmp_path, data):
    x, y, _, _ = data
    cfg = TrainConfig(width=4, hidden=4, depth=1, steps=3, batch_size=None)
    path = tmp_path / "run.pt"
    train(x, y, cfg, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match=r"different config.*lam: checkpoint 0\.001, now 0\.5"):
        train(x, y, cfg.model_copy(update={"lam": 0.5}), checkpoint=path, progress=False)
    with pytest.raises(ValueError, match="different data"):
        train(x + 1, y, cfg, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match="beyond steps=2"):
        train(x, y, cfg.model_copy(update={"steps": 2}), checkpoint=path, progress=False)


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    net = ResNet(2, 3, 3, 1, dtype=torch.float64, seed=0)
    path = tmp_path / "c.pt"
    save_checkpoint(path, net, {}, 1, {"a": 1}, {}, [])
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, net, {}, 2, {"a": 2}, {}, [])
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.pt"]
    assert load_checkpoint(path)["step"] == 1


def test_save_and_load_model_round_trip(tmp_path):
    net = ResNet(3, 5, 4, 2, d_out=2, dtype=torch.float32, seed=4)
    net.set_masks({"W_1": torch.rand(5, 4, generator=torch.Generator().manual_seed(0)) < 0.5})
    path = save_model(tmp_path / "sub" / "model.pt", net, {"task": "smooth2d", "lam": 0.1})
    loaded, meta = load_model(path)
    assert meta == {"task": "smooth2d", "lam": 0.1}
    assert loaded.config == net.config and loaded.V_out.dtype == torch.float32
    assert states_equal(loaded, net)
    x = torch.rand(7, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(loaded(x), net(x))
    assert torch.load(path, weights_only=True)["format"] == "occam-model"


def test_load_errors(tmp_path):
    net = ResNet(2, 3, 3, 1, seed=0)
    with pytest.raises(TypeError, match="JSON-compatible"):
        save_model(tmp_path / "m.pt", net, {"array": np.zeros(2)})
    with pytest.raises(TypeError, match="occam ResNet"):
        save_model(tmp_path / "m.pt", torch.nn.Linear(2, 2))
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):
        load_model(tmp_path / "missing.pt")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="not a PyTorch file, or a truncated one"):
        load_checkpoint(garbage)
    save_model(tmp_path / "m.pt", net)
    with pytest.raises(ValueError, match="expected an occam file of format"):
        load_checkpoint(tmp_path / "m.pt")
    torch.save({"x": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="found None"):
        load_model(tmp_path / "other.pt")


CHILD = """
import os, signal, sys
import numpy as np
import torch
from occam.train import TrainConfig, train

torch.set_num_threads(1)
data = np.load(sys.argv[1])
cfg = TrainConfig.model_validate_json(sys.argv[2])


def die(step, model):
    if step == 7:
        os.kill(os.getpid(), signal.SIGKILL)  # a real kill: no cleanup, no exception handling


train(data["x"], data["y"], cfg, checkpoint=sys.argv[3], progress=False, callback=die)
"""


def test_resume_after_real_sigkill(tmp_path, data):
    import signal
    import subprocess
    import sys

    x, y, _, _ = data
    cfg = TrainConfig(
        width=4, hidden=4, depth=2, lam=1e-2, steps=12, batch_size=10, checkpoint_every=5, seed=2
    )
    np.savez(tmp_path / "data.npz", x=x, y=y)
    path = tmp_path / "run.pt"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "data.npz"), cfg.model_dump_json(), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert load_checkpoint(path)["step"] == 5
    resumed = train(x, y, cfg, checkpoint=path, progress=False)
    assert resumed.resumed_from == 5
    assert states_equal(resumed.model, train(x, y, cfg, progress=False).model)
