"""The one log-log fit of occam: log y = slope · log x + intercept, with a t confidence interval.

Used for every rate the project reports: the HTMC rate γ̂ of a frontier (SPEC 2.4 ii), the growth of
the certified R(θ) of the Tetrakis ResNet with K (SPEC 9.4), the exponents of the minimum R-norm in
d (SPEC 12 d), the pruning slope against N (SPEC 6). Keep it the only one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["LogLogFit", "loglog_fit"]


@dataclass(frozen=True)
class LogLogFit:
    """Least-squares line through (log x, log y) (or (x, log y) when ``log_x=False``).

    ``slope`` and ``intercept`` with ``stderr`` (of the slope), the ``level`` two-sided t interval
    ``[ci_low, ci_high]`` for the slope (NaN with fewer than 3 points),
    ``prefactor`` = exp(intercept) so that y ≈ prefactor · x^slope, ``r2`` and the number ``n``
    of points used (positive, finite).
    """

    slope: float
    intercept: float
    stderr: float
    ci_low: float
    ci_high: float
    prefactor: float
    r2: float
    n: int
    level: float
    log_x: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def predict(self, x: Any) -> np.ndarray:
        """prefactor · x^slope (or exp(intercept + slope·x) for a semi-log fit)."""
        xa = np.asarray(x, dtype=np.float64)
        return np.exp(self.intercept + self.slope * (np.log(xa) if self.log_x else xa))


def loglog_fit(x: Any, y: Any, *, level: float = 0.95, log_x: bool = True) -> LogLogFit:
    """Fit log y = slope · log x + intercept by least squares (semi-log in x when ``log_x=False``).

    Points with y ≤ 0, x ≤ 0 (when ``log_x``) or non-finite values are dropped. With fewer than two
    distinct x the slope is NaN; the interval needs at least 3 points (t with n − 2 degrees of
    freedom). Raises ValueError for inputs of different lengths or a level outside (0, 1).
    """
    from scipy import stats

    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"loglog_fit: x has {xa.size} values but y has {ya.size}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"loglog_fit: level must be in (0, 1), got {level!r}")
    ok = np.isfinite(xa) & np.isfinite(ya) & (ya > 0)
    if log_x:
        ok &= xa > 0
    xa, ya = xa[ok], ya[ok]
    n = int(xa.size)
    nan = math.nan
    if n < 2 or np.unique(xa).size < 2:
        return LogLogFit(nan, nan, nan, nan, nan, nan, nan, n, level, log_x)
    lx = np.log(xa) if log_x else xa
    ly = np.log(ya)
    res = stats.linregress(lx, ly)
    slope, intercept = float(res.slope), float(res.intercept)
    if n >= 3:
        stderr = float(res.stderr)
        t = float(stats.t.ppf(0.5 + level / 2.0, n - 2))
        lo, hi = slope - t * stderr, slope + t * stderr
    else:
        stderr, lo, hi = nan, nan, nan
    r2 = float(res.rvalue) ** 2 if np.ptp(ly) > 0 else 1.0
    return LogLogFit(slope, intercept, stderr, lo, hi, math.exp(intercept), r2, n, level, log_x)
