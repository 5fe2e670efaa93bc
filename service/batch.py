"""Batch scoring of answer files: JSONL in, one JSONL result line per input line, in order.

Each input line is ``{"id", "answer", "question"?, "context"?: [str], "collection"?}``; each
output line is ``{"id", "result", "error"}`` with exactly one of result/error set. A bad line
becomes an error line and never stops the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict

from veracity_client.v1 import veracity_pb2 as pb

_OPTIONAL_STRINGS = ("question", "collection")


@dataclass(frozen=True)
class BatchRecord:
    """One input line: a request to run, or the reason it cannot run."""

    id: str
    request: pb.CheckAnswerRequest | None
    error: str = ""


def read_records(path: Path, default_collection: str = "") -> Iterator[BatchRecord]:
    """Parse an answers file line by line; blank lines are skipped."""
    with path.open(encoding="utf-8", errors="strict") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield parse_record(line, number, default_collection)


def parse_record(line: str, number: int, default_collection: str = "") -> BatchRecord:
    fallback_id = f"line-{number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return BatchRecord(fallback_id, None, f"line {number}: invalid JSON ({exc.msg})")
    if not isinstance(data, dict):
        return BatchRecord(fallback_id, None, f"line {number}: expected a JSON object")
    record_id = data.get("id", fallback_id)
    if not isinstance(record_id, str | int) or isinstance(record_id, bool):
        return BatchRecord(fallback_id, None, f"line {number}: 'id' must be a string or integer")
    record_id = str(record_id)
    problems = _type_problems(data)
    if problems:
        return BatchRecord(record_id, None, f"line {number}: " + "; ".join(problems))
    request = pb.CheckAnswerRequest(
        answer=data["answer"],
        question=data.get("question", ""),
        collection=data.get("collection", default_collection),
        context=[pb.Document(text=text) for text in data.get("context", [])],
    )
    return BatchRecord(record_id, request)


def _type_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    if not isinstance(data.get("answer"), str):
        problems.append("'answer' must be a string")
    for key in _OPTIONAL_STRINGS:
        if key in data and not isinstance(data[key], str):
            problems.append(f"'{key}' must be a string")
    context = data.get("context", [])
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        problems.append("'context' must be a list of strings")
    return problems


def result_line(
    record: BatchRecord, check: Callable[[pb.CheckAnswerRequest], pb.CheckAnswerResponse]
) -> tuple[dict[str, Any], pb.CheckAnswerResponse | None]:
    """Run one record; errors the checker raises become the line's ``error``."""
    if record.request is None:
        return {"id": record.id, "result": None, "error": record.error}, None
    try:
        response = check(record.request)
    except Exception as exc:  # one bad record must not stop the batch
        return {"id": record.id, "result": None, "error": str(exc) or type(exc).__name__}, None
    return {"id": record.id, "result": response_to_dict(response), "error": None}, response


def response_to_dict(response: pb.CheckAnswerResponse) -> dict[str, Any]:
    """The proto3-JSON form, with zero counts kept so every summary field is present."""
    return MessageToDict(response, always_print_fields_with_no_presence=True)
