"""``veracity check --input``: read the records, run them on an engine, write, exit.

Kept apart from the command-line parsing so that the choice of engine (in-process, a server,
Ray) stays a single argument: reading, resuming, ordering, progress and exit codes are the
same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.json_format import ParseDict
from rich.console import Console

from service.batch.files import STDIO, ResultFile, StdoutSink, input_format, open_input
from service.batch.progress import BatchProgress
from service.batch.records import BatchRecord, InputError, InputFormat, read_records
from service.batch.run import Engine, run_batch
from veracity_client.v1 import veracity_pb2 as pb

#: Exit codes: 0 ok, 1 fatal error, 2 bad usage or input, 3 finished with record errors over
#: --max-errors, 130 interrupted (run the same command again to resume).
EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_RECORD_ERRORS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UsageError(Exception):
    """The command cannot start: a missing file, unreadable input, a bad combination."""


@dataclass(frozen=True)
class FileCheck:
    input: str
    # None: no results file (tables on stdout); "-": JSONL on stdout.
    output: str | None
    input_format: InputFormat | None
    collection: str
    # Print each result as a table on stdout.
    tables: bool
    max_errors: int
    fresh: bool


def check_file(
    job: FileCheck, make_engine: Callable[[], Engine], stdout: Console, stderr: Console
) -> int:
    """Run the whole file and return the exit code; raises UsageError before any work."""
    records = _read(job)
    engine = make_engine()
    sink = StdoutSink() if job.output in (None, STDIO) else ResultFile(Path(job.output), job.fresh)
    write_lines = job.output is not None

    def write(text: str, line: dict[str, Any]) -> None:
        if write_lines:
            sink.write(text)
        if job.tables and line["result"] is not None:
            from service.report.render import render_response

            response = ParseDict(line["result"], pb.CheckAnswerResponse())
            stdout.print(render_response(response, title=f"answer {line['id']}"))

    try:
        with sink, BatchProgress(stderr) as progress:
            outcome = run_batch(records, engine, write, progress, sink.prior, sink.keep)
            where = sink.commit()
    except KeyboardInterrupt:
        stderr.print("interrupted: run the same command again to resume", highlight=False)
        return EXIT_INTERRUPTED
    if write_lines and job.output != STDIO:
        stderr.print(f"{outcome.records} results written to {where}", highlight=False)
    if outcome.errors:
        over = outcome.errors > job.max_errors
        stderr.print(
            f"{outcome.errors} of {outcome.records} answers failed"
            + (f" (more than --max-errors {job.max_errors})" if over else ""),
            highlight=False,
        )
        if over:
            return EXIT_RECORD_ERRORS
    return EXIT_OK


def _read(job: FileCheck) -> list[BatchRecord]:
    if job.input != STDIO and not Path(job.input).is_file():
        raise UsageError(f"{job.input}: no such file")
    fmt = input_format(job.input, job.input_format)
    try:
        with open_input(job.input) as source:
            return list(read_records(source, fmt, job.collection))
    except InputError as exc:
        raise UsageError(f"{job.input}: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"{job.input}: {exc.strerror or exc}") from exc
