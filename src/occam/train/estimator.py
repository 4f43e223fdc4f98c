"""``ResNetRegressor``: a scikit-learn-style estimator around :func:`occam.train.train`.

The constructor only stores hyperparameters (validated in ``fit``); ``fit`` sets ``model_``,
``history_``, ``config_``, ``n_iter_`` and ``complexity_`` (R̃ of SPEC 4.2 on the training inputs).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import torch

from occam import complexity
from occam.defaults import TRAIN_DEFAULTS as _D
from occam.errors import NotFittedError
from occam.train.config import TrainConfig
from occam.train.trainer import train


class ResNetRegressor:
    """Occam-regularised ResNet regression (SPEC 3, 5) with the scikit-learn contract.

    Parameters are the :class:`~occam.train.TrainConfig` fields of the same names (same
    defaults, :data:`occam.defaults.TRAIN_DEFAULTS`) plus ``progress``. ``fit(X, y)`` returns
    ``self``; ``predict(X)`` returns an array shaped like the ``y`` given to ``fit`` ((n,) for
    1-D targets, else (n, d_out)).
    """

    def __init__(
        self,
        width: int = _D.width,
        hidden: int = _D.hidden,
        depth: int = _D.depth,
        lam: float = _D.lam,
        penalty: str = _D.penalty,
        optimizer: str = _D.optimizer,
        lr: float = _D.lr,
        lr_schedule: str = _D.lr_schedule,
        steps: int = _D.steps,
        batch_size: int | None = _D.batch_size,
        loss: str = _D.loss,
        seed: int = _D.seed,
        dtype: str = _D.dtype,
        init_scale: float = _D.init_scale,
        log_every: int = _D.log_every,
        progress: bool = False,
    ) -> None:
        self.width = width
        self.hidden = hidden
        self.depth = depth
        self.lam = lam
        self.penalty = penalty
        self.optimizer = optimizer
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.steps = steps
        self.batch_size = batch_size
        self.loss = loss
        self.seed = seed
        self.dtype = dtype
        self.init_scale = init_scale
        self.log_every = log_every
        self.progress = progress

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (scikit-learn contract)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> ResNetRegressor:
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"ResNetRegressor: unknown parameter {name!r}; valid: {sorted(valid)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"ResNetRegressor({args})"

    def fit(self, X: Any, y: Any) -> ResNetRegressor:
        """Train on X (n, d_in) and y (n,) or (n, d_out); returns self."""
        params = self.get_params()
        progress = params.pop("progress")
        config = TrainConfig(**params)
        y_arr = np.asarray(y)
        self._y_1d = y_arr.ndim == 1
        result = train(X, y, config, progress=progress)
        self.model_ = result.model
        self.history_ = result.history
        self.config_ = result.config
        self.n_iter_ = config.steps
        x_t = torch.as_tensor(np.asarray(X), dtype=result.model.V_out.dtype)
        if x_t.ndim == 1:
            x_t = x_t[:, None]
        self.complexity_ = float(complexity.evaluate(self.model_, "ideal", x=x_t).detach())
        return self

    def predict(self, X: Any) -> np.ndarray:
        """f_θ(X) as a float64 numpy array."""
        if not hasattr(self, "model_"):
            raise NotFittedError(
                "This ResNetRegressor instance is not fitted yet; call fit(X, y) first"
            )
        x = np.asarray(X, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        d_in = self.model_.config.d_in
        if x.ndim != 2 or x.shape[1] != d_in:
            raise ValueError(f"X: expected shape (n, {d_in}), got {np.shape(X)}")
        with torch.no_grad():
            out = self.model_(torch.as_tensor(x)).to(torch.float64).numpy()
        return out[:, 0] if self._y_1d else out

    def score(self, X: Any, y: Any) -> float:
        """Coefficient of determination R² of the prediction (scikit-learn convention)."""
        pred = self.predict(X)
        y = np.asarray(y, dtype=np.float64).reshape(pred.shape)
        ss_res = float(np.sum((y - pred) ** 2))
        ss_tot = float(np.sum((y - y.mean(axis=0)) ** 2))
        return 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
