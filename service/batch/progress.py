"""Progress of a batch run on stderr: a rich bar on a terminal, plain lines in a log.

A bar that redraws itself turns a log file into noise, so when stderr is not a terminal the
same numbers (done/total, answers/s, claims/s, ETA, errors) go out as one line every
``interval_s`` seconds and once at the end.
"""

from __future__ import annotations

import time
from datetime import timedelta
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _RateColumn(ProgressColumn):
    """Answers per second, as rich estimates it over the last seconds."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.2f} answers/s" if speed else "- answers/s", style="cyan")


class BatchProgress:
    """Counts finished answers, claims and errors and shows them; errors are printed as met."""

    def __init__(self, console: Console, interval_s: float = 10.0) -> None:
        self.console = console
        self.interval_s = interval_s
        self.total = self.done = self.claims = self.errors = 0
        self._started = time.monotonic()
        self._last_line = self._started
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> BatchProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.total:
            self.console.print(self.line(), highlight=False)

    def start(self, total: int, skipped: int) -> None:
        self.total = total
        self._started = self._last_line = time.monotonic()
        if skipped:
            self.console.print(f"resuming: {skipped} answers already done", highlight=False)
        if self.console.is_terminal:
            self._bar = Progress(
                TextColumn("checking"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[errors]} errors"),
                console=self.console,
            )
            self._task = self._bar.add_task("check", total=total, errors=0)
            self._bar.start()

    def advance(self, claims: int, error: str | None, record_id: str) -> None:
        self.done += 1
        self.claims += claims
        if error is not None:
            self.errors += 1
            self.console.print(f"[red]{record_id}: {error}[/]", highlight=False)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, errors=self.errors)
        elif time.monotonic() - self._last_line >= self.interval_s:
            self._last_line = time.monotonic()
            self.console.print(self.line(), highlight=False)

    def line(self) -> str:
        """``checked 120/1000 (12.0%), 3.40 answers/s, 11.9 claims/s, ETA 0:04:18, 2 errors``."""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        left = self.total - self.done
        eta = str(timedelta(seconds=round(left / rate))) if rate else "-"
        share = 100 * self.done / self.total if self.total else 100.0
        return (
            f"checked {self.done}/{self.total} ({share:.1f}%), {rate:.2f} answers/s, "
            f"{self.claims / elapsed:.1f} claims/s, ETA {eta}, {self.errors} errors"
        )
