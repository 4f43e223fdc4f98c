"""Progress on the console (rich): messages as dim lines, counted steps as progress bars.

:class:`ConsoleProgress` implements :class:`occam.experiments.registry.Progress`. Its bar display
starts on the first ``step`` call, so a run that only logs leaves the console free for the bars
that nested calls draw themselves (``bars`` is True: training may show its own bar).
"""

from __future__ import annotations

from typing import Any

from occam.experiments.registry import Progress

__all__ = ["ConsoleProgress"]


class ConsoleProgress(Progress):
    """Rich console progress; use as a context manager (``with ConsoleProgress() as p: ...``)."""

    bars = True

    def __init__(self, console: Any = None, transient: bool = True) -> None:
        from rich.console import Console

        self.console = console or Console()
        self.transient = transient
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def log(self, message: str) -> None:
        self.console.print(f"[dim]{message}[/dim]", highlight=False)

    def step(self, task: str, done: int, total: int) -> None:
        if self._bar is None:
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(console=self.console, transient=self.transient)
            self._bar.start()
        if task not in self._tasks:
            self._tasks[task] = self._bar.add_task(task, total=total)
        self._bar.update(self._tasks[task], completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
            self._tasks.clear()

    def __exit__(self, *exc: object) -> None:
        self.close()
