"""Bad input never gives a wrong answer or loses work (issue 17): one test (group) per item."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import occam
from occam import complexity
from occam.circuits.encoding import quantize
from occam.tasks import Box, as_box


# -- item 2: one domain parser, torch tensors accepted, the nested-list form refused ---------------
def test_domain_forms_agree_everywhere():
    net = occam.ResNet(d_in=2, width=4, hidden=4, depth=2, dtype=torch.float64, seed=0)
    rows = np.array([[-1.0, 2.0], [0.0, 3.0]])  # x0 ∈ [-1, 2], x1 ∈ [0, 3]
    forms = [
        rows,
        torch.tensor(rows),
        torch.tensor(rows, dtype=torch.float32),
        (rows[:, 0], rows[:, 1]),
        (rows[:, 0].tolist(), rows[:, 1].tolist()),
        Box.from_bounds(rows[:, 0], rows[:, 1]),
    ]
    values = [float(complexity.certified(net, domain=f, engine="interval").detach()) for f in forms]
    assert values == pytest.approx([values[0]] * len(values), rel=0, abs=0)
    x = np.array([[1.9, 0.1], [-1.0, 2.9]])
    bins = [quantize(x, f, 3).tolist() for f in forms]
    assert all(b == bins[0] for b in bins)
    assert bins[0] == [[7, 0], [0, 7]]


@pytest.mark.parametrize("nested", [[[-1, 2], [0, 3]], [[-1, 2], [0, 3], [1, 4]], [[0, 1]]])
def test_nested_list_domain_is_refused_everywhere(nested):
    net = occam.ResNet(d_in=len(nested), width=4, hidden=4, depth=1, dtype=torch.float64, seed=0)
    with pytest.raises(TypeError, match="ambiguous"):
        complexity.certified(net, domain=nested, engine="interval")
    with pytest.raises(TypeError, match="ambiguous"):
        as_box(nested)
    with pytest.raises(TypeError, match="ambiguous"):
        quantize(np.zeros((1, len(nested))), nested, 2)


def test_domain_scalar_pair_and_bad_shapes():
    assert as_box([-1, 1], dim=3) == Box.cube(3)
    assert as_box((0.0, 1.0), dim=2) == Box.cube(2, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"shape \(d, 2\)"):
        as_box(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="dimension 3"):
        as_box(torch.zeros(2, 2) + torch.tensor([0.0, 1.0]), dim=3)
    with pytest.raises(ValueError, match="high > low"):
        as_box(torch.tensor([[1.0, 0.0]]))
    with pytest.raises(ValueError, match="finite"):
        as_box((0.0, float("inf")), dim=1)
