"""Occam training (SPEC 5): minimise loss + λ·complexity, λ sweeps, checkpoints.

``train(x, y, config)`` fits a ResNet (SPEC 3) with penalised Adam/SGD or proximal gradient;
``sweep`` repeats it over λ and returns the frontier; ``save_model``/``load_model`` store finished
models, ``save_checkpoint``/``load_checkpoint`` resumable runs; ``ResNetRegressor`` wraps it all in
the scikit-learn contract.
"""

from occam.train.checkpoint import (
    CheckpointError,
    load_checkpoint,
    load_model,
    save_checkpoint,
    save_model,
)
from occam.train.config import LOSSES, OPTIMIZERS, PENALTIES, WEIGHTED_L1, TrainConfig
from occam.train.estimator import NotFittedError, ResNetRegressor
from occam.train.trainer import (
    TrainingDivergedError,
    TrainingInterrupted,
    TrainResult,
    error,
    sweep,
    train,
)

__all__ = [
    "LOSSES",
    "OPTIMIZERS",
    "PENALTIES",
    "WEIGHTED_L1",
    "CheckpointError",
    "NotFittedError",
    "ResNetRegressor",
    "TrainConfig",
    "TrainResult",
    "TrainingDivergedError",
    "TrainingInterrupted",
    "error",
    "load_checkpoint",
    "load_model",
    "save_checkpoint",
    "save_model",
    "sweep",
    "train",
]
