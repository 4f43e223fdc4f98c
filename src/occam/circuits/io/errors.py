"""The error raised for malformed circuit files (SPEC 2.1 file formats, issue 3 item 4)."""

from __future__ import annotations

from os import PathLike

__all__ = ["CircuitFormatError"]


class CircuitFormatError(ValueError):
    """A circuit file that cannot be parsed: ``str(err)`` is ``"FILE:LINE: what was wrong"``.

    Attributes ``path`` (str), ``line`` (1-based line number, 0 when no line applies) and
    ``reason`` (the message without the location).
    """

    def __init__(self, path: str | PathLike[str] | None, line: int, reason: str) -> None:
        self.path = str(path) if path is not None else "<memory>"
        self.line = int(line)
        self.reason = reason
        super().__init__(f"{self.path}:{self.line}: {reason}")
