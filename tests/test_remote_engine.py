"""Remote batches through the async SDK, against a scripted gRPC server on a real port.

The server refuses calls the way a busy or restarting Veracity server does (RESOURCE_EXHAUSTED
with a google.rpc.RetryInfo detail, UNAVAILABLE), so the retries, the honoured delay and the
bound on calls in flight are observed from the server's side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from service.batch.remote_engine import RemoteEngine
from service.batch.run import Done
from veracity_client.v1 import veracity_pb2 as pb
from veracity_client.v1 import veracity_pb2_grpc

RETRY_DELAY_S = 0.3


@dataclass
class Script(veracity_pb2_grpc.VeracityServiceServicer):
    """Answers by the answer text: 'quota' fails once with RetryInfo, 'flaky' twice with
    UNAVAILABLE, 'bad' with INVALID_ARGUMENT, 'huge' as an oversized message; others succeed."""

    calls: dict[str, list[float]] = field(default_factory=dict)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def CheckAnswer(
        self, request: pb.CheckAnswerRequest, context: grpc.ServicerContext
    ) -> pb.CheckAnswerResponse:
        with self.lock:
            attempts = self.calls.setdefault(request.answer, [])
            attempts.append(time.monotonic())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(0.05)
            self._maybe_fail(request.answer, len(attempts), context)
            return pb.CheckAnswerResponse(
                claims=[pb.Claim(text=request.answer, checkable=True)], collection="demo"
            )
        finally:
            with self.lock:
                self.in_flight -= 1

    def _maybe_fail(self, answer: str, attempt: int, context: grpc.ServicerContext) -> None:
        if answer == "quota" and attempt == 1:
            retry = error_details_pb2.RetryInfo(
                retry_delay=duration_pb2.Duration(nanos=int(RETRY_DELAY_S * 1e9))
            )
            detail = any_pb2.Any()
            detail.Pack(retry)
            status = status_pb2.Status(
                code=code_pb2.RESOURCE_EXHAUSTED, message="quota exceeded", details=[detail]
            )
            context.abort_with_status(rpc_status.to_status(status))
        if answer == "flaky" and attempt <= 2:
            context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
        if answer == "bad":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "answer: must not be empty")
        if answer == "huge":
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "Sent message larger than max")


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    veracity_pb2_grpc.add_VeracityServiceServicer_to_server(script, grpc_server)
    health_servicer = health.HealthServicer()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, grpc_server)
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    grpc_server.start()
    yield f"127.0.0.1:{port}", script
    grpc_server.stop(grace=None)


def run(target: str, answers: list[str], **options: float) -> dict[str, Done]:
    engine = RemoteEngine(target, backoff_s=0.0, max_backoff_s=0.0, **options)  # type: ignore[arg-type]
    requests = [pb.CheckAnswerRequest(answer=a) for a in answers]
    return {answers[d.position]: d for d in engine.run(requests)}


def test_retries_honour_retry_info_and_unavailable(server: tuple[str, Script]) -> None:
    target, script = server
    done = run(target, ["quota", "flaky", "fine"])
    assert {a: d.error for a, d in done.items()} == {"quota": None, "flaky": None, "fine": None}
    assert done["quota"].result is not None
    assert done["quota"].result["claims"][0]["text"] == "quota"
    assert len(script.calls["quota"]) == 2
    assert len(script.calls["flaky"]) == 3
    # The client's own backoff is 0 here: only the server's RetryInfo can explain the wait.
    first, second = script.calls["quota"]
    assert second - first >= RETRY_DELAY_S


def test_errors_that_retrying_cannot_fix_are_not_retried(server: tuple[str, Script]) -> None:
    target, script = server
    done = run(target, ["bad", "huge"])
    assert done["bad"].error == "INVALID_ARGUMENT: answer: must not be empty"
    assert done["huge"].error is not None and "larger than max" in done["huge"].error
    assert len(script.calls["bad"]) == 1
    assert len(script.calls["huge"]) == 1


def test_retries_give_up_after_the_last_attempt(server: tuple[str, Script]) -> None:
    target, script = server
    done = run(target, ["flaky"], attempts=2)
    assert done["flaky"].error == "UNAVAILABLE: restarting"
    assert len(script.calls["flaky"]) == 2


def test_calls_in_flight_stay_within_the_bound(server: tuple[str, Script]) -> None:
    target, script = server
    answers = [f"answer {i}" for i in range(12)]
    done = run(target, answers, concurrency=3)
    assert sorted(done) == sorted(answers)
    assert script.most_in_flight <= 3


def test_cli_reads_stdin_and_writes_stdout_through_the_server(
    server: tuple[str, Script], tmp_path: Path
) -> None:
    target, _ = server
    lines = [
        json.dumps({"id": "1", "answer": "fine", "model": "m"}),
        json.dumps({"id": "2", "answer": "bad"}),
        json.dumps({"id": "3", "answer": "quota"}),
    ]
    command = [str(Path(sys.executable).with_name("veracity")), "check", "--input", "-"]
    command += ["--output", "-", "--format", "json", "--server", target]
    env = {**os.environ, "VERACITY_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        command, input="\n".join(lines), capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 3, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["id"] for o in out] == ["1", "2", "3"]
    assert out[0]["model"] == "m" and out[0]["result"]["claims"][0]["text"] == "fine"
    assert out[1]["error"] == "INVALID_ARGUMENT: answer: must not be empty"
    assert out[2]["error"] is None
    assert "1 of 3 answers failed (more than --max-errors 0)" in done.stderr
    tolerated = subprocess.run(
        [*command, "--max-errors", "1"],
        input="\n".join(lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert tolerated.returncode == 0, tolerated.stderr


def test_a_server_that_is_not_there_is_a_fatal_error(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "1", "answer": "x"}\n', "utf-8")
    command = [str(Path(sys.executable).with_name("veracity")), "check", "--input", str(answers)]
    command += ["--output", str(tmp_path / "out.jsonl"), "--server", "127.0.0.1:1"]
    command += ["--attempts", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "UNAVAILABLE" in done.stderr
    assert "Traceback" not in done.stderr
