"""Reading answers files (JSONL, CSV): every malformed record becomes a clear per-record error,
and every field the caller sent reaches the output line."""

from __future__ import annotations

import io
import json

import pytest

from service.batch.records import (
    InputError,
    InputFormat,
    output_line,
    parse_record,
    read_records,
)


def records(text: str, fmt: InputFormat = InputFormat.jsonl) -> list:
    return list(read_records(io.StringIO(text), fmt))


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
        ('{"id": "a", "answer": "x", "result": 1}', "'result' is reserved for the output"),
    ],
)
def test_bad_lines_are_reported_with_their_line_number(line: str, message: str) -> None:
    record = parse_record(line, 4)
    assert record.request is None
    assert record.error.startswith("line 4: ")
    assert message in record.error


def test_what_the_caller_sent_reaches_the_output_line() -> None:
    extra = {"id": "q1", "answer": "x", "model": "m-2", "source": "web", "meta": {"k": [1]}}
    record = parse_record(json.dumps(extra), 1)
    line = output_line(record, {"claims": []}, None)
    assert line == {**extra, "result": {"claims": []}, "error": None}
    # A line that is not JSON keeps its text, so it can be fixed and run again.
    broken = parse_record("{oops\n", 3)
    assert output_line(broken, None, broken.error)["input"] == "{oops"
    # A record naming an output field keeps everything under "input" instead of losing it.
    clash = parse_record('{"id": "c", "answer": "x", "error": "mine"}', 5)
    assert output_line(clash, None, clash.error)["input"]["error"] == "mine"


def test_blank_lines_are_skipped_and_order_kept() -> None:
    text = '{"id": "b", "answer": "x"}\n\n{"id": "a", "answer": "y"}\n'
    assert [r.id for r in records(text)] == ["b", "a"]


def test_a_repeated_id_is_an_error_of_the_later_record() -> None:
    found = records('{"id": "a", "answer": "x"}\n{"id": "a", "answer": "y"}\n')
    assert found[0].request is not None
    assert found[1].request is None
    assert found[1].error == "line 2: duplicate id 'a' (first at line 1)"


def test_csv_rows_become_records_with_their_extra_columns() -> None:
    text = (
        "id,answer,question,context,model\r\n"
        'r1,"Water boils, at sea level, at 100 °C.",,"[""doc one"", ""doc two""]",m1\r\n'
        "r2,Ice is cold.,Is ice cold?,a single document,m2\r\n"
        "r3,,,,m1\r\n"
        "r4,x,,,m1,spare\r\n"
    )
    found = records(text, InputFormat.csv)
    assert [r.id for r in found] == ["r1", "r2", "r3", "row-4"]
    first, second, empty, extra = found
    assert first.request is not None and second.request is not None
    assert first.request.answer == "Water boils, at sea level, at 100 °C."
    assert [d.text for d in first.request.context] == ["doc one", "doc two"]
    assert first.request.question == ""
    assert first.fields["model"] == "m1"
    assert [d.text for d in second.request.context] == ["a single document"]
    assert second.request.question == "Is ice cold?"
    assert empty.request is None and "'answer' must be a string" in empty.error
    assert extra.request is None and extra.error == "row 4: more cells than columns"


def test_a_csv_without_an_answer_column_is_refused_whole() -> None:
    with pytest.raises(InputError, match="'answer' column"):
        records("id,text\n1,hello\n", InputFormat.csv)


def test_input_that_is_not_utf8_is_refused_whole() -> None:
    source = io.TextIOWrapper(io.BytesIO(b'{"id": "a", "answer": "\xff"}\n'), encoding="utf-8")
    with pytest.raises(InputError, match="not UTF-8"):
        list(read_records(source, InputFormat.jsonl))
