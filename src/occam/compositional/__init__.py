"""Compositional sparsity (SPEC 13; seed 003): compositional targets on DAGs, their
non-compositional control, graph-reflecting sparse ResNets, graph recovery from dense ones,
per-node circuits composed with clamps, and the experiments of ``occam compositional``.

The target and circuit modules are torch-free; :mod:`~occam.compositional.networks` and
:mod:`~occam.compositional.recovery` use PyTorch (they build and read ``occam.ResNet``), and
:mod:`~occam.compositional.compiled_nodes` trains node nets and compiles them with
:mod:`occam.compiler` (imported lazily, where it is used).
"""

from occam.compositional.graph import CompositionalGraph, GraphError, binary_tree, random_dag
from occam.compositional.targets import (
    FAMILIES,
    CompositionalTarget,
    SmoothControl,
    random_target,
    smooth_control,
    uniform_sample,
)

__all__ = [
    "FAMILIES",
    "CompositionalGraph",
    "CompositionalTarget",
    "GraphError",
    "SmoothControl",
    "binary_tree",
    "random_dag",
    "random_target",
    "smooth_control",
    "uniform_sample",
]
