"""Graph-reflecting ResNets (SPEC 13): masks checked functionally on random DAGs, and graph
recovery from Jacobian supports."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from occam.compositional import GraphError, binary_tree, random_dag
from occam.compositional.graph import CompositionalGraph
from occam.compositional.networks import dense_resnet, graph_resnet
from occam.compositional.recovery import recover, score_recovery, unit_sensitivity


def _jacobian_of_nodes(net, layout, graph, x):
    """∂α_L[coords of v]/∂x for every internal node v: {v: (n, r, d)}."""
    x = x.clone().requires_grad_(True)
    alpha = net.trace(x).alphas[-1]
    out = {}
    for v in graph.internal:
        rows = []
        for c in layout.coords[v]:
            (g,) = torch.autograd.grad(alpha[:, c].sum(), x, retain_graph=True)
            rows.append(g)
        out[v] = torch.stack(rows, dim=1)
    return out


@given(
    d=st.integers(2, 6),
    n_internal=st.integers(1, 6),
    max_arity=st.integers(1, 3),
    graph_seed=st.integers(0, 10_000),
    weight_seed=st.integers(0, 10_000),
    node_width=st.integers(1, 2),
)
def test_masks_functional_random_dags(
    d, n_internal, max_arity, graph_seed, weight_seed, node_width
):
    """For random weights (the masked-out parameters are random too), each node's coordinates
    have derivative exactly 0 with respect to every input outside the node's leaves, and the
    derivative with respect to its leaves is not identically 0 (the test is not vacuous)."""
    graph = random_dag(d, n_internal, max_arity, seed=graph_seed)
    net, layout = graph_resnet(graph, hidden_per_node=3, node_width=node_width, seed=weight_seed)
    x = torch.rand(64, d, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    jac = _jacobian_of_nodes(net, layout, graph, x)
    for v in graph.internal:
        leaves = sorted(graph.leaves(v))
        outside = [i for i in range(d) if i not in leaves]
        assert torch.all(jac[v][:, :, outside] == 0), (v, leaves)
    # the output reads only the output node: its gradient is supported on the output's leaves
    xg = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(net(xg).sum(), xg)
    outside = [i for i in range(d) if i not in graph.leaves(graph.output)]
    assert torch.all(g[:, outside] == 0)


def test_masks_not_vacuous_on_binary_tree():
    graph = binary_tree(8)
    net, layout = graph_resnet(graph, hidden_per_node=8, seed=3)
    x = torch.rand(256, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    jac = _jacobian_of_nodes(net, layout, graph, x)
    for v in graph.internal:
        nz = set(torch.nonzero(jac[v].abs().sum(dim=(0, 1)) > 0).flatten().tolist())
        assert nz == set(graph.leaves(v)), v
    dense = dense_resnet(layout.config, seed=3)
    assert dense.n_nonzero() > net.n_nonzero()


def test_binary_tree_layout():
    graph = binary_tree(16)
    _, layout = graph_resnet(graph, hidden_per_node=4)
    assert layout.config.depth == 4
    assert layout.config.width == 16 + 15
    assert layout.config.hidden == 4 * 8
    assert graph.leaves(graph.output) == frozenset(range(16))


def test_user_dag_validation():
    g = nx.DiGraph([(0, "a"), (1, "a"), ("a", "out"), (2, "out")])
    cg = CompositionalGraph.from_networkx(g)
    assert cg.d == 3 and cg.output == "out" and cg.leaves("a") == frozenset({0, 1})
    with pytest.raises(GraphError, match="exactly one output"):
        CompositionalGraph.from_networkx(nx.DiGraph([(0, "a"), (1, "b")]))
    with pytest.raises(GraphError, match="DAG"):
        CompositionalGraph.from_networkx(nx.DiGraph([(0, "a"), ("a", "b"), ("b", "a")]))
    with pytest.raises(GraphError, match="power of two"):
        binary_tree(6)


def test_recovery_of_sparse_net_and_dense_net():
    """A graph-reflecting net recovers every node's leaf set (coverage 1, precision 1); a random
    dense net has full-support units only, which precision alone would reward (coverage 0)."""
    graph = binary_tree(8)
    net, layout = graph_resnet(graph, hidden_per_node=8, seed=0)
    x = torch.rand(512, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    score = score_recovery(recover(unit_sensitivity(net, x)), graph)
    # precision can fall below 1: a unit of the output node reading 5 of 8 inputs is matched
    # (Jaccard) to a 4-input node
    assert score.precision > 0.95 and score.coverage == 1.0 and score.full_support_fraction < 0.5
    dense = dense_resnet(layout.config, seed=0)
    dscore = score_recovery(recover(unit_sensitivity(dense, x)), graph)
    assert dscore.coverage == 0.0 and dscore.full_support_fraction > 0.9
    assert dscore.precision > 0.99  # why coverage is reported beside precision


def test_unit_sensitivity_matches_autograd():
    graph = binary_tree(4)
    net, _ = graph_resnet(graph, hidden_per_node=3, seed=1)
    net = dense_resnet(net.config, seed=2)
    x = torch.rand(32, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    s = unit_sensitivity(net, x)
    xg = x.clone().requires_grad_(True)
    tr = net.trace(xg)
    W = net.matrices().W
    for ell, h in enumerate(tr.hidden):
        for m in range(h.shape[1]):
            grads = torch.stack(
                [torch.autograd.grad(h[i, m], xg, retain_graph=True)[0][i] for i in range(32)]
            )
            ref = grads.abs().mean(0) * torch.linalg.vector_norm(W[ell][:, m])
            np.testing.assert_allclose(s[ell, m], ref.detach().numpy(), rtol=1e-12, atol=1e-14)
