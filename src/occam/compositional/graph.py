"""Computation graphs of compositional functions (SPEC 13; seed 003, Definition 1).

A compositional function of d variables is given by a DAG whose edges point from a child to the
node that reads it (the direction data flows). Its sources are the d input coordinates, its one
sink is the output, and every other node is a *constituent function* of its (ordered) children.
The default is the binary tree on d = 2^m inputs (node arity 2, depth m).

Terms used everywhere in :mod:`occam.compositional`:

- ``leaves(v)``: the set of input coordinates v depends on (the sources with a path to v);
- ``height(v)``: 0 for an input, else 1 + the largest height of its children; a graph-reflecting
  network computes node v in residual block ``height(v) − 1``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from occam.errors import OccamError

__all__ = ["CompositionalGraph", "GraphError", "binary_tree", "random_dag"]


class GraphError(OccamError, ValueError):
    """A graph that does not describe a compositional function."""


@dataclass(frozen=True)
class CompositionalGraph:
    """A validated computation DAG (see the module docstring).

    Build it with :meth:`from_networkx`, :func:`binary_tree` or :func:`random_dag`.
    ``inputs`` lists the source nodes in input order (coordinate i is ``inputs[i]``), ``internal``
    the other nodes in a topological order ending with the output, ``children[v]`` the ordered
    children of v (the order of a node's edges as inserted, or sorted by the edge attribute
    ``order`` when present).
    """

    graph: nx.DiGraph
    inputs: tuple[Hashable, ...]
    internal: tuple[Hashable, ...]
    children: dict[Hashable, tuple[Hashable, ...]] = field(repr=False)

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph) -> CompositionalGraph:
        """Validate a user DAG: directed, acyclic, one sink, at least one input, every internal
        node with at least one child. Inputs are ordered by their labels when those are the ints
        0..d−1, else by ``sorted(str)``."""
        if not isinstance(graph, nx.DiGraph):
            raise GraphError(f"graph: expected a networkx.DiGraph, got {type(graph).__name__}")
        if graph.number_of_nodes() == 0:
            raise GraphError("graph: the graph is empty")
        if not nx.is_directed_acyclic_graph(graph):
            cycle = nx.find_cycle(graph)
            raise GraphError(f"graph: edges must form a DAG, found the cycle {cycle}")
        sources = [v for v in graph.nodes if graph.in_degree(v) == 0]
        sinks = [v for v in graph.nodes if graph.out_degree(v) == 0]
        if len(sinks) != 1:
            raise GraphError(f"graph: need exactly one output node (sink), found {sinks}")
        if sinks[0] in sources:
            raise GraphError("graph: the output node must read at least one input")
        if set(sources) == set(range(len(sources))):
            inputs = tuple(sorted(sources))
        else:
            inputs = tuple(sorted(sources, key=str))
        children = {}
        for v in graph.nodes:
            if v in sources:
                continue
            preds = list(graph.predecessors(v))
            if all("order" in graph.edges[p, v] for p in preds):
                preds.sort(key=lambda p: graph.edges[p, v]["order"])
            children[v] = tuple(preds)
        topo = [v for v in nx.topological_sort(graph) if v not in sources]
        topo.remove(sinks[0])
        topo.append(sinks[0])
        return cls(graph, inputs, tuple(topo), children)

    # -- structure ---------------------------------------------------------------------------
    @property
    def d(self) -> int:
        return len(self.inputs)

    @property
    def output(self) -> Hashable:
        return self.internal[-1]

    def input_index(self, v: Hashable) -> int:
        return self.inputs.index(v)

    def is_input(self, v: Hashable) -> bool:
        return v in self._input_set

    @property
    def _input_set(self) -> frozenset:
        return frozenset(self.inputs)

    def leaves(self, v: Hashable) -> frozenset[int]:
        """Input coordinates (indices) that node v depends on."""
        if self.is_input(v):
            return frozenset({self.input_index(v)})
        anc = nx.ancestors(self.graph, v)
        return frozenset(self.input_index(u) for u in anc if self.is_input(u))

    def heights(self) -> dict[Hashable, int]:
        """height(v): 0 for inputs, 1 + max over children otherwise."""
        h = {v: 0 for v in self.inputs}
        for v in self.internal:
            h[v] = 1 + max(h[c] for c in self.children[v])
        return h

    @property
    def depth(self) -> int:
        return self.heights()[self.output]

    def leaf_sets(self) -> dict[Hashable, frozenset[int]]:
        """leaves(v) for every internal node v."""
        return {v: self.leaves(v) for v in self.internal}

    def describe(self) -> str:
        return (
            f"{len(self.internal)} constituent functions on d = {self.d} inputs, depth "
            f"{self.depth}, arity ≤ {max(len(c) for c in self.children.values())}"
        )


def binary_tree(d: int) -> CompositionalGraph:
    """The binary tree on d = 2^m inputs: node ``(level, j)`` (level 1..m) reads
    ``(level−1, 2j)`` and ``(level−1, 2j+1)``; level-0 nodes are the inputs 0..d−1."""
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 2 or d & (d - 1):
        raise GraphError(f"binary_tree: d must be a power of two >= 2, got {d!r}")
    g = nx.DiGraph()
    g.add_nodes_from(range(int(d)))
    below: list[Hashable] = list(range(int(d)))
    level = 1
    while len(below) > 1:
        here = []
        for j in range(len(below) // 2):
            v = f"n{level}_{j}"
            g.add_edge(below[2 * j], v, order=0)
            g.add_edge(below[2 * j + 1], v, order=1)
            here.append(v)
        below = here
        level += 1
    return CompositionalGraph.from_networkx(g)


def random_dag(d: int, n_internal: int, max_arity: int = 2, seed: int = 0) -> CompositionalGraph:
    """A random compositional DAG: internal node t (t = 0..n_internal−1) reads 1..max_arity
    distinct earlier nodes (inputs or internal); every node except the last is then read by at
    least one later node (inputs left unread are attached to the output), so the last node is
    the only sink."""
    if d < 1 or n_internal < 1 or max_arity < 1:
        raise GraphError(
            f"random_dag: need d, n_internal, max_arity >= 1, got {d}, {n_internal}, {max_arity}"
        )
    rng = np.random.default_rng(seed)
    g = nx.DiGraph()
    g.add_nodes_from(range(d))
    nodes: list[Hashable] = list(range(d))
    for t in range(n_internal):
        v = f"v{t}"
        arity = int(rng.integers(1, min(max_arity, len(nodes)) + 1))
        picks = rng.choice(len(nodes), size=arity, replace=False)
        for order, p in enumerate(sorted(int(i) for i in picks)):
            g.add_edge(nodes[p], v, order=order)
        nodes.append(v)
    out = nodes[-1]
    order = g.in_degree(out)
    for u in nodes[:-1]:
        if g.out_degree(u) == 0:
            g.add_edge(u, out, order=order)
            order += 1
    return CompositionalGraph.from_networkx(g)
