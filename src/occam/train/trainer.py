"""Occam training (SPEC 5): penalised Adam/SGD, proximal gradient, λ sweeps, checkpoints.

Objective on a minibatch B (see :mod:`occam.train.config`): J(θ) = loss_B(θ) + λ · C(θ; B).

- ``adam`` / ``sgd``: one optimiser step on ∇J per minibatch (:mod:`occam.train.optim`, the same
  updates as ``torch.optim.Adam``/``SGD`` without their import cost).
- ``prox`` (weighted-ℓ1 penalties C = Σ_p |θ_p| s_p): with the weights s_p computed at θ_t on B and
  held fixed (detached), one proximal-gradient step

      θ_{t+1} = S_{λ η_t s}(θ_t − η_t ∇ loss_B(θ_t)),   S_τ(u) = sign(u) · max(|u| − τ, 0)

  (soft-thresholding with per-parameter thresholds λ·η_t·s_p), which produces exact zeros.

Masked entries (``model.set_masks``) are zeroed at the start and after every step, so they stay 0.

Determinism: initialisation uses the ResNet's own seeded generator and the minibatch order a
separate seeded ``torch.Generator``; nothing reads torch's global RNG, so the same seed on the same
CPU gives bit-identical parameters. A checkpoint stores the model, optimiser state, minibatch
generator state (with the current epoch permutation) and history, so a resumed run continues with
exactly the same minibatches and ends with bit-identical parameters.
"""

from __future__ import annotations

import copy
import hashlib
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from occam import complexity
from occam._atomic import remove_stale_temporaries
from occam.errors import OccamError
from occam.nets import ResNet
from occam.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from occam.train.config import (
    RESUMABLE_FIELDS,
    TrainConfig,
    as_config,
    learning_rate,
    loss_value,
    penalty_value,
    penalty_weights,
)
from occam.train.optim import make_optimizer

Callback = Callable[[int, ResNet], None]


class TrainingDivergedError(OccamError, RuntimeError):
    """The loss, the penalty or a parameter became NaN or infinite during training.

    ``advice`` says what to change; it blames the learning rate only when neither λ nor the
    data scale explains the overflow (see :func:`_divergence_advice`).
    """

    def __init__(self, step: int, what: str, lr: float, advice: str | None = None) -> None:
        self.step = step
        self.what = what
        self.lr = lr
        if advice is None:
            advice = f"try a smaller learning rate (lr={lr:g} now, e.g. lr={lr / 10:g})"
        self.advice = advice
        super().__init__(f"training diverged at step {step}: {what} is not finite; {advice}")

    def __reduce__(self):
        return (type(self), (self.step, self.what, self.lr, self.advice))


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped :func:`train` between two steps; ``step`` steps are done and, when
    training had a checkpoint path, saved to ``checkpoint`` (rerun the same call to resume)."""

    def __init__(self, step: int, checkpoint: Path | None) -> None:
        self.step = step
        self.checkpoint = checkpoint
        saved = f"; saved to {checkpoint}" if checkpoint is not None else " (no checkpoint)"
        super().__init__(f"training interrupted after step {step}{saved}")


#: beyond this magnitude a squared error overflows float64 (1e154² ≈ 1e308)
_OVERFLOW_SCALE = 1e150


def _divergence_advice(
    config: TrainConfig, lr: float, loss: float, penalty: float, data_scale: float
) -> str:
    """Name the likely cause of a non-finite objective or parameter, from the last finite-or-not
    loss and penalty values: the data scale, then λ, else the learning rate."""
    if data_scale > _OVERFLOW_SCALE or (not math.isfinite(loss) and data_scale > 1e100):
        return (
            f"the data has values up to {data_scale:.3g}, where squared errors overflow float64: "
            "rescale the data (e.g. to [-1, 1])"
        )
    lam_term = config.lam * penalty if config.penalty != "none" else 0.0
    lam_dominates = math.isfinite(penalty) and (
        not math.isfinite(lam_term) or lam_term > 1e12 * (1.0 + abs(loss))
    )
    if config.lam > 0 and lam_dominates:
        return (
            f"λ·C(θ) = {config.lam:g}·{penalty:.3g} overwhelms the loss ({loss:.3g}): λ is too "
            f"large; use a smaller λ (lam={config.lam:g} now)"
        )
    return f"try a smaller learning rate (lr={lr:g} now, e.g. lr={lr / 10:g})"


@contextmanager
def _deferred_interrupt() -> Iterator[dict[str, bool]]:
    """Turn the first Ctrl-C into a flag that the training loop checks between steps (so the
    checkpoint it then writes holds a consistent state); a second Ctrl-C interrupts at once.
    Only in the main thread and only when SIGINT has Python's default handler."""
    flag = {"hit": False}
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield flag
        return

    def handler(signum: int, frame: object) -> None:
        flag["hit"] = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass
class TrainResult:
    """Outcome of :func:`train`.

    model: the trained ResNet; history: one dict per logged step with keys step, lr, loss,
    penalty, objective (= loss + λ·penalty, on the whole training set), train_error, test_error
    (None without a test set) and nonzeros; config: the TrainConfig used; resumed_from: the
    checkpoint step training resumed from (None for a fresh run). The errors are the RMS error
    (1/n Σ ‖f(x_i) − y_i‖²)^{1/2} for the ``mse`` loss and the misclassification rate of sign(f)
    for the ``logistic`` loss.
    """

    model: ResNet
    history: list[dict[str, Any]]
    config: TrainConfig
    resumed_from: int | None = None

    @property
    def final(self) -> dict[str, Any]:
        """The last history row."""
        return self.history[-1]


# -- data ------------------------------------------------------------------------------------------
def _as_xy(x: Any, y: Any, dtype: torch.dtype, names: tuple[str, str]) -> tuple[Tensor, Tensor]:
    xn, yn = names
    x = torch.as_tensor(np.asarray(x) if not isinstance(x, Tensor) else x).detach()
    y = torch.as_tensor(np.asarray(y) if not isinstance(y, Tensor) else y).detach()
    if x.ndim == 1:
        x = x[:, None]
    if y.ndim == 1:
        y = y[:, None]
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError(
            f"{xn}, {yn}: expected 2-D arrays (n, d), got shapes {tuple(x.shape)}, {tuple(y.shape)}"
        )
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{xn} has {x.shape[0]} rows but {yn} has {y.shape[0]}")
    if x.shape[0] == 0:
        raise ValueError(f"{xn}: the sample is empty (n = 0)")
    if not (x.is_floating_point() or x.dtype in (torch.int32, torch.int64, torch.bool)):
        raise TypeError(f"{xn}: expected real numbers, got dtype {x.dtype}")
    x, y = x.to(dtype), y.to(dtype)
    for name, t in ((xn, x), (yn, y)):
        if not torch.isfinite(t).all():
            row = int(torch.nonzero(~torch.isfinite(t))[0, 0])
            raise ValueError(f"{name}: row {row} (0-based) contains NaN or infinite values")
    return x.contiguous(), y.contiguous()


def _check_labels(y: Tensor, loss: str, name: str) -> None:
    if loss == "logistic" and not torch.all((y == 1) | (y == -1)):
        raise ValueError(f"{name}: the logistic loss needs labels in {{-1, +1}}")


def _fingerprint(x: Tensor, y: Tensor) -> str:
    digest = hashlib.sha256()
    for t in (x, y):
        digest.update(str(tuple(t.shape)).encode())
        digest.update(t.to(torch.float64).numpy().tobytes())
    return digest.hexdigest()


def error(model: ResNet, x: Any, y: Any, norm: str = "l2") -> float:
    """Error of f_θ on a sample (SPEC 1).

    ``l2``: (1/n Σ_i ‖f(x_i) − y_i‖²₂)^{1/2} (RMS of the per-point Euclidean error);
    ``linf``: max_i max_o |f_o(x_i) − y_{io}|.
    """
    if norm not in ("l2", "linf"):
        raise ValueError(f"norm: expected 'l2' or 'linf', got {norm!r}")
    x, y = _as_xy(x, y, model.V_out.dtype, ("x", "y"))
    if y.shape[1] != model.config.d_out:
        raise ValueError(f"y: expected {model.config.d_out} column(s), got {y.shape[1]}")
    with torch.no_grad():
        diff = model(x) - y
        if norm == "l2":
            return float(torch.sqrt((diff**2).sum(dim=1).mean()))
        return float(diff.abs().max())


def _task_error(model: ResNet, x: Tensor, y: Tensor, loss: str) -> float:
    """RMS error for ``mse``; misclassification rate of sign(f) for ``logistic``."""
    if loss == "logistic":
        with torch.no_grad():
            return float((torch.sign(model(x)) != y).to(torch.float64).mean())
    return error(model, x, y, "l2")


# -- minibatches -----------------------------------------------------------------------------------
class _Batches:
    """Epoch-shuffled minibatches from a seeded ``torch.Generator`` (full batch if size >= n).

    Within an epoch the batches are consecutive slices of a random permutation; when fewer than
    ``size`` indices remain, a new permutation starts (the remainder varies by epoch).
    """

    def __init__(self, n: int, size: int | None, seed: int) -> None:
        self.n = n
        self.size = None if size is None or size >= n else size
        self.generator = torch.Generator().manual_seed((seed * 0x9E3779B1 + 0x5851F42D) % 2**63)
        self.perm = torch.zeros(0, dtype=torch.int64)
        self.pos = 0

    def next(self) -> Tensor | None:
        if self.size is None:
            return None
        if self.pos + self.size > self.perm.numel():
            self.perm = torch.randperm(self.n, generator=self.generator)
            self.pos = 0
        rows = self.perm[self.pos : self.pos + self.size]
        self.pos += self.size
        return rows

    def state(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state(), "perm": self.perm.clone(), "pos": self.pos}

    def load_state(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.perm = state["perm"].clone()
        self.pos = int(state["pos"])


# -- pieces of the loop ----------------------------------------------------------------------------
def _masked_parameters(model: ResNet) -> list[tuple[Tensor, Tensor]]:
    """(raw parameter, complement of its mask) per masked matrix (masks are fixed in training)."""
    pairs = []
    for name in model.matrix_names():
        mask = model.mask(name)
        if mask is not None:
            pairs.append((model.raw_matrix(name), ~mask))
    return pairs


def _apply_masks(pairs: list[tuple[Tensor, Tensor]]) -> None:
    """Set the masked-out raw entries to exactly 0 (a fill, so even a NaN there is cleared)."""
    with torch.no_grad():
        for param, masked_out in pairs:
            param.masked_fill_(masked_out, 0.0)


def _soft_threshold(model: ResNet, weights: dict[str, Tensor], scale: float) -> None:
    """θ_p ← sign(θ_p) max(|θ_p| − scale · s_p, 0) for every matrix (scale = λ η_t)."""
    with torch.no_grad():
        for name in model.matrix_names():
            param = model.raw_matrix(name)
            threshold = scale * weights[name].to(param.dtype)
            param.copy_(torch.sign(param) * torch.clamp(param.abs() - threshold, min=0.0))


def _parameters_finite(params: list[Tensor]) -> bool:
    """All entries finite: max-abs per tensor (no overflow, unlike a 2-norm) in one fused call."""
    with torch.no_grad():
        return bool(torch.isfinite(torch.stack(torch._foreach_norm(params, ord=math.inf))).all())


def _record(
    model: ResNet,
    config: TrainConfig,
    step: int,
    lr: float,
    data: tuple[Tensor, Tensor],
    test: tuple[Tensor, Tensor] | None,
) -> dict[str, Any]:
    x, y = data
    with torch.no_grad():
        loss = float(loss_value(model(x), y, config.loss))
    penalty = float(penalty_value(model, config.penalty, x).detach())
    return {
        "step": step,
        "lr": lr,
        "loss": loss,
        "penalty": penalty,
        "objective": loss + config.lam * penalty,
        "train_error": _task_error(model, x, y, config.loss),
        "test_error": None if test is None else _task_error(model, *test, config.loss),
        "nonzeros": model.n_nonzero(),
    }


def _progress_bar(enabled: bool, total: int, description: str):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    show = enabled and sys.stderr.isatty()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
        console=Console(stderr=True),
        disable=not show,
        transient=False,
    )
    task_id = progress.add_task(description, total=total, status="")
    return progress, task_id


def _check_resume(saved: dict[str, Any], config: TrainConfig, fingerprint: str, path: Path) -> None:
    mine = config.to_dict()
    theirs = dict(saved["config"])
    diffs = [
        f"{k}: checkpoint {theirs.get(k)!r}, now {mine[k]!r}"
        for k in mine
        if k not in RESUMABLE_FIELDS and theirs.get(k) != mine[k]
    ]
    if diffs:
        raise CheckpointError(
            path,
            0,
            "cannot resume, the checkpoint was written with a different config "
            f"({'; '.join(diffs)}); delete it or use another checkpoint path",
        )
    if saved.get("data_fingerprint") not in (None, fingerprint):
        raise CheckpointError(
            path, 0, "cannot resume, the checkpoint was written for different data"
        )
    if int(saved["step"]) > config.steps:
        raise CheckpointError(
            path, 0, f"the checkpoint is at step {saved['step']}, beyond steps={config.steps}"
        )


def _validated_data(
    x: Any, y: Any, x_test: Any, y_test: Any, config: TrainConfig
) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor] | None]:
    """(x, y) and the optional test pair as tensors of ``config``'s dtype, with matching columns."""
    dtype = config.torch_dtype
    x_t, y_t = _as_xy(x, y, dtype, ("x", "y"))
    _check_labels(y_t, config.loss, "y")
    test = None
    if (x_test is None) != (y_test is None):
        raise ValueError("x_test and y_test must be given together")
    if x_test is not None:
        test = _as_xy(x_test, y_test, dtype, ("x_test", "y_test"))
        _check_labels(test[1], config.loss, "y_test")
        if test[0].shape[1] != x_t.shape[1] or test[1].shape[1] != y_t.shape[1]:
            raise ValueError(
                f"x_test, y_test: expected {x_t.shape[1]} and {y_t.shape[1]} columns, got "
                f"{test[0].shape[1]} and {test[1].shape[1]}"
            )
    return x_t, y_t, test


def _initial_model(
    model: ResNet | None, config: TrainConfig, d_in: int, d_out: int
) -> tuple[ResNet, TrainConfig]:
    """A fresh seeded ResNet, or a copy of ``model`` (whose architecture then replaces
    config.width/hidden/depth in the returned config)."""
    dtype = config.torch_dtype
    if model is None:
        net = ResNet(
            d_in,
            config.width,
            config.hidden,
            config.depth,
            d_out,
            dtype=dtype,
            seed=config.seed,
            init_scale=config.init_scale,
        )
        return net, config
    if not isinstance(model, ResNet):
        raise TypeError(f"model: expected an occam ResNet, got {type(model).__name__}")
    if (model.config.d_in, model.config.d_out) != (d_in, d_out):
        raise ValueError(
            f"model: has d_in={model.config.d_in}, d_out={model.config.d_out} but the data "
            f"has {d_in} input and {d_out} output column(s)"
        )
    net = copy.deepcopy(model).to(dtype)
    arch = {k: getattr(net.config, k) for k in ("width", "hidden", "depth")}
    return net, TrainConfig.model_validate({**config.to_dict(), **arch})


class _Run:
    """The mutable state of one :func:`train` call: model (masks applied), optimiser, minibatch
    order, history and the step of the checkpoint on disk (``written``, -1 for none)."""

    def __init__(
        self,
        config: TrainConfig,
        net: ResNet,
        data: tuple[Tensor, Tensor],
        test: tuple[Tensor, Tensor] | None,
        path: Path | None,
    ) -> None:
        self.config, self.net, self.data, self.test, self.path = config, net, data, test, path
        net.train()
        self.masked = _masked_parameters(net)
        _apply_masks(self.masked)
        self.params = list(net.parameters())
        self.optimizer = make_optimizer(config.optimizer, self.params)
        self.batches = _Batches(data[0].shape[0], config.batch_size, config.seed)
        self.fingerprint = _fingerprint(*data)
        self.data_scale = float(max(data[0].abs().max(), data[1].abs().max()))
        self.history: list[dict[str, Any]] = []
        self.written = -1
        self.resumed_from: int | None = None

    def resume(self) -> int:
        """Load the checkpoint at ``path`` when there is one; return the step to start from.
        Temporaries left by a run killed while writing its checkpoint are removed first."""
        if self.path is None:
            return 0
        remove_stale_temporaries(self.path)
        if not self.path.exists():
            return 0
        saved = load_checkpoint(self.path)
        _check_resume(saved, self.config, self.fingerprint, self.path)
        self.net.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.batches.load_state(saved["rng"])
        self.history = [dict(row) for row in saved["history"]]
        self.resumed_from = self.written = int(saved["step"])
        return self.resumed_from

    def write_checkpoint(self, step: int) -> None:
        if self.path is not None:
            self.written = step
            save_checkpoint(
                self.path,
                self.net,
                self.optimizer.state_dict(),
                step,
                self.config,
                self.batches.state(),
                self.history,
                data_fingerprint=self.fingerprint,
            )

    def _diverged(
        self, step: int, what: str, lr: float, loss: float, penalty: float
    ) -> TrainingDivergedError:
        advice = _divergence_advice(self.config, lr, loss, penalty, self.data_scale)
        return TrainingDivergedError(step, what, lr, advice)

    def step(self, step: int) -> float:
        """One optimisation step (0-based ``step``) on the next minibatch: the penalised step
        (adam/sgd) or the proximal one (prox), then the masks. Raises TrainingDivergedError on a
        non-finite objective or parameter. Returns the learning rate used."""
        config, net = self.config, self.net
        x_t, y_t = self.data
        lr = learning_rate(config, step)
        rows = self.batches.next()
        xb, yb = (x_t, y_t) if rows is None else (x_t[rows], y_t[rows])
        self.optimizer.zero_grad()
        loss = loss_value(net(xb), yb, config.loss)
        penalty = None
        if config.optimizer == "prox":
            weights = penalty_weights(net, config.penalty, xb) if config.lam > 0 else None
            objective = loss
        elif config.lam > 0 and config.penalty != "none":
            penalty = penalty_value(net, config.penalty, xb)
            objective = loss + config.lam * penalty
        else:
            objective = loss
        last = (float(loss.detach()), 0.0 if penalty is None else float(penalty.detach()))
        if not bool(torch.isfinite(objective)):
            what = f"the objective ({float(objective.detach())})"
            raise self._diverged(step + 1, what, lr, *last)
        objective.backward()
        self.optimizer.step(lr)
        if config.optimizer == "prox" and weights is not None:
            _soft_threshold(net, weights, config.lam * lr)
        _apply_masks(self.masked)
        if not _parameters_finite(self.params):
            raise self._diverged(step + 1, "a parameter", lr, *last)
        return lr

    def log(self, done: int, lr: float) -> dict[str, Any] | None:
        """Append the history row of step ``done`` when it is due (every log_every steps and
        the last); return it (None when not due). Raises on a non-finite full-data objective."""
        config = self.config
        if not (done % config.log_every == 0 or done == config.steps):
            return None
        row = _record(self.net, config, done, lr, self.data, self.test)
        if not math.isfinite(row["objective"]):
            what = f"the objective ({row['objective']})"
            raise self._diverged(done, what, lr, row["loss"], row["penalty"])
        self.history.append(row)
        return row


# -- public entry points ---------------------------------------------------------------------------
def train(
    x: Any,
    y: Any,
    config: TrainConfig | dict[str, Any] | None = None,
    *,
    x_test: Any = None,
    y_test: Any = None,
    checkpoint: str | Path | None = None,
    progress: bool = True,
    model: ResNet | None = None,
    callback: Callback | None = None,
) -> TrainResult:
    """Train a ResNet (SPEC 3) on (x, y) with the Occam objective J = loss + λ·C (SPEC 5).

    Parameters
    ----------
    x, y: training sample, (n, d_in) and (n, d_out) or (n,); numpy arrays or tensors.
    config: a :class:`TrainConfig` (or dict of its fields); None means the defaults.
    x_test, y_test: optional test sample, logged as ``test_error``.
    checkpoint: path of the checkpoint file. If it exists, training resumes from it (its config
        must agree with ``config`` except for steps/log_every/checkpoint_every, and its data
        fingerprint with (x, y)); it is written every ``config.checkpoint_every`` steps and at the
        end.
    progress: show a rich progress bar (only when stderr is a terminal).
    model: start from this ResNet (copied, never modified; its masks are kept) instead of a fresh
        one; its architecture replaces config.width/hidden/depth in ``result.config``.
    callback: called as ``callback(step, model)`` after every step (after any checkpoint of that
        step); an exception it raises stops training (used to simulate interruptions).

    Returns a :class:`TrainResult`. Raises :class:`TrainingDivergedError` when the objective or a
    parameter becomes NaN/inf, naming the step and the likely cause (data scale, λ or learning
    rate). A first Ctrl-C stops training after the current step, writes the checkpoint (when a
    path is given) and raises :class:`TrainingInterrupted` (a ``KeyboardInterrupt``); temporary
    files that a killed checkpoint write left beside the path are removed at the start.
    """
    config = as_config(config)
    x_t, y_t, test = _validated_data(x, y, x_test, y_test, config)
    net, config = _initial_model(model, config, x_t.shape[1], y_t.shape[1])
    path = Path(checkpoint) if checkpoint is not None else None
    run = _Run(config, net, (x_t, y_t), test, path)
    start = run.resume()
    if start == 0:
        run.history.append(_record(net, config, 0, learning_rate(config, 0), (x_t, y_t), test))
    bar, bar_task = _progress_bar(progress, config.steps, f"train λ={config.lam:g}")
    with bar, _deferred_interrupt() as interrupt:
        bar.update(bar_task, completed=start)
        for step in range(start, config.steps):
            lr = run.step(step)
            done = step + 1
            row = run.log(done, lr)
            if row is not None:
                bar.update(bar_task, status=f"loss {row['loss']:.3g} C {row['penalty']:.3g}")
            if config.checkpoint_every and done % config.checkpoint_every == 0:
                run.write_checkpoint(done)
            bar.update(bar_task, advance=1)
            if callback is not None:
                callback(done, net)
            if interrupt["hit"]:  # Ctrl-C during this step: save it, then stop
                if run.written != done:
                    run.write_checkpoint(done)
                raise TrainingInterrupted(done, path)
    if path is not None and run.written != config.steps:
        run.write_checkpoint(config.steps)
    net.eval()
    return TrainResult(net, run.history, config, run.resumed_from)


def sweep(
    x: Any,
    y: Any,
    config: TrainConfig | dict[str, Any] | None,
    lams: Sequence[float],
    *,
    x_test: Any = None,
    y_test: Any = None,
    progress: bool = True,
    model: ResNet | None = None,
    checkpoint_dir: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Train once per λ (same seed and initial model) and return the frontier rows (SPEC 5).

    Each row: ``lam``, ``train_error``, ``test_error`` (None without a test set), ``complexity``
    (R̃ on the test set, or on the training set without one), ``penalty`` and ``objective``
    (final, training set), ``nonzeros``, ``config`` (dict) and ``state_dict`` (the trained model's,
    loadable into ``occam.ResNet`` of the row's architecture). With ``checkpoint_dir`` every run
    checkpoints to ``lam_<i>.pt`` there, so an interrupted sweep resumes.
    """
    config = as_config(config)
    lams = [float(v) for v in lams]
    if not lams:
        raise ValueError("lams: give at least one value of λ")
    bad = [v for v in lams if not math.isfinite(v) or v < 0]
    if bad:
        raise ValueError(f"lams: every λ must be finite and >= 0, got {bad}")
    rows = []
    bar, bar_task = _progress_bar(progress, len(lams), "λ sweep")
    with bar:
        for i, lam in enumerate(lams):
            cfg = TrainConfig.model_validate({**config.to_dict(), "lam": lam})
            ckpt = None if checkpoint_dir is None else Path(checkpoint_dir) / f"lam_{i}.pt"
            result = train(
                x,
                y,
                cfg,
                x_test=x_test,
                y_test=y_test,
                checkpoint=ckpt,
                progress=False,
                model=model,
            )
            net = result.model
            x_eval = x if x_test is None else x_test
            x_eval = _as_xy(x_eval, np.zeros((len(x_eval), 1)), net.V_out.dtype, ("x", "y"))[0]
            final = result.final
            rows.append(
                {
                    "lam": lam,
                    "train_error": final["train_error"],
                    "test_error": final["test_error"],
                    "complexity": float(complexity.evaluate(net, "ideal", x=x_eval).detach()),
                    "penalty": final["penalty"],
                    "objective": final["objective"],
                    "nonzeros": net.n_nonzero(),
                    "config": result.config.to_dict(),
                    "state_dict": {k: v.detach().clone() for k, v in net.state_dict().items()},
                }
            )
            bar.update(bar_task, advance=1)
    return rows
