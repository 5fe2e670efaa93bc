"""Parsing answers files: every malformed line becomes a clear per-line error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.batch import parse_record, read_records, result_line
from veracity_client.v1 import veracity_pb2 as pb


def test_valid_line_becomes_a_request() -> None:
    line = json.dumps(
        {"id": 7, "answer": "A.", "question": "Q?", "context": ["c1", "c2"], "collection": "x"}
    )
    record = parse_record(line, 1)
    assert record.id == "7"
    assert record.error == ""
    assert record.request is not None
    assert record.request.answer == "A."
    assert record.request.question == "Q?"
    assert [d.text for d in record.request.context] == ["c1", "c2"]
    assert record.request.collection == "x"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"id": "a", "answer": 5}', "'answer' must be a string"),
        ('{"id": "a"}', "'answer' must be a string"),
        ('{"id": "a", "answer": "x", "context": "text"}', "'context' must be a list of strings"),
        ('{"id": "a", "answer": "x", "context": [1]}', "'context' must be a list of strings"),
        ('{"id": "a", "answer": "x", "question": null}', "'question' must be a string"),
        ('{"id": {"x": 1}, "answer": "x"}', "'id' must be a string or integer"),
    ],
)
def test_bad_lines_are_reported_with_their_line_number(line: str, message: str) -> None:
    record = parse_record(line, 4)
    assert record.request is None
    assert record.error.startswith("line 4: ")
    assert message in record.error


def test_blank_lines_are_skipped_and_order_kept(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text('{"id": "b", "answer": "x"}\n\n{"id": "a", "answer": "y"}\n', "utf-8")
    assert [r.id for r in read_records(path)] == ["b", "a"]


def test_a_failing_check_becomes_an_error_line() -> None:
    record = parse_record('{"id": "z", "answer": "x"}', 1)

    def failing(request: pb.CheckAnswerRequest) -> pb.CheckAnswerResponse:
        raise ValueError("collection 'nope' does not exist")

    line, response = result_line(record, failing)
    assert response is None
    assert line == {"id": "z", "result": None, "error": "collection 'nope' does not exist"}
