"""Where a batch reads and writes: files or ``-`` (stdin/stdout), and resuming a run.

Results go to ``<output>.partial`` and are renamed onto ``<output>`` only when every record has
its line, so a reader never sees half a results file. A run that stops early (Ctrl-C, a crash,
a killed job) is resumed by running the same command again: the lines with a ``result`` from
the earlier run (in ``<output>``, ``.partial`` or ``.resume``) are kept, their ids skipped, and
error lines tried again. Before the new ``.partial`` is started, every kept line is written to
``<output>.resume`` (aside, then renamed), so no finished line is lost whenever the run stops.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from service.batch.records import InputFormat

STDIO = "-"


def input_format(spec: str, given: InputFormat | None) -> InputFormat:
    """The format named, else CSV for a ``.csv`` file, else JSONL (also for stdin)."""
    if given is not None:
        return given
    return InputFormat.csv if spec.lower().endswith(".csv") else InputFormat.jsonl


@contextmanager
def open_input(spec: str) -> Iterator[TextIO]:
    """The answers file, or stdin for ``-``; UTF-8, newlines kept as they are for CSV."""
    if spec == STDIO:
        sys.stdin.reconfigure(encoding="utf-8", errors="strict", newline="")  # type: ignore[union-attr]
        yield sys.stdin
        return
    with open(spec, encoding="utf-8", errors="strict", newline="") as handle:
        yield handle


class StdoutSink:
    """Result lines to stdout, each flushed so that a pipe's reader gets it at once."""

    def __init__(self) -> None:
        self.prior: dict[str, str] = {}  # nothing to resume on a stream

    def __enter__(self) -> StdoutSink:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def keep(self, lines: list[str]) -> None:
        return None  # a stream cannot be resumed

    def commit(self) -> str:
        return "stdout"


class ResultFile:
    """Result lines to ``<output>.partial``, renamed onto ``output`` by ``commit``.

    ``prior`` holds the lines of an earlier run that had a result, by id (empty with
    ``fresh``, which also drops the earlier run's files).
    """

    def __init__(self, output: Path, fresh: bool = False) -> None:
        self.output = output
        self.partial = output.with_name(output.name + ".partial")
        self.resume = output.with_name(output.name + ".resume")
        self.fresh = fresh
        self.prior: dict[str, str] = {}
        self._handle: TextIO | None = None

    def __enter__(self) -> ResultFile:
        self.output.parent.mkdir(parents=True, exist_ok=True)
        if self.fresh:
            self.resume.unlink(missing_ok=True)
        else:
            for path in (self.output, self.resume, self.partial):
                self.prior.update(_finished_lines(path))
            if self.prior:
                _write_aside(self.resume, self.prior.values())
        self._handle = self.partial.open("w", encoding="utf-8")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.close()

    def write(self, line: str) -> None:
        assert self._handle is not None, "use ResultFile as a context manager"
        self._handle.write(line + "\n")
        self._handle.flush()

    def keep(self, lines: list[str]) -> None:
        """Save finished lines that could not be written in order (the run stopped early)."""
        _write_aside(self.resume, [*self.prior.values(), *lines])

    def commit(self) -> str:
        """Every line is written: the partial file becomes the output."""
        assert self._handle is not None, "use ResultFile as a context manager"
        self._handle.close()
        self.partial.replace(self.output)
        self.resume.unlink(missing_ok=True)
        return str(self.output)


def _finished_lines(path: Path) -> dict[str, str]:
    """id -> line for each line of ``path`` that has a result; torn or foreign lines skipped."""
    found: dict[str, str] = {}
    if not path.is_file():
        return found
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n")
            try:
                data: Any = json.loads(line)
            except json.JSONDecodeError:
                continue  # the last line of a run killed mid-write
            if isinstance(data, dict) and isinstance(data.get("id"), str) and data.get("result"):
                found[data["id"]] = line
    return found


def _write_aside(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` to ``path`` atomically (a temporary file renamed over it)."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
