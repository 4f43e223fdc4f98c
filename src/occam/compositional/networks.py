"""Graph-reflecting sparse ResNets and their dense counterparts (SPEC 13, SPEC 3).

Layout of :func:`graph_resnet` for a :class:`~occam.compositional.graph.CompositionalGraph`
with d inputs and internal nodes v (``r`` = node_width coordinates each, ``h`` = hidden_per_node
units each):

- width w = d + r · #internal; coordinates 0..d−1 carry x (α_0 = (x, 0, 1), SPEC 3), node v owns
  r coordinates after them;
- depth L = the graph's depth; node v is computed by residual block ℓ = height(v) − 1, in h hidden
  units of that block (hidden dimension k = h · the largest number of nodes of equal height);
- masks: the rows of V_ℓ for v's units read only the coordinates of v's children and the bias
  column; the columns of W_ℓ for v's units write only v's coordinates; V_out reads only the
  output node's coordinates and the bias. Unused units have all-zero masks.

Every matrix entry outside these masks is forced to 0, so node v's coordinates in α_ℓ are a
function of x_{leaves(v)} only: each node's block reads only its children (checked functionally
by the tests: the derivative of each node's coordinates with respect to any input outside its
leaves is exactly 0, for random weights on random DAGs).

:func:`dense_resnet` is the same (w, k, L) ResNet without masks.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import torch

from occam.compositional.graph import CompositionalGraph, GraphError
from occam.nets import ResNet, ResNetConfig

__all__ = ["GraphLayout", "dense_resnet", "graph_layout", "graph_masks", "graph_resnet"]


@dataclass(frozen=True)
class GraphLayout:
    """Where each node lives in the graph-reflecting ResNet (see the module docstring).

    coords[v]: its residual-stream coordinates; block[v]: its residual block ℓ; units[v]: its
    hidden units in that block; config: the ResNet dimensions.
    """

    config: ResNetConfig
    coords: dict[Hashable, tuple[int, ...]]
    block: dict[Hashable, int]
    units: dict[Hashable, tuple[int, ...]]


def graph_layout(
    graph: CompositionalGraph, *, hidden_per_node: int = 8, node_width: int = 1
) -> GraphLayout:
    """The layout of the graph-reflecting ResNet for ``graph``."""
    if hidden_per_node < 1 or node_width < 1:
        raise GraphError(
            f"graph_layout: hidden_per_node and node_width must be >= 1, got "
            f"{hidden_per_node}, {node_width}"
        )
    d = graph.d
    heights = graph.heights()
    coords: dict[Hashable, tuple[int, ...]] = {v: (i,) for i, v in enumerate(graph.inputs)}
    block, units = {}, {}
    slots: dict[int, int] = {}
    for t, v in enumerate(graph.internal):
        coords[v] = tuple(range(d + t * node_width, d + (t + 1) * node_width))
        ell = heights[v] - 1
        slot = slots.get(ell, 0)
        slots[ell] = slot + 1
        block[v] = ell
        units[v] = tuple(range(slot * hidden_per_node, (slot + 1) * hidden_per_node))
    width = d + node_width * len(graph.internal)
    hidden = hidden_per_node * max(slots.values())
    config = ResNetConfig(d, width, hidden, graph.depth, 1)
    return GraphLayout(config, coords, block, units)


def graph_masks(layout: GraphLayout, graph: CompositionalGraph) -> dict[str, torch.Tensor]:
    """The bool masks of every matrix (names as :meth:`ResNet.matrix_names`)."""
    c = layout.config
    w, k = c.width, c.hidden
    masks = {}
    for ell in range(c.depth):
        masks[f"V_{ell}"] = torch.zeros(k, w + 1, dtype=torch.bool)
        masks[f"W_{ell}"] = torch.zeros(w, k, dtype=torch.bool)
    for v in graph.internal:
        ell = layout.block[v]
        rows = list(layout.units[v])
        cols = [j for ch in graph.children[v] for j in layout.coords[ch]] + [w]
        masks[f"V_{ell}"][torch.tensor(rows)[:, None], torch.tensor(cols)[None, :]] = True
        own = list(layout.coords[v])
        masks[f"W_{ell}"][torch.tensor(own)[:, None], torch.tensor(rows)[None, :]] = True
    v_out = torch.zeros(1, w + 1, dtype=torch.bool)
    v_out[0, [*layout.coords[graph.output], w]] = True
    masks["V_out"] = v_out
    return masks


def graph_resnet(
    graph: CompositionalGraph,
    *,
    hidden_per_node: int = 8,
    node_width: int = 1,
    dtype: torch.dtype = torch.float64,
    seed: int = 0,
    init_scale: float = 1.0,
) -> tuple[ResNet, GraphLayout]:
    """The graph-reflecting sparse ResNet (masks from the DAG) and its layout."""
    layout = graph_layout(graph, hidden_per_node=hidden_per_node, node_width=node_width)
    c = layout.config
    net = ResNet(
        c.d_in,
        c.width,
        c.hidden,
        c.depth,
        c.d_out,
        dtype=dtype,
        seed=seed,
        init_scale=init_scale,
        masks=graph_masks(layout, graph),
    )
    _rescale_for_fan_in(net, layout, graph, hidden_per_node)
    return net, layout


def _rescale_for_fan_in(net: ResNet, layout: GraphLayout, graph, hidden_per_node: int) -> None:
    """Rescale the initial weights to the fan-in the masks leave: ResNet's initialisation
    V ~ N(0, 2/(w+1)), W ~ N(0, 1/(k·L)), V_out ~ N(0, 1/(w+1)) assumes dense matrices; a node
    block reads only its children's coordinates and the bias (fan-in m_v) and writes from h
    units, so V rows are multiplied by sqrt((w+1)/m_v), W by sqrt(k/h) and V_out by
    sqrt((w+1)/(r+1)). Without it the signal shrinks with every masked block."""
    c = layout.config
    with torch.no_grad():
        for v in graph.internal:
            ell = layout.block[v]
            fan_in = sum(len(layout.coords[ch]) for ch in graph.children[v]) + 1
            rows = list(layout.units[v])
            net.V[ell][rows] *= ((c.width + 1) / fan_in) ** 0.5
            net.W[ell][:, rows] *= (c.hidden / hidden_per_node) ** 0.5
        net.V_out *= ((c.width + 1) / (len(layout.coords[graph.output]) + 1)) ** 0.5


def dense_resnet(
    config: ResNetConfig,
    *,
    dtype: torch.dtype = torch.float64,
    seed: int = 0,
    init_scale: float = 1.0,
) -> ResNet:
    """The dense ResNet with the same (d_in, w, k, L) as a graph-reflecting one."""
    return ResNet(
        config.d_in,
        config.width,
        config.hidden,
        config.depth,
        config.d_out,
        dtype=dtype,
        seed=seed,
        init_scale=init_scale,
    )
