"""Default hyperparameters of an Occam training run, in one place (SPEC 5).

:class:`occam.train.TrainConfig`, the estimator :class:`occam.train.ResNetRegressor` and the
``occam train`` command all read their defaults from :data:`TRAIN_DEFAULTS`, so the ResNet
architecture (SPEC 3: width w, hidden k, depth L) and the optimiser settings are stated once.
The module imports nothing, so the command line can show the defaults without loading PyTorch.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TRAIN_DEFAULTS", "TrainDefaults"]


@dataclass(frozen=True)
class TrainDefaults:
    """Default values of the :class:`occam.train.TrainConfig` fields of the same names."""

    width: int = 16
    hidden: int = 16
    depth: int = 3
    penalty: str = "ideal"
    lam: float = 1e-3
    optimizer: str = "adam"
    lr: float = 1e-2
    lr_schedule: str = "constant"
    steps: int = 2000
    batch_size: int | None = 128
    loss: str = "mse"
    seed: int = 0
    dtype: str = "float64"
    init_scale: float = 1.0
    log_every: int = 50
    checkpoint_every: int = 500


TRAIN_DEFAULTS = TrainDefaults()
