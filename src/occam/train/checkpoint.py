"""Checkpoints and saved models (SPEC 5): atomic writes, ``torch.load(weights_only=True)`` reads.

A file is written to a temporary file in the target folder, flushed to disk and moved into place
with ``os.replace``, so a reader (or a resumed run after a crash) sees either the old file or the
new one, never a torn one. Everything stored is a tensor or a plain JSON-like value (dict, list,
str, int, float, bool, None), which is what ``weights_only=True`` loading accepts; no pickle of
user objects.

Training checkpoint (``save_checkpoint``)::

    {"format": "occam-checkpoint", "version": 1, "config": dict, "model_config": dict,
     "dtype": str, "step": int, "model": state_dict, "optimizer": optimizer state_dict,
     "rng": dict, "history": list[dict], "data_fingerprint": str | None}

Finished model (``save_model``)::

    {"format": "occam-model", "version": 1, "model_config": dict, "dtype": str,
     "model": state_dict, "meta": dict}
"""

from __future__ import annotations

import errno
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from occam._atomic import atomic_write
from occam.errors import FileFormatError
from occam.nets import ResNet, ResNetConfig

CHECKPOINT_FORMAT = "occam-checkpoint"
MODEL_FORMAT = "occam-model"
FORMAT_VERSION = 1
_DTYPE_NAMES = {torch.float64: "float64", torch.float32: "float32"}
_DTYPES = {name: dtype for dtype, name in _DTYPE_NAMES.items()}


def atomic_torch_save(obj: Any, path: str | Path) -> Path:
    """``torch.save`` to a temporary file beside ``path``, fsync, then ``os.replace``."""
    return atomic_write(path, lambda handle: torch.save(obj, handle))


class CheckpointError(FileFormatError):
    """A checkpoint or model file occam cannot use: ``"FILE: reason"`` (an ``OccamError``)."""


def _unreadable_reason(path: Path, exc: BaseException) -> str:
    """Why ``torch.load`` refused ``path``, without torch's advice to load unsafely."""
    if path.stat().st_size == 0:
        return "the file is empty (0 bytes; was its writing or copying interrupted?)"
    if not zipfile.is_zipfile(path):  # every torch.save file since PyTorch 1.6 is a zip archive
        return "not a PyTorch file, or a truncated one"
    if "weights only" in str(exc).lower() or "weights_only" in str(exc):
        return (
            "it holds Python objects, not only tensors and plain values; occam never unpickles "
            "arbitrary objects (that could run code from the file)"
        )
    return f"not a readable PyTorch file ({type(exc).__name__})"


def _load(path: str | Path, expected_format: str | tuple[str, ...]) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, expected a checkpoint file", str(path))
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such checkpoint file", str(path))
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except PermissionError:
        raise
    except Exception as exc:  # unreadable, truncated, not a torch file, or not weights-only
        raise CheckpointError(path, 0, _unreadable_reason(path, exc)) from None
    formats = (expected_format,) if isinstance(expected_format, str) else expected_format
    if not isinstance(payload, dict) or payload.get("format") not in formats:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointError(
            path, 0, f"expected an occam file of format {formats}, found {found!r}"
        )
    if payload.get("version") != FORMAT_VERSION:
        raise CheckpointError(
            path, 0, f"format version {payload.get('version')!r}, this occam reads {FORMAT_VERSION}"
        )
    return payload


def _check_json(value: Any, what: str) -> None:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must hold only JSON-compatible values: {exc}") from None


def _dtype_name(model: ResNet) -> str:
    return _DTYPE_NAMES[model.V_out.dtype]


def save_checkpoint(
    path: str | Path,
    model: ResNet,
    optimizer_state: Mapping[str, Any],
    step: int,
    config: Mapping[str, Any] | Any,
    rng_state: Mapping[str, Any],
    history: list[dict[str, Any]],
    *,
    data_fingerprint: str | None = None,
) -> Path:
    """Atomically write a resumable training checkpoint (layout in the module docstring).

    ``config`` is a TrainConfig or its dict; ``rng_state`` holds tensors and ints (minibatch
    generator state, current permutation and position); ``history`` is JSON-compatible.
    """
    config_dict = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    _check_json(config_dict, "config")
    _check_json(history, "history")
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": FORMAT_VERSION,
        "config": config_dict,
        "model_config": model.config.to_dict(),
        "dtype": _dtype_name(model),
        "step": int(step),
        "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "optimizer": dict(optimizer_state),
        "rng": dict(rng_state),
        "history": list(history),
        "data_fingerprint": data_fingerprint,
    }
    return atomic_torch_save(payload, path)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``)."""
    payload = _load(path, CHECKPOINT_FORMAT)
    missing = [
        k
        for k in ("config", "model_config", "dtype", "step", "model", "optimizer", "rng", "history")
        if k not in payload
    ]
    if missing:
        raise CheckpointError(path, 0, f"checkpoint lacks the entries {missing}")
    return payload


def _build_model(payload: dict[str, Any], path: str | Path) -> ResNet:
    try:
        cfg = ResNetConfig.from_dict(payload["model_config"])
        dtype = _DTYPES[payload["dtype"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(path, 0, f"invalid model description ({exc})") from None
    model = ResNet.from_config(cfg, dtype=dtype, seed=0)
    try:
        model.load_state_dict(payload["model"])
    except (KeyError, TypeError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(path, 0, f"the weights do not fit the model ({first})") from None
    return model


def save_model(path: str | Path, model: ResNet, meta: Mapping[str, Any] | None = None) -> Path:
    """Atomically save a finished model: state_dict (masks included), architecture, JSON meta."""
    if not isinstance(model, ResNet):
        raise TypeError(f"save_model: expected an occam ResNet, got {type(model).__name__}")
    meta = dict(meta or {})
    _check_json(meta, "meta")
    payload = {
        "format": MODEL_FORMAT,
        "version": FORMAT_VERSION,
        "model_config": model.config.to_dict(),
        "dtype": _dtype_name(model),
        "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "meta": meta,
    }
    return atomic_torch_save(payload, path)


def load_model(path: str | Path) -> tuple[ResNet, dict[str, Any]]:
    """Load a model saved by :func:`save_model`, or the model inside a training checkpoint.

    Returns ``(model, meta)``; for a training checkpoint meta holds its ``config``, ``step`` and
    ``history``.
    """
    payload = _load(path, (MODEL_FORMAT, CHECKPOINT_FORMAT))
    model = _build_model(payload, path)
    if payload["format"] == MODEL_FORMAT:
        meta = dict(payload.get("meta", {}))
    else:
        meta = {
            "config": payload["config"],
            "step": payload["step"],
            "history": payload["history"],
        }
    return model, meta
