"""The production guards of the gRPC layer, each against a real server on a real port.

The server runs model-free stages (tests/fake_stages.py) so that every case is fast; the
guard, the executor, the statuses and the SDK are the real ones.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from fake_stages import SLOW, FakeCitations, FakeExtractor, FakeStore, FakeVerifier
from google.rpc import error_details_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_status import rpc_status
from server_thread import serving

import veracity_client as vc
from service.config import ServerSettings, Settings
from service.pipeline.checker import Checker
from service.transport.auth import add_key, load_keys
from service.transport.logs import JsonFormatter
from service.transport.server import Service
from veracity_client.v1 import veracity_pb2 as pb
from veracity_client.v1 import veracity_pb2_grpc

BASE = ServerSettings(port=0, workers=2)


def _checker(verifier: FakeVerifier | None = None, **settings: object) -> Checker:
    return Checker(
        Settings(seed_demo_corpus=False, **settings),  # type: ignore[arg-type]
        FakeStore(),
        FakeExtractor(),
        verifier or FakeVerifier(),
        FakeCitations(),
    )


def _target(service: Service) -> str:
    return f"127.0.0.1:{service.port}"


def _status_detail(error: grpc.RpcError, detail: type) -> object:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    for packed in status.details:
        message = detail()
        if packed.Unpack(message):
            return message
    raise AssertionError(f"no {detail.__name__} detail in {status}")


# -- auth and quotas --------------------------------------------------------------------------


@pytest.fixture()
def keys_file(tmp_path: Path) -> Path:
    return tmp_path / "keys.json"


def test_keys_file_stores_only_the_hash(keys_file: Path) -> None:
    key = add_key(keys_file, "alice")
    assert key.startswith("vk_") and len(key) > 40
    assert key not in keys_file.read_text()
    assert [k.name for k in load_keys(keys_file)] == ["alice"]
    assert keys_file.stat().st_mode & 0o077 == 0


def test_every_rpc_but_health_and_reflection_needs_a_key(keys_file: Path) -> None:
    key = add_key(keys_file, "alice")
    settings = replace(BASE, api_keys_file=str(keys_file))
    with serving(_checker(), settings) as service:
        target = _target(service)
        with vc.VeracityClient(target, timeout=10) as anonymous:
            with pytest.raises(vc.VeracityError) as caught:
                anonymous.check("Paris is the capital of France.")
            assert caught.value.code is grpc.StatusCode.UNAUTHENTICATED
            with pytest.raises(vc.VeracityError) as caught:
                anonymous.corpus_stats()
            assert caught.value.code is grpc.StatusCode.UNAUTHENTICATED
            assert anonymous.health() is vc.HealthStatus.SERVING
        with grpc.insecure_channel(target) as channel:
            assert (
                "veracity.v1.VeracityService"
                in ProtoReflectionDescriptorDatabase(channel).get_services()
            )
        with vc.VeracityClient(target, timeout=10, api_key=key + "x") as wrong:
            with pytest.raises(vc.VeracityError) as caught:
                wrong.check("Paris is the capital of France.")
            assert caught.value.code is grpc.StatusCode.UNAUTHENTICATED
        with vc.VeracityClient(target, timeout=10, api_key=key) as alice:
            assert alice.check("Paris is the capital of France.").summary.supported == 1
        # A key added while the server runs works without a restart.
        bob = add_key(keys_file, "bob")
        with vc.VeracityClient(target, timeout=10, api_key=bob) as client:
            assert client.corpus_stats()[0].name == "demo"


def test_a_spent_quota_is_resource_exhausted_with_retry_info(keys_file: Path) -> None:
    key = add_key(keys_file, "alice")
    other = add_key(keys_file, "bob")
    settings = replace(BASE, api_keys_file=str(keys_file), quota_rate=0.5, quota_burst=2)
    with (
        serving(_checker(), settings) as service,
        grpc.insecure_channel(_target(service)) as channel,
    ):
        stub = veracity_pb2_grpc.VeracityServiceStub(channel)
        auth = (("authorization", f"Bearer {key}"),)
        request = pb.GetCorpusStatsRequest()
        for _ in range(2):
            stub.GetCorpusStats(request, metadata=auth, timeout=10)
        with pytest.raises(grpc.RpcError) as caught:
            stub.GetCorpusStats(request, metadata=auth, timeout=10)
        assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        retry = _status_detail(caught.value, error_details_pb2.RetryInfo)
        assert isinstance(retry, error_details_pb2.RetryInfo)
        # One token every 2 s: the next one is at most 2 s away, and not already here.
        assert 0 < retry.retry_delay.ToTimedelta().total_seconds() <= 2.0
        # Quotas are per key: bob's bucket is full.
        stub.GetCorpusStats(request, metadata=(("authorization", f"Bearer {other}"),))


# -- limits -----------------------------------------------------------------------------------


def test_each_limit_is_a_field_violation() -> None:
    checker = _checker(max_claims=2, max_context_documents=1, max_answer_chars=500)
    with (
        serving(checker, replace(BASE, max_message_bytes=2048)) as service,
        vc.VeracityClient(_target(service), timeout=10) as client,
    ):
        cases = {
            "answer": dict(answer="One. Two. Three."),
            "context": dict(answer="One.", context=["a", "b"]),
        }
        for field, args in cases.items():
            with pytest.raises(vc.InvalidArgumentError) as caught:
                client.check(**args)  # type: ignore[arg-type]
            assert [v.field for v in caught.value.violations] == [field]
            assert "limit" in caught.value.violations[0].description
        with pytest.raises(vc.InvalidArgumentError) as caught:
            client.check("x" * 600)
        assert [v.field for v in caught.value.violations] == ["answer"]
        # Over the byte limit (but within the transport's): refused before the pipeline.
        with pytest.raises(vc.InvalidArgumentError) as caught:
            client.check("y" * 400, context=["z" * 3000])
        assert [v.field for v in caught.value.violations] == ["request"]
        assert "2048" in caught.value.violations[0].description
        assert client.check("Paris is the capital of France.").summary.supported == 1


# -- observability ----------------------------------------------------------------------------


def test_metrics_logs_request_id_and_timings() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    rpc_log = logging.getLogger("veracity.rpc")
    rpc_log.addHandler(handler)
    rpc_log.setLevel(logging.INFO)
    try:
        with (
            serving(_checker(), replace(BASE, metrics_port=0)) as service,
            grpc.insecure_channel(_target(service)) as channel,
        ):
            stub = veracity_pb2_grpc.VeracityServiceStub(channel)
            request = pb.CheckAnswerRequest(answer="Paris is the capital of France.")
            response, call = stub.CheckAnswer.with_call(
                request, metadata=(("x-request-id", "req-42"),), timeout=10
            )
            with pytest.raises(grpc.RpcError):
                stub.CheckAnswer(pb.CheckAnswerRequest(answer="x", collection="nope"), timeout=10)
            url = f"http://127.0.0.1:{service.metrics_port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as reply:
                metrics = reply.read().decode()
    finally:
        rpc_log.removeHandler(handler)
    assert response.request_id == "req-42"
    assert ("x-request-id", "req-42") in tuple(call.initial_metadata())
    assert [t.stage for t in response.timings] == ["claims", "retrieval", "verify", "citations"]
    assert all(t.seconds >= 0 for t in response.timings)
    assert 'veracity_requests_total{code="OK",rpc="CheckAnswer"} 1.0' in metrics
    assert 'veracity_requests_total{code="NOT_FOUND",rpc="CheckAnswer"} 1.0' in metrics
    assert 'veracity_stage_seconds_count{stage="verify"} 1.0' in metrics
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    logged = next(line for line in lines if line.get("request_id") == "req-42")
    assert logged["rpc"] == "CheckAnswer" and logged["code"] == "OK"
    failed = next(line for line in lines if line.get("code") == "NOT_FOUND")
    assert failed["request_id"] != "req-42" and len(failed["request_id"]) == 32


# -- overload, deadlines and cancellation -----------------------------------------------------


@pytest.fixture()
def held() -> Iterator[FakeVerifier]:
    """A verifier that holds claims containing SLOW until the test opens its gate."""
    verifier = FakeVerifier()
    yield verifier
    verifier.gate.set()


def _wait_for(condition: object, timeout: float = 10.0) -> None:
    until = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < until, "timed out waiting"
        time.sleep(0.01)


def test_a_full_server_refuses_with_resource_exhausted(held: FakeVerifier) -> None:
    # max_pending left at its default: two calls per thread, one running and one waiting.
    settings = replace(BASE, workers=1)
    with (
        serving(_checker(held), settings) as service,
        vc.VeracityClient(_target(service), timeout=20) as client,
    ):
        results: list[object] = []
        admitted = [
            threading.Thread(target=lambda: results.append(client.check(f"Go {SLOW}.")))
            for _ in range(2)
        ]
        admitted[0].start()
        _wait_for(lambda: held.calls)
        admitted[1].start()
        _wait_for(lambda: service.executor.pending == 2)
        with grpc.insecure_channel(_target(service)) as channel:
            stub = veracity_pb2_grpc.VeracityServiceStub(channel)
            with pytest.raises(grpc.RpcError) as caught:
                stub.CheckAnswer(pb.CheckAnswerRequest(answer="Paris."), timeout=10)
        assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        retry = _status_detail(caught.value, error_details_pb2.RetryInfo)
        assert retry.retry_delay.ToTimedelta().total_seconds() > 0  # type: ignore[attr-defined]
        held.gate.set()
        for thread in admitted:
            thread.join(timeout=20)
        assert len(results) == 2
        assert client.check("Paris is the capital of France.").summary.supported == 1


def test_a_burst_beyond_capacity_is_refused_never_timed_out() -> None:
    """One thread, 0.5 s a call, room to queue 50 and a 3 s deadline on each of 16 calls sent
    at once: the calls that could not finish in time are refused at admission (streams before
    their first event), so every call ends OK or RESOURCE_EXHAUSTED, none DEADLINE_EXCEEDED."""
    settings = replace(BASE, workers=1, max_pending=50)
    request = pb.CheckAnswerRequest(answer="Paris is the capital of France.")
    codes: list[grpc.StatusCode] = []
    refused_streams_events: list[int] = []

    def call(stub: veracity_pb2_grpc.VeracityServiceStub, streaming: bool) -> None:
        events = 0
        try:
            if streaming:
                stream = pb.StreamCheckAnswerRequest(request=request)
                for _event in stub.StreamCheckAnswer(stream, timeout=3):
                    events += 1
            else:
                stub.CheckAnswer(request, timeout=3)
            codes.append(grpc.StatusCode.OK)
        except grpc.RpcError as error:
            codes.append(error.code())
            if error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED:
                assert _status_detail(error, error_details_pb2.RetryInfo)
                if streaming:
                    refused_streams_events.append(events)

    with (
        serving(_checker(FakeVerifier(delay_s=0.5)), settings) as service,
        grpc.insecure_channel(_target(service)) as channel,
    ):
        stub = veracity_pb2_grpc.VeracityServiceStub(channel)
        stub.CheckAnswer(request, timeout=10)  # the server learns how long a call takes
        burst = [threading.Thread(target=call, args=(stub, n % 2 == 1)) for n in range(16)]
        for thread in burst:
            thread.start()
        for thread in burst:
            thread.join(timeout=30)
    assert len(codes) == 16
    assert set(codes) == {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED}, codes
    assert set(refused_streams_events) == {0}


@pytest.mark.parametrize("how", ["cancel", "deadline"])
def test_abandoned_calls_stop_their_work(held: FakeVerifier, how: str) -> None:
    answer = f"One {SLOW}. Two. Three. Four."
    with serving(_checker(held), BASE) as service:
        with vc.VeracityClient(_target(service), timeout=20) as client:
            if how == "cancel":
                with grpc.insecure_channel(_target(service)) as channel:
                    stub = veracity_pb2_grpc.VeracityServiceStub(channel)
                    request = pb.StreamCheckAnswerRequest(
                        request=pb.CheckAnswerRequest(answer=answer)
                    )
                    call = stub.StreamCheckAnswer(request, timeout=20)
                    _wait_for(lambda: held.calls)
                    call.cancel()  # mid-stream, while the first claim is being verified
            else:
                with pytest.raises(vc.DeadlineExceededError):
                    client.check(answer, timeout=0.5)
            # The server noticed: the claim in progress may finish, no later claim starts.
            time.sleep(0.2)
            held.gate.set()
            assert client.check("Paris is the capital of France.").summary.supported == 1
        assert held.calls == [f"One {SLOW}.", "Paris is the capital of France."]
