"""End to end: the real server (models, demo corpus) in a subprocess, called over gRPC.

One server starts for the session on a free port, with its data in a temporary directory, and
is reached through the sync SDK, the async SDK and the raw generated stubs. The last test stops
it with SIGTERM, so it must stay last in this file.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_status import rpc_status

import veracity_client as vc
from veracity_client.v1 import veracity_pb2 as pb
from veracity_client.v1 import veracity_pb2_grpc

REPO = Path(__file__).resolve().parent.parent
GRACE_S = 5.0
STARTUP_TIMEOUT_S = 240.0
SERVING_LINE = re.compile(r"^veracity: serving on (\S+):(\d+)$")

ANSWER = (
    "Global warming is the long-term rise in the average temperature of the Earth's climate "
    "system. Is that bad? It is described in doi:10.1038/nature12373."
)
GOOD_ANSWER = "Global warming is the long-term rise in Earth's average temperature."


@dataclass
class Server:
    process: subprocess.Popen[str]
    target: str
    log: list[str]


def _read_stderr(process: subprocess.Popen[str], log: list[str], ready: threading.Event) -> None:
    """Keep the pipe drained for the server's whole life; flag the "serving on" line."""
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line.rstrip("\n"))
        if SERVING_LINE.match(log[-1]):
            ready.set()
    ready.set()  # the process ended; the fixture finds out why


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("veracity-data")
    # The installed console script, as a user would start it.
    veracity = str(Path(sys.executable).with_name("veracity"))
    process = subprocess.Popen(
        [veracity, "serve", "--port", "0", "--data-dir", str(data_dir), "--grace", str(GRACE_S)],
        cwd=REPO,
        env={**os.environ, "VERACITY_DATA_DIR": str(data_dir)},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    log: list[str] = []
    ready = threading.Event()
    threading.Thread(target=_read_stderr, args=(process, log, ready), daemon=True).start()
    if not ready.wait(STARTUP_TIMEOUT_S) or process.poll() is not None:
        process.kill()
        pytest.fail("the server did not start:\n" + "\n".join(log[-30:]))
    host, port = next(m.groups() for m in map(SERVING_LINE.match, log) if m)
    yield Server(process, f"{host}:{port}", log)
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture()
def client(server: Server) -> Iterator[vc.VeracityClient]:
    with vc.VeracityClient(server.target, timeout=120) as client:
        yield client


@pytest.fixture()
def stub(server: Server) -> Iterator[veracity_pb2_grpc.VeracityServiceStub]:
    with grpc.insecure_channel(server.target) as channel:
        yield veracity_pb2_grpc.VeracityServiceStub(channel)


def _assert_still_serving(client: vc.VeracityClient) -> None:
    assert client.check(GOOD_ANSWER).summary.claims_total >= 1


def test_health_reports_serving(client: vc.VeracityClient) -> None:
    assert client.health() is vc.HealthStatus.SERVING
    assert client.health("veracity.v1.VeracityService") is vc.HealthStatus.SERVING


def test_reflection_lists_the_service(server: Server) -> None:
    with grpc.insecure_channel(server.target) as channel:
        services = ProtoReflectionDescriptorDatabase(channel).get_services()
    assert "veracity.v1.VeracityService" in services
    assert "grpc.health.v1.Health" in services


def test_unary_and_stream_agree_through_the_sdk(client: vc.VeracityClient) -> None:
    result = client.check(ANSWER)
    events = list(client.stream_check(ANSWER))

    claims = tuple(e for e in events if isinstance(e, vc.Claim))
    citations = tuple(e for e in events if isinstance(e, vc.Citation))
    completed = events[-1]
    assert isinstance(completed, vc.CheckCompleted)
    assert claims == result.claims
    assert citations == result.citations
    assert completed.summary == result.summary
    assert completed.versions == result.versions
    assert completed.collection == result.collection == "demo"
    assert len(result.claims) >= 2
    assert result.citations[0].kind is vc.CitationKind.DOI
    for claim in result.claims:
        assert sum(e.decisive for e in claim.evidence) <= 1


def test_unary_and_stream_agree_through_raw_stubs(
    stub: veracity_pb2_grpc.VeracityServiceStub,
) -> None:
    request = pb.CheckAnswerRequest(answer=ANSWER, options=pb.CheckOptions(top_k=3))
    response = stub.CheckAnswer(request, timeout=120)
    events = list(stub.StreamCheckAnswer(pb.StreamCheckAnswerRequest(request=request), timeout=120))

    assert [e.claim for e in events if e.HasField("claim")] == list(response.claims)
    assert [e.citation for e in events if e.HasField("citation")] == list(response.citations)
    assert events[-1].completed.summary == response.summary
    assert all(len(c.evidence) <= 3 for c in response.claims)


def test_async_sdk_agrees_with_the_sync_sdk(server: Server, client: vc.VeracityClient) -> None:
    async def check() -> tuple[vc.CheckResult, list[vc.StreamEvent], vc.HealthStatus]:
        async with vc.AsyncVeracityClient(server.target, timeout=120) as aclient:
            result = await aclient.check(ANSWER)
            events = [e async for e in aclient.stream_check(ANSWER)]
            return result, events, await aclient.health()

    result, events, health = asyncio.run(check())
    assert result == client.check(ANSWER)
    assert tuple(e for e in events if isinstance(e, vc.Claim)) == result.claims
    assert health is vc.HealthStatus.SERVING


def test_extract_claims(client: vc.VeracityClient) -> None:
    claims = client.extract_claims(ANSWER)
    assert [c.index for c in claims] == list(range(len(claims)))
    assert all(c.label is None and not c.evidence for c in claims)
    # Claim text may be rewritten (pronouns resolved); its spans are exact answer ranges.
    assert ANSWER[claims[0].span.start : claims[0].span.end] == claims[0].text
    assert claims[-1].text.startswith("Global warming is described in")
    assert ANSWER[claims[-1].span.start : claims[-1].span.end].startswith("It is described in")
    for c in claims:
        assert c.source_spans[0].start == c.span.start and c.source_spans[-1].end == c.span.end


def test_verify_citations(client: vc.VeracityClient) -> None:
    (citation,) = client.verify_citations("As shown in doi:10.1038/nature12373.")
    assert citation.kind is vc.CitationKind.DOI
    assert citation.identifier == "10.1038/nature12373"
    assert citation.status is not None


def test_upsert_search_delete(client: vc.VeracityClient) -> None:
    text = "Zanzibar the quokka lives at the Perth zoo and eats lavender every morning."
    upserted = client.upsert_documents(
        [{"id": "quokka", "title": "Zanzibar", "text": text}], collection="e2e"
    )
    assert (upserted.collection, upserted.documents_upserted, upserted.errors) == ("e2e", 1, ())

    found = client.search_evidence("What does Zanzibar the quokka eat?", collection="e2e")
    assert found[0].document_id == "quokka"
    assert client.corpus_stats("e2e")[0].documents == 1

    deleted = client.delete_documents(["quokka", "never-there"], collection="e2e")
    assert deleted.documents_deleted == 1
    assert deleted.missing_ids == ("never-there",)
    assert client.corpus_stats("e2e")[0].documents == 0


def test_corpus_stats_lists_the_demo_collection(client: vc.VeracityClient) -> None:
    stats = {s.name: s for s in client.corpus_stats()}
    assert stats["demo"].documents > 0
    assert stats["demo"].passages >= stats["demo"].documents


def test_empty_answer_is_invalid_with_a_field_violation(
    client: vc.VeracityClient, stub: veracity_pb2_grpc.VeracityServiceStub
) -> None:
    with pytest.raises(vc.InvalidArgumentError) as caught:
        client.check("   ")
    assert [v.field for v in caught.value.violations] == ["answer"]

    with pytest.raises(grpc.RpcError) as raw:
        stub.CheckAnswer(pb.CheckAnswerRequest(answer=""), timeout=30)
    status = rpc_status.from_call(raw.value)
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert bad_request.field_violations[0].field == "answer"
    _assert_still_serving(client)


def test_five_megabyte_answer_is_invalid_not_a_transport_error(
    client: vc.VeracityClient,
) -> None:
    # Below the server's 8 MiB message limit, so the Checker's answer-length rule answers.
    with pytest.raises(vc.InvalidArgumentError) as caught:
        client.check("word " * 1_000_000)
    assert [v.field for v in caught.value.violations] == ["answer"]
    assert "limit" in caught.value.violations[0].description
    _assert_still_serving(client)


def test_unknown_collection_is_not_found(client: vc.VeracityClient) -> None:
    with pytest.raises(vc.NotFoundError):
        client.check(GOOD_ANSWER, collection="no-such-collection")
    with pytest.raises(vc.NotFoundError):
        list(client.stream_check(GOOD_ANSWER, collection="no-such-collection"))
    _assert_still_serving(client)


def test_cli_against_the_server_matches_the_sdk(server: Server, client: vc.VeracityClient) -> None:
    veracity = str(Path(sys.executable).with_name("veracity"))
    run = subprocess.run(
        [veracity, "check", "--answer", GOOD_ANSWER, "--server", server.target, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    claims = json.loads(run.stdout)["claims"]
    expected = client.check(GOOD_ANSWER).claims
    assert [c["text"] for c in claims] == [c.text for c in expected]
    assert [c["supportScore"] for c in claims] == pytest.approx([c.support_score for c in expected])


def test_sigterm_under_load_drains_in_flight_calls(server: Server) -> None:
    """Last on purpose: it ends the session's server.

    Eight checks are in flight when SIGTERM arrives: health turns NOT_SERVING first, every
    one of the eight still gets its full answer, and the process exits cleanly.
    """
    results: list[object] = []
    errors: list[BaseException] = []

    def one_check() -> None:
        try:
            with vc.VeracityClient(server.target, timeout=60) as client:
                results.append(client.check(ANSWER, skip_citations=True))
        except BaseException as error:
            errors.append(error)

    channel = grpc.insecure_channel(server.target)
    watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(), timeout=60)
    assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
    threads = [threading.Thread(target=one_check) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the calls reach the server (each takes longer than this under load)
    server.process.send_signal(signal.SIGTERM)
    assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
    watch.cancel()
    channel.close()
    for thread in threads:
        thread.join(timeout=GRACE_S + 30)
    assert not errors, errors
    assert len(results) == 8
    assert server.process.wait(timeout=GRACE_S + 10) == 0
