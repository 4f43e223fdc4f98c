"""HTMC bookkeeping (SPEC 2.3, 2.4, 10): frontiers of verified circuits, the MLMC combiner and
composition with clamps.

Sub-modules: :mod:`occam.htmc.tables` (fixed-point truth-table circuits),
:mod:`occam.htmc.mlmc` (the randomised multilevel combiner, SPEC 10, Thm 4) and
:mod:`occam.htmc.compose` (chaining circuits with clamps, SPEC 10, Prop 5 and eq. (1)).
"""
