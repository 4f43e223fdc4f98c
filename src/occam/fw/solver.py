"""Frank-Wolfe over the convex hull of scaled Tetrakis atoms (SPEC 11).

Problem: minimise L(g) = (1/n) Σ_i (g(x_i) − y_i)² over g ∈ conv{±τ a(C,K) T_C}. The iterate is
kept as g = Σ_j λ_j s_j over active signed atoms s_j = σ_j τ a(C_j,K_j) T_{C_j}, λ_j ≥ 0,
Σ_j λ_j ≤ 1; the rest 1 − Σλ sits on the point 0, which lies in the hull because the atom set is
symmetric. The start is g = 0.

Step t: residual r = g(X) − y, ∇L = 2r/n, the oracle's atom s_t (argmin of ⟨∇L, s⟩ over its class,
:mod:`occam.fw.oracles`) and the Frank-Wolfe gap

    gap_t = ⟨∇L, g_t − s_t⟩ ≥ L(g_t) − min_{conv(class)} L        (convexity of L),

recomputed from the iterate's and the atom's values on the data. It is a certified bound when the
oracle is exact for its class, an estimate otherwise (``certified`` per step).

Variants (``variant``):

* ``"classic"`` — g ← g + γ(s − g), γ = 2/(t+2);
* ``"line"`` — the same direction with exact line search (L is quadratic along it:
  γ = −⟨∇L, d⟩ / (2‖d(X)‖²/n), clipped to [0, 1]);
* ``"away"`` — away-step FW (Lacoste-Julien & Jaggi 2015): the better of s − g and g − v, v the
  active atom (or 0) of largest ⟨∇L, v⟩, with line search capped at λ_v/(1 − λ_v) for away steps;
* ``"pairwise"`` — d = s − v, line search capped at λ_v;
* ``"fully-corrective"`` — add s to the active set and re-minimise L over the hull of the active
  atoms and 0 (a small QP, :func:`corrective_weights`).

Stops when gap_t ≤ ``gap_tol`` (status 0), after ``max_iter`` steps or ``time_limit`` seconds
(status 1). The returned :class:`occam.result.OptimizeResult` has the gap of the returned iterate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import nnls

from occam.fw.design import GridLevel, pulled_back_gradient
from occam.fw.oracles import Atom, LinearOracle, OracleAnswer
from occam.result import OptimizeResult

__all__ = ["VARIANTS", "corrective_weights", "frank_wolfe", "prune_atoms"]

VARIANTS = ("classic", "line", "away", "pairwise", "fully-corrective")

Progress = Callable[[int, int, dict[str, float]], None]


def _project_capped_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection onto {λ ≥ 0, Σλ ≤ 1}."""
    p = np.maximum(v, 0.0)
    if p.sum() <= 1.0:
        return p
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    k = np.nonzero(u - css / np.arange(1, v.size + 1) > 0)[0][-1]
    return np.maximum(v - css[k] / (k + 1.0), 0.0)


def corrective_weights(
    B: np.ndarray, y: np.ndarray, start: np.ndarray | None = None, *, iters: int = 4000
) -> np.ndarray:
    """argmin_λ (1/n)‖Bλ − y‖² over {λ ≥ 0, Σλ ≤ 1} (the fully corrective step).

    With the Gram matrix Q = BᵀB/n = RᵀR and Rᵀz = Bᵀy/n (an eigendecomposition, k × k) the
    problem is min ‖Rλ − z‖² on the capped simplex:
    Lawson-Hanson NNLS (scipy) without the sum constraint; when its answer has Σλ > 1 the
    constraint is active and Σλ = 1 is appended as a row of weight M (NNLS again). A polish then
    solves the equality-constrained least squares on the support exactly and keeps it when it is
    feasible and no worse. Should NNLS fail (iteration limit), accelerated projected gradient
    (FISTA with restarts, ``iters`` steps) from ``start`` takes over. Always returns a feasible λ.
    """
    n, k = B.shape
    Q = B.T @ B / n
    c = B.T @ y / n

    def obj(lam: np.ndarray) -> float:
        return float(lam @ Q @ lam - 2.0 * c @ lam)

    # a square root of the Gram matrix: Q = RᵀR, Rᵀz = c (c lies in the row space of B)
    w, V = np.linalg.eigh(Q)
    keep = w > 1e-13 * max(float(w[-1]), 1e-300)
    R = np.sqrt(w[keep])[:, None] * V[:, keep].T
    z = (V[:, keep].T @ c) / np.sqrt(w[keep])
    try:
        lam = nnls(R, z, maxiter=50 * k + 100)[0]
        if lam.sum() > 1.0:
            M = 1e6 * (1.0 + float(np.abs(R).max()) + float(np.abs(z).max()))
            r = R.shape[0]
            A = np.zeros((r + 1, k + 1))
            A[:r, :k] = R
            A[r, :] = M
            lam = nnls(A, np.concatenate([z, [M]]), maxiter=50 * k + 100)[0][:k]
        lam = _project_capped_simplex(lam)
    except RuntimeError:  # NNLS iteration limit: fall back to FISTA
        lam = _fista(Q, c, start, obj, iters)
    return _polish(Q, c, lam, obj)


def _fista(
    Q: np.ndarray, c: np.ndarray, start: np.ndarray | None, obj: Callable, iters: int
) -> np.ndarray:
    """Accelerated projected gradient with restarts for the capped-simplex QP."""
    k = Q.shape[0]
    lam = _project_capped_simplex(np.zeros(k) if start is None else np.asarray(start, float))
    L = 2.0 * max(float(np.linalg.eigvalsh(Q)[-1]), 1e-300)
    z, t, f_lam = lam.copy(), 1.0, obj(lam)
    for _ in range(iters):
        new = _project_capped_simplex(z - 2.0 * (Q @ z - c) / L)
        f_new = obj(new)
        if f_new > f_lam:  # restart the momentum
            z, t = lam.copy(), 1.0
            continue
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        z = new + ((t - 1.0) / t_new) * (new - lam)
        step = float(np.max(np.abs(new - lam)))
        lam, t, f_lam = new, t_new, f_new
        if step == 0.0:
            break
    return lam


def _polish(Q: np.ndarray, c: np.ndarray, lam: np.ndarray, obj: Callable) -> np.ndarray:
    S = np.nonzero(lam > 1e-12)[0]
    if S.size == 0:
        return lam
    QS, cS = Q[np.ix_(S, S)], c[S]
    if lam.sum() < 1.0 - 1e-9:
        sol = np.linalg.lstsq(QS, cS, rcond=None)[0]
    else:
        kkt = np.zeros((S.size + 1, S.size + 1))
        kkt[:-1, :-1] = 2.0 * QS
        kkt[:-1, -1] = 1.0
        kkt[-1, :-1] = 1.0
        sol = np.linalg.lstsq(kkt, np.concatenate([2.0 * cS, [1.0]]), rcond=None)[0][:-1]
    if np.all(sol >= 0.0) and sol.sum() <= 1.0 + 1e-12:
        cand = np.zeros_like(lam)
        cand[S] = sol / max(1.0, float(sol.sum()))
        if obj(cand) <= obj(lam):
            return cand
    return lam


class _Active:
    """Active signed atoms: columns s_j(X) (n, k), weights λ (k,), keys for merging."""

    def __init__(self, n: int) -> None:
        self.atoms: list[Atom] = []
        self.signs: list[int] = []
        self.cols = np.zeros((n, 0))
        self.lam = np.zeros(0)
        self.keys: dict[tuple, int] = {}

    def index(self, answer: OracleAnswer, col: np.ndarray) -> int:
        key = (*answer.atom.key(), answer.sign)
        if key not in self.keys:
            self.keys[key] = len(self.atoms)
            self.atoms.append(answer.atom)
            self.signs.append(answer.sign)
            self.cols = np.column_stack([self.cols, col])
            self.lam = np.append(self.lam, 0.0)
        return self.keys[key]

    def prune(self) -> None:
        keep = np.nonzero(self.lam > 0.0)[0]
        if keep.size == len(self.atoms):
            return
        self.atoms = [self.atoms[j] for j in keep]
        self.signs = [self.signs[j] for j in keep]
        self.cols = self.cols[:, keep]
        self.lam = self.lam[keep]
        self.keys = {
            (*a.key(), s): j for j, (a, s) in enumerate(zip(self.atoms, self.signs, strict=True))
        }


def _line_step(grad: np.ndarray, d: np.ndarray, cap: float) -> float:
    """argmin_{γ ∈ [0, cap]} L(g + γ d) for the quadratic L (d: values on the data)."""
    n = d.shape[0]
    slope = float(grad @ d)
    curv = 2.0 * float(d @ d) / n
    if curv <= 0.0:
        return cap if slope < 0 else 0.0
    return float(min(max(-slope / curv, 0.0), cap))


def frank_wolfe(
    levels: Sequence[GridLevel],
    y: np.ndarray,
    oracle: LinearOracle,
    *,
    tau: float,
    variant: str = "fully-corrective",
    max_iter: int = 100,
    gap_tol: float = 0.0,
    time_limit: float | None = None,
    progress: Progress | None = None,
    warm_start: tuple[Sequence[Atom], Sequence[int], np.ndarray] | None = None,
    loss_target: float | None = None,
) -> OptimizeResult:
    """Frank-Wolfe over conv{±τ a(C,K) T_C} (module docstring). ``oracle`` must be prepared on
    ``levels``. ``warm_start`` = (atoms, signs, λ) of a feasible iterate at this τ.

    With ``loss_target`` the run also stops (status 0, ``target_reached`` True/False) as soon as
    the loss is ≤ the target, or the lower bound loss − gap on the optimum at this radius is above
    it (then no point of this hull reaches the target; certified when the oracle is exact).

    Returns an OptimizeResult with ``x`` (λ), ``atoms``, ``signs``, ``coef`` (the coefficient
    σ_j λ_j τ a_j of T_{C_j}), ``fun`` (the loss), ``gap``, ``gap_certified``, ``losses``,
    ``gaps``, ``certified`` (per step), ``nit``, ``wall_time``, ``status`` and ``message``.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant: expected one of {VARIANTS}, got {variant!r}")
    if not tau > 0:
        raise ValueError(f"tau: expected a radius > 0, got {tau!r}")
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    n = y.shape[0]
    by_k = {lv.K: i for i, lv in enumerate(levels)}

    def column(atom: Atom, sign: int) -> np.ndarray:
        return sign * tau * atom.scale * levels[by_k[atom.K]].evaluate(atom.table)

    act = _warm_started(n, warm_start, column)
    t0 = time.monotonic()
    losses: list[float] = []
    gaps: list[float] = []
    certified: list[bool] = []
    stop = (1, f"iteration limit ({max_iter}) reached", None)
    for t in range(max_iter + 1):
        pred = act.cols @ act.lam
        r = pred - y
        loss = float(r @ r) / n
        grad = 2.0 * r / n
        answers = [oracle(i, pulled_back_gradient(lv, r)) for i, lv in enumerate(levels)]
        best = min(answers, key=lambda a: a.score)
        s_col = column(best.atom, best.sign)
        gap = float(grad @ (pred - s_col))
        losses.append(loss)
        gaps.append(gap)
        certified.append(bool(best.exact))
        if progress is not None:
            progress(t, max_iter, {"loss": loss, "gap": gap})
        converged = _converged(loss, gap, best.exact, gap_tol, loss_target)
        if converged is not None:
            stop = converged
            break
        if t == max_iter:
            break
        if time_limit is not None and time.monotonic() - t0 > time_limit:
            stop = (1, f"time limit ({time_limit} s) reached", None)
            break
        _update(act, variant, t, best, s_col, grad, pred, y)
    return _result(
        act, tau, stop, (losses, gaps, certified), time.monotonic() - t0, variant, oracle
    )


def _warm_started(
    n: int,
    warm_start: tuple[Sequence[Atom], Sequence[int], np.ndarray] | None,
    column: Callable[[Atom, int], np.ndarray],
) -> _Active:
    """The active set of a run: empty (the iterate 0), or the (atoms, signs, λ) of
    ``warm_start`` with Σλ ≤ 1 checked."""
    act = _Active(n)
    if warm_start is not None:
        for atom, sign, lam in zip(*warm_start, strict=True):
            ans = OracleAnswer(atom, int(sign), 0.0, False, "warm")
            j = act.index(ans, column(atom, int(sign)))
            act.lam[j] += float(lam)
        if act.lam.sum() > 1.0 + 1e-12:
            raise ValueError("warm_start: weights must sum to at most 1")
    return act


def _converged(
    loss: float, gap: float, exact: bool, gap_tol: float, loss_target: float | None
) -> tuple[int, str, bool | None] | None:
    """(status 0, message, target_reached) when the run stops at this iterate: the loss reached
    ``loss_target``, the lower bound loss − gap is above it, or gap ≤ ``gap_tol``; else None."""
    if loss_target is not None and (loss <= loss_target or loss - gap > loss_target):
        target_reached = loss <= loss_target
        message = (
            f"loss {loss:.3g} ≤ target {loss_target:.3g}"
            if target_reached
            else f"lower bound loss − gap = {loss - gap:.3g} > target {loss_target:.3g}"
        )
        return 0, message, target_reached
    if gap <= gap_tol:
        kind = "certified bound" if exact else "estimate (inexact oracle)"
        return 0, f"Frank-Wolfe gap {gap:.3g} ≤ gap_tol {gap_tol:.3g} ({kind})", None
    return None


def _result(
    act: _Active,
    tau: float,
    stop: tuple[int, str, bool | None],
    trace: tuple[list[float], list[float], list[bool]],
    wall_time: float,
    variant: str,
    oracle: LinearOracle,
) -> OptimizeResult:
    """The OptimizeResult of :func:`frank_wolfe` from the final active set and the per-step
    trace (losses, gaps, certified)."""
    status, message, target_reached = stop
    losses, gaps, certified = trace
    return OptimizeResult(
        status=status,
        message=message,
        x=act.lam.copy(),
        atoms=list(act.atoms),
        signs=list(act.signs),
        coef=np.array(
            [
                s * lam * tau * a.scale
                for a, s, lam in zip(act.atoms, act.signs, act.lam, strict=True)
            ]
        ),
        tau=float(tau),
        fun=losses[-1],
        gap=gaps[-1],
        gap_certified=certified[-1],
        losses=np.array(losses),
        gaps=np.array(gaps),
        certified=np.array(certified),
        nit=len(losses) - 1,
        target_reached=target_reached,
        wall_time=wall_time,
        variant=variant,
        oracle=oracle.name,
    )


def _update(
    act: _Active,
    variant: str,
    t: int,
    best: OracleAnswer,
    s_col: np.ndarray,
    grad: np.ndarray,
    pred: np.ndarray,
    y: np.ndarray,
) -> None:
    """One step of ``variant`` from the iterate ``pred`` towards the oracle's atom (in place)."""
    j = act.index(best, s_col)
    if variant == "fully-corrective":
        act.lam = corrective_weights(act.cols, y, act.lam)
        act.prune()
        return
    if variant in ("away", "pairwise"):
        vals = act.cols.T @ grad  # ⟨∇L, s_k⟩ for active atoms; the point 0 has value 0
        mass0 = 1.0 - float(act.lam.sum())
        cand = [(float(vals[k]), k) for k in range(len(act.lam)) if act.lam[k] > 0]
        if mass0 > 1e-15:
            cand.append((0.0, -1))
        v_val, v = max(cand) if cand else (0.0, -1)
        v_col = act.cols[:, v] if v >= 0 else np.zeros_like(pred)
        lam_v = float(act.lam[v]) if v >= 0 else mass0
        if variant == "pairwise":
            gamma = _line_step(grad, s_col - v_col, lam_v)
            act.lam[j] += gamma
            if v >= 0:
                act.lam[v] -= gamma
        elif float(grad @ (pred - s_col)) >= v_val - float(grad @ pred):
            gamma = _line_step(grad, s_col - pred, 1.0)
            act.lam *= 1.0 - gamma
            act.lam[j] += gamma
        else:
            cap = lam_v / (1.0 - lam_v) if lam_v < 1.0 else 1e12
            gamma = _line_step(grad, pred - v_col, cap)
            act.lam *= 1.0 + gamma
            if v >= 0:
                act.lam[v] -= gamma
        act.lam = np.maximum(act.lam, 0.0)
        act.prune()
        return
    gamma = 2.0 / (t + 2.0) if variant == "classic" else _line_step(grad, s_col - pred, 1.0)
    act.lam *= 1.0 - gamma
    act.lam[j] += gamma
    act.prune()


def prune_atoms(
    levels: Sequence[GridLevel], y: np.ndarray, res: OptimizeResult, loss_target: float
) -> tuple[list[Atom], list[int], np.ndarray]:
    """Backward elimination on a Frank-Wolfe result: atoms are tried for removal in order of
    increasing |coef|, the rest re-weighted by :func:`corrective_weights` (same radius, so the
    iterate stays in the hull); a removal is kept when the loss stays ≤ ``loss_target``.
    Returns the (atoms, signs, λ) of the pruned iterate."""
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    n = y.shape[0]
    by_k = {lv.K: i for i, lv in enumerate(levels)}
    atoms, signs = list(res.atoms), list(res.signs)
    cols = (
        np.column_stack(
            [
                s * res.tau * a.scale * levels[by_k[a.K]].evaluate(a.table)
                for a, s in zip(atoms, signs, strict=True)
            ]
        )
        if atoms
        else np.zeros((n, 0))
    )
    lam = np.asarray(res.x, dtype=np.float64).copy()
    keep = list(range(len(atoms)))
    for j in sorted(keep, key=lambda k: abs(float(res.coef[k]))):
        trial = [k for k in keep if k != j]
        if not trial:
            continue
        w = corrective_weights(cols[:, trial], y, lam[trial])
        r = cols[:, trial] @ w - y
        if float(r @ r) / n <= loss_target:
            keep = trial
            lam = np.zeros_like(lam)
            lam[trial] = w
    return [atoms[k] for k in keep], [signs[k] for k in keep], lam[keep]
