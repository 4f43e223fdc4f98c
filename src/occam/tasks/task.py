"""The :class:`Task` object: a target function or a data set on a box Ω (SPEC 1, issue 2 item 4).

A task bundles the domain Ω (a :class:`~occam.tasks.box.Box`), the input and output dimensions,
the data distribution π (uniform on Ω unless the task says otherwise) and either a target
function f*: Ω → R^{d_out} or a fixed sample (data tasks). Everything is float64 numpy; tasks never
import torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from occam.tasks.box import Box

TargetFn = Callable[[np.ndarray], np.ndarray]
Sampler = Callable[[int, np.random.Generator], np.ndarray]


def _check_count(name: str, n: object, minimum: int = 0) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(n).__name__} {n!r}")
    if int(n) < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {n}")
    return int(n)


@dataclass(frozen=True, eq=False)
class Task:
    """A learning task on Ω ⊂ R^{d_in} with outputs in R^{d_out}.

    Attributes
    ----------
    name: registry name (``"smooth2d"``) or ``"data:<file>"`` for loaded data.
    domain: the box Ω.
    d_in, d_out: input and output dimensions.
    fn: the target f* (maps float64 (n, d_in) to (n, d_out)); ``None`` for data tasks.
    description: one line for reports.
    params: the parameters the task was built with (JSON-compatible).
    sampler: draws n inputs from π given a ``numpy.random.Generator``; ``None`` means uniform on Ω.
    data: ``(x, y)`` float64 arrays for data tasks (``fn`` is then ``None``).
    default_loss: ``"mse"``, or ``"logistic"`` for tasks with ±1 labels (parity).
    extras: task-specific arrays (e.g. the teacher's matrices).
    """

    name: str
    domain: Box
    d_in: int
    d_out: int
    fn: TargetFn | None = None
    description: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    sampler: Sampler | None = None
    data: tuple[np.ndarray, np.ndarray] | None = None
    default_loss: str = "mse"
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.domain, Box):
            raise TypeError(f"Task {self.name!r}: domain must be a Box, got {self.domain!r}")
        if self.domain.dim != self.d_in:
            raise ValueError(
                f"Task {self.name!r}: domain has dimension {self.domain.dim}, d_in is {self.d_in}"
            )
        if (self.fn is None) == (self.data is None):
            raise ValueError(f"Task {self.name!r}: give exactly one of a target fn or data")
        if self.data is not None:
            x = np.array(self.data[0], dtype=np.float64)  # private read-only copies
            y = np.array(self.data[1], dtype=np.float64)
            if (
                x.ndim != 2
                or y.ndim != 2
                or x.shape != (x.shape[0], self.d_in)
                or y.shape != (x.shape[0], self.d_out)
            ):
                raise ValueError(
                    f"Task {self.name!r}: data shapes {x.shape}, {y.shape} do not match "
                    f"d_in={self.d_in}, d_out={self.d_out}"
                )
            x.setflags(write=False)
            y.setflags(write=False)
            object.__setattr__(self, "data", (x, y))
        if self.default_loss not in ("mse", "logistic"):
            raise ValueError(f"Task {self.name!r}: default_loss must be 'mse' or 'logistic'")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "extras", MappingProxyType(dict(self.extras)))

    # -- target ---------------------------------------------------------------------------------
    @property
    def is_data(self) -> bool:
        """True for a task given by a fixed sample (``target`` is then ``None``)."""
        return self.data is not None

    @property
    def n_data(self) -> int | None:
        """Number of rows of a data task (``None`` for target tasks)."""
        return None if self.data is None else int(self.data[0].shape[0])

    @property
    def target(self) -> TargetFn | None:
        """The checked target x (n, d_in) -> f*(x) (n, d_out), float64; ``None`` for data tasks."""
        if self.fn is None:
            return None
        return self._evaluate

    def _evaluate(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.d_in:
            raise ValueError(
                f"Task {self.name!r}: target expects x of shape (n, {self.d_in}), got {x.shape}"
            )
        assert self.fn is not None
        y = np.asarray(self.fn(x), dtype=np.float64)
        if y.shape != (x.shape[0], self.d_out):
            raise AssertionError(f"Task {self.name!r}: target returned shape {y.shape}")
        return y

    # -- sampling -------------------------------------------------------------------------------
    def sample_x(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """n inputs from the task's distribution π, float64 (n, d_in) (target tasks only)."""
        n = _check_count("n", n)
        if self.data is not None:
            raise ValueError(f"Task {self.name!r} is a data task; use sample() or train_test()")
        rng = np.random.default_rng(rng)
        if self.sampler is None:
            return self.domain.sample(n, rng)
        return np.asarray(self.sampler(n, rng), dtype=np.float64).reshape(n, self.d_in)

    def sample(
        self, n: int, rng: np.random.Generator | int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """n labelled points (x (n, d_in), y (n, d_out)), float64.

        Target tasks draw x ~ π and set y = f*(x). Data tasks draw n distinct rows of the data
        uniformly without replacement (n must not exceed the number of rows).
        """
        n = _check_count("n", n)
        rng = np.random.default_rng(rng)
        if self.data is not None:
            x, y = self.data
            if n > x.shape[0]:
                raise ValueError(
                    f"Task {self.name!r}: asked for n={n} rows but the data has {x.shape[0]}"
                )
            rows = rng.permutation(x.shape[0])[:n]
            return x[rows].copy(), y[rows].copy()
        x = self.sample_x(n, rng)
        return x, self._evaluate(x)

    def train_test(
        self, n_train: int, n_test: int, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(x_train, y_train, x_test, y_test), reproducible from ``seed``.

        Target tasks: two independent samples of sizes n_train and n_test from streams spawned
        from ``numpy.random.default_rng(seed)``. Data tasks: a random split of the rows into
        disjoint train and test parts (n_train + n_test must not exceed the number of rows).
        """
        n_train = _check_count("n_train", n_train, 1)
        n_test = _check_count("n_test", n_test)
        seed = _check_count("seed", seed)
        rng = np.random.default_rng(seed)
        if self.data is not None:
            x, y = self.data
            if n_train + n_test > x.shape[0]:
                raise ValueError(
                    f"Task {self.name!r}: n_train + n_test = {n_train + n_test} exceeds the "
                    f"{x.shape[0]} rows of the data"
                )
            rows = rng.permutation(x.shape[0])
            tr, te = rows[:n_train], rows[n_train : n_train + n_test]
            return x[tr].copy(), y[tr].copy(), x[te].copy(), y[te].copy()
        rng_train, rng_test = rng.spawn(2)
        x_tr, y_tr = self.sample(n_train, rng_train)
        x_te, y_te = self.sample(n_test, rng_test)
        return x_tr, y_tr, x_te, y_te

    def __repr__(self) -> str:
        kind = f"data, n={self.n_data}" if self.is_data else "target"
        return (
            f"Task({self.name!r}, d_in={self.d_in}, d_out={self.d_out}, {kind}, "
            f"domain=[{list(self.domain.lower)}, {self.domain.high.tolist()}])"
        )
