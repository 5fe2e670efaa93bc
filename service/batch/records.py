"""Records of an answers file: JSONL or CSV in, one JSON result line per record out.

Each input record is ``{"id", "answer", "question"?, "context"?: [str], "collection"?}`` plus any
fields of the caller's own (``model``, ``source``, ...). Its output line is every field it came
with, ``id`` as a string, then ``result`` (the response's proto3 JSON) or ``error``: nothing the
caller sent is lost, and extra fields travel to ``veracity report`` and ``compare``, which group
by them. A bad record becomes an error line (a line that is not a JSON object keeps its text in
``input``) and never stops the run.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TextIO

from google.protobuf.json_format import MessageToDict

from veracity_client.v1 import veracity_pb2 as pb

_OPTIONAL_STRINGS = ("question", "collection")
#: Output fields; an input record may not bring its own.
_RESERVED = ("result", "error")


class InputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


class InputError(ValueError):
    """The input as a whole cannot be read (not one bad record): a usage error."""


@dataclass(frozen=True)
class BatchRecord:
    """One input record: a request to run, or the reason it cannot run.

    ``fields`` is what the caller sent, written back on the record's output line.
    """

    id: str
    request: pb.CheckAnswerRequest | None
    error: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)


def read_records(
    source: TextIO, input_format: InputFormat, default_collection: str = ""
) -> Iterator[BatchRecord]:
    """Parse an answers file record by record; a second record with a seen id is an error.

    Raises InputError when the file as a whole is unusable (not UTF-8, a CSV without an
    ``answer`` column).
    """
    seen: dict[str, str] = {}
    try:
        if input_format is InputFormat.csv:
            records = _csv_records(source, default_collection)
        else:
            records = _jsonl_records(source, default_collection)
        for where, record in records:
            if record.id in seen:
                record = BatchRecord(
                    record.id,
                    None,
                    f"{where}: duplicate id {record.id!r} (first at {seen[record.id]})",
                    record.fields,
                )
            else:
                seen[record.id] = where
            yield record
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _jsonl_records(lines: Iterable[str], collection: str) -> Iterator[tuple[str, BatchRecord]]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield f"line {number}", parse_record(line, number, collection)


def _csv_records(source: TextIO, collection: str) -> Iterator[tuple[str, BatchRecord]]:
    reader = csv.DictReader(source)
    if reader.fieldnames is None or "answer" not in reader.fieldnames:
        raise InputError("a CSV answers file needs a header row with an 'answer' column")
    for number, row in enumerate(reader, start=1):
        where = f"row {number}"
        if None in row:  # more cells than header columns
            yield where, BatchRecord(f"row-{number}", None, f"{where}: more cells than columns")
            continue
        yield where, record_from_fields(_csv_fields(row), where, f"row-{number}", collection)


def _csv_fields(row: Mapping[str, str | None]) -> dict[str, Any]:
    """A CSV row as record fields: empty cells left out, ``context`` one text or a JSON list."""
    fields: dict[str, Any] = {k: v for k, v in row.items() if v}
    context = fields.get("context")
    if isinstance(context, str):
        if context.lstrip().startswith("["):
            try:
                fields["context"] = json.loads(context)
            except json.JSONDecodeError:
                fields["context"] = [context]
        else:
            fields["context"] = [context]
    return fields


def parse_record(line: str, number: int, default_collection: str = "") -> BatchRecord:
    """One JSONL line; the id defaults to ``line-<number>``."""
    fallback_id = f"line-{number}"
    raw = {"line": number, "input": line.rstrip("\n")}
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return BatchRecord(fallback_id, None, f"line {number}: invalid JSON ({exc.msg})", raw)
    if not isinstance(data, dict):
        return BatchRecord(fallback_id, None, f"line {number}: expected a JSON object", raw)
    return record_from_fields(data, f"line {number}", fallback_id, default_collection)


def record_from_fields(
    data: Mapping[str, Any], where: str, fallback_id: str, default_collection: str = ""
) -> BatchRecord:
    """A record from its fields, whatever file format they came from."""
    record_id = data.get("id", fallback_id)
    if not isinstance(record_id, str | int) or isinstance(record_id, bool):
        return BatchRecord(
            fallback_id, None, f"{where}: 'id' must be a string or integer", {"input": data}
        )
    record_id = str(record_id)
    fields = {**data, "id": record_id}
    reserved = [key for key in _RESERVED if key in data]
    if reserved:
        # Kept whole under "input", so that the output's own fields cannot overwrite them.
        message = f"{where}: {', '.join(map(repr, reserved))} is reserved for the output"
        return BatchRecord(record_id, None, message, {"id": record_id, "input": dict(data)})
    problems = _type_problems(data)
    if problems:
        return BatchRecord(record_id, None, f"{where}: " + "; ".join(problems), fields)
    request = pb.CheckAnswerRequest(
        answer=data["answer"],
        question=data.get("question", ""),
        collection=data.get("collection", default_collection),
        context=[pb.Document(text=text) for text in data.get("context", [])],
    )
    return BatchRecord(record_id, request, "", fields)


def _type_problems(data: Mapping[str, Any]) -> list[str]:
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


def output_line(
    record: BatchRecord, result: Mapping[str, Any] | None, error: str | None
) -> dict[str, Any]:
    """The record's output line: its own fields, then exactly one of result and error."""
    return {**record.fields, "id": record.id, "result": result, "error": error}


def response_to_dict(response: pb.CheckAnswerResponse) -> dict[str, Any]:
    """The proto3-JSON form, with zero counts kept so every summary field is present."""
    return MessageToDict(response, always_print_fields_with_no_presence=True)
