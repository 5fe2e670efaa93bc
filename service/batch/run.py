"""Running a batch: the engines that check requests, and the loop that writes their lines.

An engine checks a list of requests and reports each as it finishes, in any order (the
remote engine runs several at once, Ray's workers finish when they finish); ``run_batch`` puts
the lines back in input order, keeps the lines of an earlier run (resume), and counts errors.
Engines are thin: in-process they call the one Checker, remotely the async SDK, on Ray the
Checker inside Ray actors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from service.batch.records import BatchRecord, output_line, response_to_dict
from veracity_client.v1 import veracity_pb2 as pb

if TYPE_CHECKING:
    from service.pipeline.checker import Checker

CheckFn = Callable[[pb.CheckAnswerRequest], pb.CheckAnswerResponse]


@dataclass(frozen=True)
class Done:
    """One finished request: its position in the engine's list, and its result or error."""

    position: int
    result: dict[str, Any] | None
    error: str | None


class Engine(Protocol):
    def run(self, requests: Sequence[pb.CheckAnswerRequest]) -> Iterator[Done]:
        """Check every request, yielding one Done for each, in any order."""
        ...


class Progress(Protocol):
    def start(self, total: int, skipped: int) -> None: ...

    def advance(self, claims: int, error: str | None, record_id: str) -> None: ...


def error_text(exc: BaseException) -> str:
    """What a failed check writes in its line's ``error``."""
    return str(exc) or type(exc).__name__


def check_one(position: int, check: CheckFn, request: pb.CheckAnswerRequest) -> Done:
    """Run one request; whatever it raises becomes the record's error, never the run's."""
    try:
        response = check(request)
    except Exception as exc:  # one bad record must not stop the batch
        return Done(position, None, error_text(exc))
    return Done(position, response_to_dict(response), None)


def checker_fn(checker: Checker) -> CheckFn:
    """The Checker behind the protocol's messages, as the server runs it (no gRPC involved)."""
    from service.transport import convert

    def check(request: pb.CheckAnswerRequest) -> pb.CheckAnswerResponse:
        domain = convert.check_request_from_proto(request, checker.settings.default_top_k)
        response: pb.CheckAnswerResponse = convert.check_result_to_proto(checker.check(domain))
        return response

    return check


class LocalEngine:
    """The in-process Checker, one answer after another."""

    def __init__(self, check: CheckFn) -> None:
        self.check = check

    def run(self, requests: Sequence[pb.CheckAnswerRequest]) -> Iterator[Done]:
        for position, request in enumerate(requests):
            yield check_one(position, self.check, request)


@dataclass(frozen=True)
class BatchOutcome:
    records: int
    skipped: int
    errors: int


def run_batch(
    records: Sequence[BatchRecord],
    engine: Engine,
    write: Callable[[str, dict[str, Any]], None],
    progress: Progress,
    prior: Mapping[str, str] | None = None,
    keep: Callable[[list[str]], None] | None = None,
) -> BatchOutcome:
    """Check every record not already done and ``write`` one JSON line per record, in order.

    ``prior`` maps ids to the lines an earlier run wrote for them (resuming); those are written
    again as they are. ``write`` gets each JSON line and the same line as a dict. If the run
    stops early, results that finished ahead of an earlier record (so not written yet) go to
    ``keep``, to be resumed.
    """
    prior = prior or {}
    ready: dict[int, tuple[str, dict[str, Any]]] = {}
    pending: list[tuple[int, pb.CheckAnswerRequest]] = []
    bad: list[BatchRecord] = []
    for position, record in enumerate(records):
        if record.request is None:
            line = output_line(record, None, record.error)
            ready[position] = (_dumps(line), line)
            bad.append(record)
        elif record.id in prior:
            ready[position] = (prior[record.id], json.loads(prior[record.id]))
        else:
            pending.append((position, record.request))
    skipped = len(records) - len(pending) - len(bad)
    progress.start(len(pending) + len(bad), skipped)
    for record in bad:
        progress.advance(0, record.error, record.id)
    errors = len(bad)
    written = _flush(ready, 0, write)
    try:
        for done in engine.run([request for _, request in pending]):
            position = pending[done.position][0]
            line = output_line(records[position], done.result, done.error)
            ready[position] = (_dumps(line), line)
            errors += done.error is not None
            claims = len(done.result.get("claims", ())) if done.result else 0
            progress.advance(claims, done.error, records[position].id)
            written = _flush(ready, written, write)
    except BaseException:
        stranded = [
            text
            for text, line in ready.values()
            if line["result"] is not None and line["id"] not in prior
        ]
        if keep is not None and stranded:
            keep(stranded)
        raise
    if written != len(records):
        raise RuntimeError(f"the engine finished {written} of {len(records)} records")
    return BatchOutcome(len(records), skipped, errors)


def _flush(
    ready: dict[int, tuple[str, dict[str, Any]]],
    written: int,
    write: Callable[[str, dict[str, Any]], None],
) -> int:
    """Write the lines that are next in input order; return how many are written."""
    while written in ready:
        write(*ready.pop(written))
        written += 1
    return written


def _dumps(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False)
