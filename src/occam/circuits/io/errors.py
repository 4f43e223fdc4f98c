"""The error raised for malformed circuit files (SPEC 2.1 file formats, issue 3 item 4)."""

from __future__ import annotations

from occam.errors import FileFormatError, OccamError

__all__ = ["CircuitFormatError", "UnknownFormatError"]


class CircuitFormatError(FileFormatError):
    """A circuit file that cannot be parsed: ``str(err)`` is ``"FILE:LINE: what was wrong"``.

    A :class:`occam.errors.FileFormatError` (so an ``OccamError`` and a ``ValueError``) with
    attributes ``path`` (str), ``line`` (1-based line number) and ``reason`` (the message without
    the location).
    """


class UnknownFormatError(OccamError, ValueError):
    """A circuit file name whose suffix names no format occam reads (or writes)."""
