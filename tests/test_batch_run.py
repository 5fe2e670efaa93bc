"""The batch loop and its files: input order whatever the engine's order, resuming after an
interruption without checking a finished answer twice, and progress lines for logs."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from rich.console import Console

from service.batch.files import ResultFile
from service.batch.progress import BatchProgress
from service.batch.records import InputFormat, read_records
from service.batch.run import Done, run_batch
from veracity_client.v1 import veracity_pb2 as pb

ANSWERS = "\n".join(
    [
        '{"id": "a", "answer": "one", "model": "m1"}',
        "{broken",
        '{"id": "b", "answer": "two"}',
        '{"id": "c", "answer": "three"}',
        '{"id": "d", "answer": "fail me"}',
    ]
)


class FakeEngine:
    """Finishes requests in reverse order; 'fail me' fails; can stop after ``stop_after``."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.seen: list[str] = []
        self.stop_after = stop_after

    def run(self, requests: Sequence[pb.CheckAnswerRequest]) -> Iterator[Done]:
        for position in reversed(range(len(requests))):
            if self.stop_after is not None and len(self.seen) == self.stop_after:
                raise KeyboardInterrupt
            answer = requests[position].answer
            self.seen.append(answer)
            if answer == "fail me":
                yield Done(position, None, "it failed")
            else:
                yield Done(position, {"claims": [{"text": answer}], "summary": {}}, None)


class Quiet:
    def start(self, total: int, skipped: int) -> None:
        self.total, self.skipped = total, skipped

    def advance(self, claims: int, error: str | None, record_id: str) -> None:
        return None


def run(output: Path, engine: FakeEngine) -> tuple[int, Quiet]:
    records = list(read_records(io.StringIO(ANSWERS), InputFormat.jsonl))
    progress = Quiet()
    with ResultFile(output) as sink:
        write = lambda line, _: sink.write(line)  # noqa: E731
        outcome = run_batch(records, engine, write, progress, sink.prior, sink.keep)
        sink.commit()
    return outcome.errors, progress


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_lines_come_out_in_input_order_with_every_field(tmp_path: Path) -> None:
    output = tmp_path / "results.jsonl"
    errors, _ = run(output, FakeEngine())
    out = lines(output)
    assert [o["id"] for o in out] == ["a", "line-2", "b", "c", "d"]
    assert out[0]["model"] == "m1"
    assert out[0]["result"]["claims"][0]["text"] == "one"
    assert out[1]["error"].startswith("line 2: invalid JSON")
    assert out[4] == {"id": "d", "answer": "fail me", "result": None, "error": "it failed"}
    assert errors == 2
    assert not output.with_name("results.jsonl.partial").exists()


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path: Path) -> None:
    output = tmp_path / "results.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run(output, FakeEngine(stop_after=2))
    assert not output.exists(), "the output appears only when every record has its line"
    partial = output.with_name("results.jsonl.partial")
    assert partial.exists()

    # The engine finished d (failed) and c before the stop, ahead of a and b: c's result was
    # kept although it could not be written in order yet; the failure is tried again.
    again = FakeEngine()
    errors, progress = run(output, again)
    assert sorted(again.seen) == ["fail me", "one", "two"]
    assert progress.skipped == 1
    assert [o["id"] for o in lines(output)] == ["a", "line-2", "b", "c", "d"]
    assert errors == 2
    assert not partial.exists()
    assert not output.with_name("results.jsonl.resume").exists()

    # A finished output is resumed too: nothing left but the failure to try again.
    last = FakeEngine()
    run(output, last)
    assert last.seen == ["fail me"]


def test_a_torn_last_line_is_checked_again(tmp_path: Path) -> None:
    output = tmp_path / "results.jsonl"
    partial = output.with_name("results.jsonl.partial")
    done = {"id": "a", "answer": "one", "result": {"claims": [], "kept": True}, "error": None}
    partial.write_text(json.dumps(done) + '\n{"id": "b", "answer": "two", "res', "utf-8")
    engine = FakeEngine()
    run(output, engine)
    assert "one" not in engine.seen and "two" in engine.seen
    assert lines(output)[0]["result"] == {"claims": [], "kept": True}


def test_fresh_ignores_the_earlier_run(tmp_path: Path) -> None:
    output = tmp_path / "results.jsonl"
    run(output, FakeEngine())
    records = list(read_records(io.StringIO(ANSWERS), InputFormat.jsonl))
    engine = FakeEngine()
    with ResultFile(output, fresh=True) as sink:
        run_batch(records, engine, lambda line, _: sink.write(line), Quiet(), sink.prior)
        sink.commit()
    assert sorted(engine.seen) == ["fail me", "one", "three", "two"]


def test_progress_in_a_log_is_plain_lines_with_rate_and_eta() -> None:
    log = io.StringIO()
    console = Console(file=log, force_terminal=False, width=200)
    with BatchProgress(console, interval_s=0) as progress:
        progress.start(total=4, skipped=3)
        progress.advance(3, None, "a")
        progress.advance(0, "boom", "b")
    text = log.getvalue()
    assert "\x1b[" not in text, "no terminal escapes in a log"
    assert "resuming: 3 answers already done" in text
    assert "b: boom" in text
    assert "checked 1/4 (25.0%)" in text
    last = text.strip().splitlines()[-1]
    assert last.startswith("checked 2/4 (50.0%), ")
    assert "answers/s" in last and "claims/s" in last and "ETA" in last
    assert last.endswith("1 errors")


def test_progress_on_a_terminal_is_a_bar_with_rate_and_eta() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160)
    with BatchProgress(console) as progress:
        progress.start(total=2, skipped=0)
        progress.advance(1, None, "a")
        progress.advance(1, None, "b")
    text = screen.getvalue()
    assert "\x1b[" in text, "drawn with terminal escapes"
    assert "2/2" in text and "answers/s" in text and "0 errors" in text
    assert "checked 2/2" not in text, "no plain log lines on a terminal"
