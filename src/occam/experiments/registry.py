"""The experiment registry (SPEC 14): a typed config, one run function, ``--quick`` sizes.

An experiment is registered once, with

- a **config type**: a frozen dataclass whose fields (with defaults) are the experiment's
  parameters; nested dataclass fields are addressed by dotted keys (``learning.trials``);
- a **quick** config: sizes that finish in minutes on 2 CPU cores (``--quick``);
- one **run function** ``run(config, out_dir, progress) -> Results``: it writes its files
  (JSON, CSV, PNG, Markdown/HTML report, all atomic) into ``out_dir`` and returns the results
  table.

The results table is :class:`Results`: ``rows`` (a list of flat dicts, one per measured object,
the table that sweeps concatenate), ``summary`` (anything that is not per row: fits, verdicts) and
``files`` (name -> written path). ``timing_columns`` names the row columns that hold wall times,
the only ones allowed to differ between two runs of the same config.

Progress goes through :class:`Progress`: ``log(message)`` for a line of text and
``step(task, done, total)`` for counted work; ``bars`` tells nested calls (training) whether they
may draw their own progress bars. The base class is silent.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from occam.errors import OccamError

__all__ = [
    "ConfigError",
    "Experiment",
    "Progress",
    "Results",
    "config_dict",
    "experiments",
    "get_experiment",
    "register",
]

# Built-in experiments, imported on first use so that listing them stays cheap.
_BUILTIN_MODULES = (
    "occam.experiments.demo",
    "occam.experiments.tetrakis",
    "occam.experiments.rnorm",
    "occam.experiments.iwls",
)
_REGISTRY: dict[str, Experiment] = {}


class ConfigError(OccamError, ValueError):
    """A bad experiment name, config key or value; the message names it."""


class Progress:
    """Silent progress sink; subclasses show messages and counted steps (e.g. rich bars)."""

    bars: bool = False  # may nested calls (training) draw their own progress bars?

    def log(self, message: str) -> None:
        """One line of text about what the run is doing."""

    def step(self, task: str, done: int, total: int) -> None:
        """``done`` of ``total`` units of ``task`` are finished."""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        """Subclasses close their display here."""


@dataclass
class Results:
    """What a run returns: the row table, a summary (fits, verdicts, ...) and the written files."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


RunFunction = Callable[[Any, Path, Progress], Results]


@dataclass(frozen=True)
class Experiment:
    """A registered experiment: see the module docstring."""

    name: str
    config_type: type
    quick_config: Callable[[], Any]
    run_function: RunFunction
    description: str
    spec: str = ""
    timing_columns: tuple[str, ...] = ()

    def config(self, *, quick: bool = False, **overrides: Any) -> Any:
        """The default (or quick) config with ``overrides`` applied (dotted keys reach nested
        configs; strings from the command line are parsed into the field's type)."""
        base = self.quick_config() if quick else self.config_type()
        return apply_overrides(base, overrides)

    def run(self, config: Any, out_dir: str | Path, progress: Progress | None = None) -> Results:
        """Run ``config`` (checked to be of this experiment's type), writing into ``out_dir``."""
        if not isinstance(config, self.config_type):
            raise ConfigError(
                f"{self.name}: expected a {self.config_type.__name__} config, "
                f"got {type(config).__name__}"
            )
        out = Path(out_dir).resolve()
        out.mkdir(parents=True, exist_ok=True)
        return self.run_function(config, out, progress or Progress())

    def fields(self) -> dict[str, Any]:
        """Dotted field name -> default value (nested configs flattened)."""
        return dict(_flatten(config_dict(self.config_type())))


def register(
    name: str,
    *,
    config: type,
    quick: Callable[[], Any],
    description: str,
    spec: str = "",
    timing_columns: tuple[str, ...] = (),
) -> Callable[[RunFunction], RunFunction]:
    """Decorator registering ``run(config, out_dir, progress) -> Results`` as experiment ``name``.

    ``config`` must be a dataclass type constructible without arguments; registering a second
    experiment under a taken name with a different run function raises ConfigError.
    """
    if not dataclasses.is_dataclass(config):
        raise ConfigError(f"register({name!r}): config must be a dataclass type, got {config!r}")

    def decorate(run: RunFunction) -> RunFunction:
        old = _REGISTRY.get(name)
        if old is not None and old.run_function is not run:
            same = (old.run_function.__module__, old.run_function.__qualname__) == (
                run.__module__,
                run.__qualname__,
            )
            if not same:
                raise ConfigError(f"register: an experiment named {name!r} exists already")
        _REGISTRY[name] = Experiment(
            name, config, quick, run, description, spec, tuple(timing_columns)
        )
        return run

    return decorate


def _load_builtins() -> None:
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def experiments() -> dict[str, Experiment]:
    """Every registered experiment, by name (the built-in ones first)."""
    _load_builtins()
    order = {module: i for i, module in enumerate(_BUILTIN_MODULES)}
    ranked = sorted(
        _REGISTRY.values(), key=lambda e: order.get(e.run_function.__module__, len(order))
    )
    return {e.name: e for e in ranked}


def get_experiment(name: str | Experiment) -> Experiment:
    """The experiment registered as ``name`` (an Experiment is returned unchanged)."""
    if isinstance(name, Experiment):
        return name
    registry = experiments()
    if name not in registry:
        raise ConfigError(
            f"experiment: no experiment named {name!r}; registered: {', '.join(registry)}"
        )
    return registry[name]


# -- configs: to dict, overrides ---------------------------------------------------------------
def config_dict(config: Any) -> dict[str, Any]:
    """The config as plain JSON-able data (tuples as lists, nested dataclasses as dicts)."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        return value

    return plain(config)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def apply_overrides(config: Any, overrides: Mapping[str, Any]) -> Any:
    """``dataclasses.replace`` with dotted keys; each value is converted to the field's type
    (strings are parsed: JSON numbers/lists/booleans, otherwise kept as text)."""
    grouped: dict[str, dict[str, Any]] = {}
    direct: dict[str, Any] = {}
    for key, value in overrides.items():
        head, dot, rest = key.partition(".")
        if dot:
            grouped.setdefault(head, {})[rest] = value
        else:
            direct[key] = value
    hints = _field_types(type(config))
    changes: dict[str, Any] = {}
    for key, value in direct.items():
        if key not in hints:
            raise ConfigError(_unknown_key(config, key))
        changes[key] = coerce(value, hints[key], key)
    for head, sub in grouped.items():
        inner = getattr(config, head, None) if head in hints else None
        if not (dataclasses.is_dataclass(inner) and not isinstance(inner, type)):
            raise ConfigError(_unknown_key(config, f"{head}.{next(iter(sub))}"))
        try:
            changes[head] = apply_overrides(changes.get(head, inner), sub)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("config key '", f"config key '{head}.")) from None
    try:
        return dataclasses.replace(config, **changes)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{type(config).__name__}: {exc}") from None


def _unknown_key(config: Any, key: str) -> str:
    known = ", ".join(k for k, _ in _flatten(config_dict(config)))
    return f"config key {key!r} unknown for {type(config).__name__}; known: {known}"


def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(cls)}


def parse_value(text: str) -> Any:
    """A command-line value: JSON if it parses (``3``, ``0.5``, ``[1, 2]``, ``true``), else text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def coerce(value: Any, hint: Any, key: str) -> Any:
    """``value`` converted to the type ``hint`` of field ``key`` (int, float, bool, str, tuples of
    those, optional); raises ConfigError naming the key otherwise."""
    if isinstance(value, str) and hint is not str:
        value = parse_value(value)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
        return coerce(value, hint, key)
    if origin is tuple:
        items = value if isinstance(value, (list, tuple)) else [value]
        inner = args[0] if args else Any
        return tuple(coerce(v, inner, key) for v in items)
    bad = ConfigError(
        f"config key {key!r}: expected {getattr(hint, '__name__', hint)}, got {value!r}"
    )
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise bad
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise bad
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise bad
    if hint is str:
        return str(value)
    return value
