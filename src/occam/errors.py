"""occam's error types: one base class, so a caller (and the CLI) can tell a user error from a bug.

Every error that a user can cause by what they pass in (a file, an argument, a model) derives from
:class:`OccamError`; the command line prints those as one clear message and exits with status 2,
while anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from os import PathLike

__all__ = ["FileFormatError", "NotFittedError", "OccamError"]


class OccamError(Exception):
    """Base class of the errors a user can cause; ``str(err)`` is the whole message."""


class FileFormatError(OccamError, ValueError):
    """A file that cannot be parsed: ``str(err)`` is ``"FILE:LINE: what was wrong"``.

    Attributes ``path`` (str), ``line`` (1-based line number, 0 when no line applies) and
    ``reason`` (the message without the location).
    """

    def __init__(self, path: str | PathLike[str] | None, line: int, reason: str) -> None:
        self.path = str(path) if path is not None else "<memory>"
        self.line = int(line)
        self.reason = reason
        where = f"{self.path}:{self.line}" if self.line > 0 else self.path
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):  # picklable across process pools despite the custom __init__
        return (type(self), (self.path, self.line, self.reason))


class NotFittedError(OccamError, ValueError, AttributeError):
    """An estimator was used before ``fit`` (as in scikit-learn: ValueError and AttributeError)."""
