"""Registry of named tasks: ``register_task``, ``get_task``, ``list_tasks`` (issue 2 item 4).

A task factory is a function of keyword parameters (all with defaults) returning a
:class:`~occam.tasks.task.Task`. Parameters given to :func:`get_task` are checked against the
factory's signature; numeric parameters may also be given as strings (as a command line passes
them) and are converted by the ``as_int``/``as_float`` helpers the factories use.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from occam.tasks.task import Task

TaskFactory = Callable[..., Task]
_REGISTRY: dict[str, TaskFactory] = {}


def register_task(name: str) -> Callable[[TaskFactory], TaskFactory]:
    """Decorator registering ``factory(**params) -> Task`` under ``name``.

    Every factory parameter must be keyword-capable with a default value. Registering a name twice
    raises ``ValueError``.
    """
    if not isinstance(name, str) or not name or not name.replace("_", "").isalnum():
        raise ValueError(f"register_task: name must be a non-empty identifier, got {name!r}")

    def decorator(factory: TaskFactory) -> TaskFactory:
        if name in _REGISTRY:
            raise ValueError(f"register_task: a task named {name!r} is already registered")
        for param in inspect.signature(factory).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.POSITIONAL_ONLY):
                raise TypeError(f"register_task({name!r}): parameter {param.name} must be keyword")
            if param.kind != param.VAR_KEYWORD and param.default is param.empty:
                raise TypeError(f"register_task({name!r}): parameter {param.name} needs a default")
        _REGISTRY[name] = factory
        return factory

    return decorator


def list_tasks() -> list[str]:
    """Names of all registered tasks, sorted."""
    return sorted(_REGISTRY)


def task_parameters(name: str) -> dict[str, Any]:
    """The parameters of task ``name`` with their default values."""
    factory = _lookup(name)
    return {
        p.name: p.default
        for p in inspect.signature(factory).parameters.values()
        if p.kind != p.VAR_KEYWORD
    }


def get_task(name: str, **params: Any) -> Task:
    """Build the registered task ``name`` with the given parameters.

    Raises ``ValueError`` for an unknown name (listing the known ones) and ``TypeError`` for an
    unknown parameter (listing the accepted ones); the factory validates values.
    """
    factory = _lookup(name)
    accepted = task_parameters(name)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise TypeError(
            f"get_task({name!r}): unknown parameter(s) {unknown}; accepted: {sorted(accepted)}"
        )
    return factory(**params)


def _lookup(name: str) -> TaskFactory:
    if name not in _REGISTRY:
        raise ValueError(f"unknown task {name!r}; registered tasks: {list_tasks()}")
    return _REGISTRY[name]


def as_int(task: str, name: str, value: Any, minimum: int | None = None) -> int:
    """Coerce a task parameter to int (ints, integral floats, or strings of them)."""
    if isinstance(value, bool):
        raise TypeError(f"task {task!r}: parameter {name} must be an int, got {value!r}")
    try:
        number = float(value) if isinstance(value, str) else value
        result = int(number)
        if result != number:
            raise ValueError
    except (TypeError, ValueError):
        raise TypeError(
            f"task {task!r}: parameter {name} must be an int, got {type(value).__name__} {value!r}"
        ) from None
    if minimum is not None and result < minimum:
        raise ValueError(f"task {task!r}: parameter {name} must be >= {minimum}, got {result}")
    return result


def as_float(task: str, name: str, value: Any, positive: bool = False) -> float:
    """Coerce a task parameter to a finite float (numbers or numeric strings)."""
    if isinstance(value, bool):
        raise TypeError(f"task {task!r}: parameter {name} must be a number, got {value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"task {task!r}: parameter {name} must be a number, got "
            f"{type(value).__name__} {value!r}"
        ) from None
    if result != result or result in (float("inf"), float("-inf")):
        raise ValueError(f"task {task!r}: parameter {name} must be finite, got {result}")
    if positive and result <= 0:
        raise ValueError(f"task {task!r}: parameter {name} must be > 0, got {result}")
    return result
