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

try:  # torch is optional for the circuit tests, which must run without it
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass
