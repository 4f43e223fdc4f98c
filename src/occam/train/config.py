"""Configuration and pure pieces of Occam training (SPEC 5): the config, losses, penalty, schedule.

The objective on a minibatch B is

    J(θ) = loss_B(θ) + λ · C(θ; B)

with loss_B = (1/|B|) Σ_{i∈B} ‖f_θ(x_i) − y_i‖²₂ (``mse``) or
(1/(|B| d_out)) Σ_{i,o} log(1 + e^{−y_{io} f_o(x_i)}) (``logistic``, labels ±1), and C one of the
measures of SPEC 4 evaluated by ``occam.complexity.evaluate``: ``ideal`` (R̃ on the minibatch),
``empirical`` (R with minibatch sups), ``l1``, ``l2``, ``path`` (path-norm), or ``none`` (C = 0).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator
from torch import Tensor

from occam import complexity
from occam.defaults import TRAIN_DEFAULTS as _D
from occam.nets import ResNet

PENALTIES = ("ideal", "empirical", "l1", "l2", "path", "none")
WEIGHTED_L1 = ("ideal", "empirical", "l1")  # measures of the form Σ_p |θ_p| s_p (proximal step)
OPTIMIZERS = ("adam", "sgd", "prox")
LOSSES = ("mse", "logistic")
DTYPES = {"float64": torch.float64, "float32": torch.float32}
# Fields that may differ between a checkpoint and the run that resumes it.
RESUMABLE_FIELDS = ("steps", "log_every", "checkpoint_every")


class TrainConfig(BaseModel):
    """Hyperparameters of one Occam training run (JSON-serialisable, immutable).

    width, hidden, depth: the ResNet of SPEC 3 (w, k, L); d_in and d_out come from the data.
    penalty, lam: the complexity C and its weight λ >= 0 in J = loss + λ·C.
    optimizer: ``adam`` or ``sgd`` on J, or ``prox`` (proximal gradient, weighted-ℓ1 penalties).
    lr: the learning rate η; lr_schedule ``constant`` or ``cosine`` (η_t = η (1 + cos(π t/T)) / 2).
    steps: number of optimisation steps T; batch_size: minibatch size (None: full batch).
    loss: ``mse`` or ``logistic`` (labels ±1). seed: seeds initialisation and minibatch order.
    dtype: ``float64`` or ``float32``; init_scale multiplies the initial weights.
    log_every: a history row every this many steps (and at steps 0 and T).
    checkpoint_every: write the checkpoint every this many steps (default 500, so a killed run
        loses little; 0: only at the end). Only used when ``train`` is given a checkpoint path.
    The defaults are :data:`occam.defaults.TRAIN_DEFAULTS` (one place for the CLI, the estimator
    and this config).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    width: int = Field(_D.width, ge=1)
    hidden: int = Field(_D.hidden, ge=1)
    depth: int = Field(_D.depth, ge=0)
    penalty: Literal["ideal", "empirical", "l1", "l2", "path", "none"] = _D.penalty  # type: ignore[assignment]
    lam: float = Field(_D.lam, ge=0.0, allow_inf_nan=False)
    optimizer: Literal["adam", "sgd", "prox"] = _D.optimizer  # type: ignore[assignment]
    lr: float = Field(_D.lr, gt=0.0, allow_inf_nan=False)
    lr_schedule: Literal["constant", "cosine"] = _D.lr_schedule  # type: ignore[assignment]
    steps: int = Field(_D.steps, ge=0)
    batch_size: int | None = Field(_D.batch_size, ge=1)
    loss: Literal["mse", "logistic"] = _D.loss  # type: ignore[assignment]
    seed: int = Field(_D.seed, ge=0)
    dtype: Literal["float64", "float32"] = _D.dtype  # type: ignore[assignment]
    init_scale: float = Field(_D.init_scale, gt=0.0, allow_inf_nan=False)
    log_every: int = Field(_D.log_every, ge=1)
    checkpoint_every: int = Field(_D.checkpoint_every, ge=0)

    @model_validator(mode="after")
    def _check_prox(self) -> TrainConfig:
        if self.optimizer == "prox" and self.penalty not in WEIGHTED_L1:
            raise ValueError(
                f"optimizer 'prox' needs a weighted-l1 penalty {WEIGHTED_L1}, "
                f"got penalty={self.penalty!r}"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible dict (stored in checkpoints)."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        return cls.model_validate(data)

    @property
    def torch_dtype(self) -> torch.dtype:
        return DTYPES[self.dtype]


def as_config(config: TrainConfig | dict[str, Any] | None) -> TrainConfig:
    """Accept a TrainConfig, a dict of its fields, or None (defaults)."""
    if config is None:
        return TrainConfig()
    if isinstance(config, TrainConfig):
        return config
    if isinstance(config, dict):
        return TrainConfig.model_validate(config)
    raise TypeError(f"config: expected a TrainConfig or a dict, got {type(config).__name__}")


def loss_value(output: Tensor, y: Tensor, loss: str) -> Tensor:
    """Mean loss: (1/n) Σ_i ‖f(x_i) − y_i‖²₂ (``mse``); mean of log(1 + e^{−y f}) (``logistic``)."""
    if loss == "mse":
        return ((output - y) ** 2).sum(dim=1).mean()
    if loss == "logistic":
        return torch.nn.functional.softplus(-y * output).mean()
    raise ValueError(f"loss: expected one of {LOSSES}, got {loss!r}")


def penalty_value(model: ResNet, penalty: str, x: Tensor) -> Tensor:
    """C(θ; x) for the configured penalty (0 for ``none``), differentiable in θ."""
    if penalty == "none":
        return torch.zeros((), dtype=model.V_out.dtype)
    if penalty not in PENALTIES:
        raise ValueError(f"penalty: expected one of {PENALTIES}, got {penalty!r}")
    return complexity.evaluate(model, penalty, x=x)


def penalty_weights(model: ResNet, penalty: str, x: Tensor) -> dict[str, Tensor]:
    """Detached per-parameter weights s_p with C = Σ_p |θ_p| s_p (weighted-ℓ1 penalties)."""
    if penalty not in WEIGHTED_L1:
        raise ValueError(f"penalty {penalty!r} is not a weighted-l1 measure {WEIGHTED_L1}")
    with torch.no_grad():
        return {name: w.detach() for name, w in complexity.weights(model, penalty, x=x).items()}


def learning_rate(config: TrainConfig, step: int) -> float:
    """η_t for the step t = 0..T−1 about to be taken (a pure function of the step)."""
    if config.lr_schedule == "cosine" and config.steps > 0:
        return config.lr * 0.5 * (1.0 + math.cos(math.pi * step / config.steps))
    return config.lr
