"""One result convention for every solver and search in occam (STYLE 6, scipy's ``OptimizeResult``).

A result is a dict with attribute access whose core fields are ``status`` (int), ``success``
(bool, ``status == 0``) and ``message`` (str), plus problem fields (``x``, ``fun``, ``nit``, a
certificate, a circuit, ...). The status scale is scipy's ``linprog`` scale, shared by all solvers:

====  ==========================================================
 0    optimal / finished: the reported value is certified
 1    iteration, time or node limit reached (a partial answer)
 2    infeasible (no solution exists within the stated class)
 3    unbounded
 4    numerical trouble or solver failure
 5    the answer failed occam's own check (certificate, residual)
====  ==========================================================

Code that records a bound refuses a result whose ``status`` is not 0 (:meth:`require_success`).
"""

from __future__ import annotations

from typing import Any

from scipy.optimize import OptimizeResult as _ScipyOptimizeResult

__all__ = ["STATUS_MESSAGES", "OptimizeResult"]

STATUS_MESSAGES: dict[int, str] = {
    0: "Optimization terminated successfully.",
    1: "Iteration, time or size limit reached.",
    2: "The problem is infeasible.",
    3: "The problem is unbounded.",
    4: "Numerical difficulties encountered.",
    5: "The answer failed its verification check.",
}


class OptimizeResult(_ScipyOptimizeResult):
    """scipy's ``OptimizeResult`` with occam's status rules (see the module docstring).

    Build one with ``OptimizeResult(status=..., message=..., **fields)``: ``success`` is derived
    from ``status`` when not given, and ``message`` defaults to the table entry for ``status``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "status" in self:
            self["status"] = int(self["status"])
            self.setdefault("success", self["status"] == 0)
            self.setdefault("message", STATUS_MESSAGES.get(self["status"], "Unknown status."))

    def require_success(self, what: str = "the solver") -> OptimizeResult:
        """Return ``self`` when ``status == 0``; else raise RuntimeError quoting the message."""
        if self.get("status") != 0:
            raise RuntimeError(
                f"{what} did not reach a verified result "
                f"(status {self.get('status')}): {self.get('message', '')}"
            )
        return self
