"""How the command line reports errors: a user error is one line, a bug keeps its traceback.

Every :class:`occam.errors.OccamError` (bad file, bad argument, bad model; SPEC 15 error rule) and
every operating-system refusal on a path the user named (missing, a directory, no permission) is
printed as ``occam: error: MESSAGE`` on stderr with exit status 2. Any other exception is a bug in
occam and propagates with its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
import typer
from typer.core import TyperGroup

from occam.errors import OccamError

EXIT_USER_ERROR = 2


class UsageError(OccamError, ValueError):
    """A bad command-line argument or combination of arguments; the message names it."""


def os_error_message(exc: OSError) -> str:
    """``PATH: reason`` for an OSError about a file (``IsADirectoryError``, ``PermissionError``,
    ...), naming the path as the user wrote it."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    where = os.fsdecode(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {os.fsdecode(exc.filename2)}"
    return f"{where}: {reason}"


def user_error_message(exc: BaseException) -> str | None:
    """The one-line message for a user error, or None when ``exc`` is a bug."""
    if isinstance(exc, OccamError):
        return str(exc)
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        return os_error_message(exc)
    if isinstance(exc, (PermissionError, FileExistsError)):
        return os_error_message(exc)
    if isinstance(exc, OSError) and exc.filename is not None:  # e.g. ENOSPC, EROFS on a user path
        return os_error_message(exc)
    return None


def print_user_error(message: str) -> None:
    """``occam: error: MESSAGE`` on stderr (plain text: file names may contain ``[``)."""
    click.echo(f"occam: error: {message}", err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Report user errors raised inside the block as one line and exit with status 2."""
    try:
        yield
    except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
        raise
    except Exception as exc:
        message = user_error_message(exc)
        if message is None:
            raise
        print_user_error(message)
        raise typer.Exit(code=EXIT_USER_ERROR) from None


class OccamGroup(TyperGroup):
    """A typer group whose sub-commands report user errors through :func:`user_errors`."""

    def invoke(self, ctx: click.Context):
        with user_errors():
            return super().invoke(ctx)


def run_main(app: typer.Typer) -> None:
    """Run ``app`` as the ``occam`` program; a user error that escaped every command still
    becomes one line (exit 2), and Ctrl-C exits with 130 without a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        print_user_error("interrupted")
        sys.exit(130)
    except Exception as exc:
        message = user_error_message(exc)
        if message is None:
            raise
        print_user_error(message)
        sys.exit(EXIT_USER_ERROR)
