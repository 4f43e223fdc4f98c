"""Built-in target tasks (issue 2 item 4): ``sine1d``, ``smooth2d``, ``teacher``, ``parity``.

All targets are plain numpy (tasks sit left of nets in the dependency chain and never import
torch). The teacher ResNet is therefore evaluated by a numpy transcription of SPEC 3; its matrices
are exposed in ``task.extras`` so ``occam.nets.ResNet.from_matrices`` rebuilds the same network.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from occam.tasks.box import Box
from occam.tasks.registry import as_float, as_int, register_task
from occam.tasks.task import Task


@register_task("sine1d")
def sine1d(freq: float = 1.0, amplitude: float = 1.0) -> Task:
    """Smooth 1-D target f*(x) = amplitude · sin(π · freq · x) on Ω = [−1, 1]."""
    freq = as_float("sine1d", "freq", freq, positive=True)
    amplitude = as_float("sine1d", "amplitude", amplitude)

    def fn(x: np.ndarray) -> np.ndarray:
        return amplitude * np.sin(np.pi * freq * x)

    return Task(
        name="sine1d",
        domain=Box.cube(1),
        d_in=1,
        d_out=1,
        fn=fn,
        description=f"f(x) = {amplitude:g} sin({freq:g} π x) on [-1, 1]",
        params={"freq": freq, "amplitude": amplitude},
    )


@register_task("smooth2d")
def smooth2d() -> Task:
    """The demo task: f*(x) = sin(π x₁) · cos(π x₂ / 2) on Ω = [−1, 1]².

    Smooth, O(1) in size, with a product structure; a ResNet of width 16, depth 3 fits it to a
    few percent RMS error in about a minute of CPU training.
    """

    def fn(x: np.ndarray) -> np.ndarray:
        return (np.sin(np.pi * x[:, 0]) * np.cos(0.5 * np.pi * x[:, 1]))[:, None]

    return Task(
        name="smooth2d",
        domain=Box.cube(2),
        d_in=2,
        d_out=1,
        fn=fn,
        description="f(x) = sin(π x1) cos(π x2 / 2) on [-1, 1]^2",
        params={},
    )


def teacher_matrices(
    d_in: int,
    width: int,
    hidden: int,
    depth: int,
    d_out: int = 1,
    seed: int = 0,
    init_scale: float = 1.0,
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Random SPEC 3 matrices (V_0..V_{L−1}, W_0..W_{L−1}, V_L), float64, from ``default_rng``.

    The variances are those of ``occam.nets.ResNet``'s initialisation: V_ℓ ~ N(0, 2/(w+1)),
    W_ℓ ~ N(0, 1/(k·max(L, 1))), V_L ~ N(0, 1/(w+1)), all times ``init_scale``. Drawn in the order
    V_0, W_0, V_1, W_1, ..., V_L.
    """
    if width < d_in:
        raise ValueError(f"teacher: width must be >= d_in, got width={width}, d_in={d_in}")
    rng = np.random.default_rng(seed)
    w, k, L = width, hidden, depth
    V, W = [], []
    for _ in range(L):
        V.append(rng.standard_normal((k, w + 1)) * (init_scale * np.sqrt(2.0 / (w + 1))))
        W.append(rng.standard_normal((w, k)) * (init_scale * np.sqrt(1.0 / (k * max(L, 1)))))
    V_out = rng.standard_normal((d_out, w + 1)) * (init_scale * np.sqrt(1.0 / (w + 1)))
    return V, W, V_out


def resnet_forward(
    V: Sequence[np.ndarray], W: Sequence[np.ndarray], V_out: np.ndarray, x: np.ndarray
) -> np.ndarray:
    """SPEC 3 in numpy: α_0 = (x, 0, 1); α_{ℓ+1} = α_ℓ + (W_ℓ σ(V_ℓ α_ℓ), 0); f = V_L α_L."""
    n, d_in = x.shape
    w = V_out.shape[1] - 1
    alpha = np.concatenate([x, np.zeros((n, w - d_in)), np.ones((n, 1))], axis=1)
    for v, wm in zip(V, W, strict=True):
        alpha[:, :w] += np.maximum(alpha @ v.T, 0.0) @ wm.T
    return alpha @ V_out.T


@register_task("teacher")
def teacher(
    d_in: int = 2,
    width: int = 8,
    hidden: int = 8,
    depth: int = 2,
    d_out: int = 1,
    seed: int = 0,
    init_scale: float = 1.0,
    normalize: bool = True,
) -> Task:
    """A random teacher ResNet (SPEC 3) on Ω = [−1, 1]^{d_in}.

    Matrices from :func:`teacher_matrices`. With ``normalize`` (default) V_L is rescaled so that
    the teacher's output has RMS 1 over 4096 uniform reference points drawn from
    ``default_rng(seed + 1)``; the rescaled matrices are in ``task.extras`` (keys ``V``, ``W``,
    ``V_out``), so ``ResNet.from_matrices(V, W, V_out, d_in)`` is exactly this teacher.
    """
    name = "teacher"
    d_in = as_int(name, "d_in", d_in, 1)
    width = as_int(name, "width", width, 1)
    hidden = as_int(name, "hidden", hidden, 1)
    depth = as_int(name, "depth", depth, 0)
    d_out = as_int(name, "d_out", d_out, 1)
    seed = as_int(name, "seed", seed, 0)
    init_scale = as_float(name, "init_scale", init_scale, positive=True)
    if isinstance(normalize, str):
        if normalize.lower() not in ("true", "false", "1", "0"):
            raise TypeError(
                f"task 'teacher': parameter normalize must be a bool, got {normalize!r}"
            )
        normalize = normalize.lower() in ("true", "1")
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"task 'teacher': parameter normalize must be a bool, got {normalize!r}")
    if width < d_in:
        raise ValueError(f"task 'teacher': width must be >= d_in, got width={width}, d_in={d_in}")
    V, W, V_out = teacher_matrices(d_in, width, hidden, depth, d_out, seed, init_scale)
    domain = Box.cube(d_in)
    if normalize:
        reference = domain.sample(4096, np.random.default_rng(seed + 1))
        rms = float(np.sqrt(np.mean(resnet_forward(V, W, V_out, reference) ** 2)))
        if rms > 0:
            V_out = V_out / rms
    for m in (*V, *W, V_out):
        m.setflags(write=False)

    def fn(x: np.ndarray) -> np.ndarray:
        return resnet_forward(V, W, V_out, x)

    params = {
        "d_in": d_in,
        "width": width,
        "hidden": hidden,
        "depth": depth,
        "d_out": d_out,
        "seed": seed,
        "init_scale": init_scale,
        "normalize": bool(normalize),
    }
    return Task(
        name=name,
        domain=domain,
        d_in=d_in,
        d_out=d_out,
        fn=fn,
        description=(
            f"random teacher ResNet (w={width}, k={hidden}, L={depth}, seed={seed}) "
            f"on [-1, 1]^{d_in}"
        ),
        params=params,
        extras={"V": tuple(V), "W": tuple(W), "V_out": V_out},
    )


def _parse_subset(value: object, d: int) -> tuple[int, ...]:
    if isinstance(value, str):
        parts = [p for p in value.replace(" ", "").split(",") if p]
        try:
            items = [int(p) for p in parts]
        except ValueError:
            raise TypeError(
                f"task 'parity': subset must be comma-separated ints, got {value!r}"
            ) from None
    else:
        try:
            items = [as_int("parity", "subset", v) for v in value]  # type: ignore[union-attr]
        except TypeError:
            raise TypeError(
                f"task 'parity': subset must be a sequence of ints, got {value!r}"
            ) from None
    if not items:
        raise ValueError("task 'parity': subset must not be empty")
    if len(set(items)) != len(items) or min(items) < 0 or max(items) >= d:
        raise ValueError(
            f"task 'parity': subset must hold distinct indices in [0, {d}), got {items}"
        )
    return tuple(sorted(items))


@register_task("parity")
def parity(d: int = 8, k: int = 3, subset: object = None, seed: int = 0) -> Task:
    """Sparse parity χ_S(x) = Π_{i∈S} x_i on {±1}^d, embedded in Ω = [−1, 1]^d.

    S is ``subset`` when given (indices, 0-based), else k indices drawn from ``default_rng(seed)``.
    Inputs are drawn uniformly from the 2^d hypercube vertices; off the vertices the target is
    the multilinear extension Π_{i∈S} x_i. Labels are ±1, so the default loss is logistic.
    """
    name = "parity"
    d = as_int(name, "d", d, 1)
    seed = as_int(name, "seed", seed, 0)
    if subset is None:
        k = as_int(name, "k", k, 1)
        if k > d:
            raise ValueError(f"task 'parity': k must be <= d, got k={k}, d={d}")
        S = tuple(sorted(int(i) for i in np.random.default_rng(seed).choice(d, k, replace=False)))
    else:
        S = _parse_subset(subset, d)
    index = np.asarray(S, dtype=np.int64)

    def fn(x: np.ndarray) -> np.ndarray:
        return np.prod(x[:, index], axis=1, keepdims=True)

    def vertices(n: int, rng: np.random.Generator) -> np.ndarray:
        return (2 * rng.integers(0, 2, size=(n, d)) - 1).astype(np.float64)

    return Task(
        name=name,
        domain=Box.cube(d),
        d_in=d,
        d_out=1,
        fn=fn,
        description=f"sparse parity on S={list(S)} of {{±1}}^{d} in [-1, 1]^{d}",
        params={"d": d, "k": len(S), "subset": list(S), "seed": seed},
        sampler=vertices,
        default_loss="logistic",
    )
