"""Shared test settings: one torch thread per worker, a small default hypothesis profile."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

settings.register_profile(
    "occam",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile(os.environ.get("OCCAM_HYPOTHESIS_PROFILE", "occam"))


def pytest_collection_finish(session) -> None:
    """Pin torch to one thread (two xdist workers share 2 cores; more threads slow 50-100x).

    torch is only touched when a collected test module imported it, so circuit tests stay
    torch-free.
    """
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
