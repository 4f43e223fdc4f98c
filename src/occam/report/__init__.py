"""Reports (SPEC 14): atomic JSON/CSV results, PNG figures (matplotlib Agg) and a self-contained
Markdown + HTML report; :mod:`occam.report.summary` tabulates error and complexity of trained nets.
The one report stack of every experiment (:mod:`occam.experiments`).

Attributes load lazily, so writing JSON does not import matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_ATTRIBUTES = {
    "Report": "occam.report.document",
    "format_value": "occam.report.document",
    "markdown_table": "occam.report.document",
    "atomic_write_bytes": "occam.report.io",
    "atomic_write_text": "occam.report.io",
    "column_union": "occam.report.io",
    "csv_text": "occam.report.io",
    "jsonable": "occam.report.io",
    "read_json": "occam.report.io",
    "write_csv": "occam.report.io",
    "write_json": "occam.report.io",
    "plot_pruning": "occam.report.plots",
    "save_figure": "occam.report.plots",
    "plot_training": "occam.report.plots",
    "complexity_summary": "occam.report.summary",
}

__all__ = sorted(_ATTRIBUTES)


def __getattr__(name: str) -> Any:
    if name in _ATTRIBUTES:
        return getattr(importlib.import_module(_ATTRIBUTES[name]), name)
    raise AttributeError(f"module 'occam.report' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
