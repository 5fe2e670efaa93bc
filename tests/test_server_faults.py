"""Faults against a real server on a real port: fuzzed messages and random bytes on the wire,
and a citation API that hangs or is dead. After each, the server must still be healthy.

The fuzzed requests run through the whole gRPC layer and the Checker's validation with
model-free stages (tests/fake_stages.py), so ten thousand of them take seconds.
"""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from bibapi import settings_for
from fake_stages import FakeCitations, FakeExtractor, FakeStore, FakeVerifier
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_thread import serving

import veracity_client as vc
from service.citations.stage import LiveCitationChecker
from service.config import ServerSettings, Settings
from service.pipeline.checker import Checker
from service.transport.server import SERVICE_NAME, Service
from veracity_client.v1 import veracity_pb2 as pb
from veracity_client.v1 import veracity_pb2_grpc

#: The only statuses a bad request may get: each names what was wrong.
WELL_FORMED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
}
FUZZ = settings(
    max_examples=2500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    checker = Checker(
        Settings(seed_demo_corpus=False, max_answer_chars=2000, max_context_documents=4),
        FakeStore(),
        FakeExtractor(),
        FakeVerifier(),
        FakeCitations(),
    )
    with serving(checker, ServerSettings(port=0, workers=2, max_message_bytes=64 * 1024)) as s:
        yield s


@pytest.fixture(scope="module")
def channel(service: Service) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
        yield channel


def _code(call: object) -> grpc.StatusCode:
    try:
        call()  # type: ignore[operator]
    except grpc.RpcError as error:
        return error.code()  # type: ignore[no-any-return, attr-defined]
    return grpc.StatusCode.OK


def _assert_healthy(service: Service) -> None:
    with vc.VeracityClient(f"127.0.0.1:{service.port}", timeout=10) as client:
        assert client.health() is vc.HealthStatus.SERVING
        assert client.check("Paris is the capital of France.").summary.supported == 1


texts = st.text(max_size=300) | st.sampled_from(["", " ", "\x00", "x" * 2500, "Paris. doi:10.1/x"])
documents = st.builds(pb.Document, id=st.text(max_size=10), title=texts, text=texts)
options = st.builds(
    pb.CheckOptions,
    top_k=st.integers(-(2**31), 2**31 - 1),
    supported_threshold=st.none() | st.floats(width=32),
    contradicted_threshold=st.none() | st.floats(width=32),
    skip_claims=st.booleans(),
    skip_citations=st.booleans(),
    context_only=st.booleans(),
)
check_requests = st.builds(
    pb.CheckAnswerRequest,
    answer=texts,
    question=texts,
    context=st.lists(documents, max_size=6),
    collection=st.sampled_from(["", "demo", "nope", "bad name!", "x" * 70]),
    options=options,
)


@FUZZ
@given(request=check_requests)
def test_fuzzed_checks_get_answers_or_well_formed_errors(
    channel: grpc.Channel, request: pb.CheckAnswerRequest
) -> None:
    stub = veracity_pb2_grpc.VeracityServiceStub(channel)
    assert _code(lambda: stub.CheckAnswer(request, timeout=10)) in WELL_FORMED


@FUZZ
@given(
    query=texts,
    top_k=st.integers(-(2**31), 2**31 - 1),
    context=st.lists(documents, max_size=6),
    ids=st.lists(st.text(max_size=5), max_size=3),
    which=st.integers(0, 3),
)
def test_fuzzed_other_rpcs_get_answers_or_well_formed_errors(
    channel: grpc.Channel,
    query: str,
    top_k: int,
    context: list[pb.Document],
    ids: list[str],
    which: int,
) -> None:
    stub = veracity_pb2_grpc.VeracityServiceStub(channel)
    calls = [
        lambda: stub.SearchEvidence(
            pb.SearchEvidenceRequest(query=query, top_k=top_k, context=context), timeout=10
        ),
        lambda: stub.ExtractClaims(pb.ExtractClaimsRequest(answer=query), timeout=10),
        lambda: stub.VerifyCitations(pb.VerifyCitationsRequest(text=query), timeout=10),
        lambda: stub.DeleteDocuments(
            pb.DeleteDocumentsRequest(collection="s" + query[:3], document_ids=ids),
            timeout=10,
        ),
    ]
    assert _code(calls[which]) in WELL_FORMED


def test_random_bytes_on_the_wire_are_invalid_argument(
    service: Service, channel: grpc.Channel
) -> None:
    rng = random.Random(7)
    methods = [m.name for m in pb.DESCRIPTOR.services_by_name["VeracityService"].methods]
    streaming = {"StreamCheckAnswer": "unary_stream", "UpsertDocuments": "stream_unary"}
    seen: set[grpc.StatusCode] = set()
    for _ in range(5000):
        name = rng.choice(methods)
        payload = rng.randbytes(rng.randint(0, 200))
        path = f"/{SERVICE_NAME}/{name}"
        kind = streaming.get(name, "unary_unary")
        method = getattr(channel, kind)(path)  # no serializers: raw bytes both ways
        if kind == "unary_stream":
            code = _code(lambda m=method, p=payload: list(m(p, timeout=10)))
        elif kind == "stream_unary":
            code = _code(lambda m=method, p=payload: m(iter([p]), timeout=10))
        else:
            code = _code(lambda m=method, p=payload: m(p, timeout=10))
        assert code in WELL_FORMED, (name, payload)
        seen.add(code)
    # Most random bytes are not a message: the guard says so.
    assert grpc.StatusCode.INVALID_ARGUMENT in seen
    _assert_healthy(service)


def test_fuzzing_left_the_server_healthy(service: Service) -> None:
    _assert_healthy(service)


# -- a citation API that hangs or is dead ------------------------------------------------------


class _HangingServer:
    """Accepts connections and never answers: a look-up can only time out."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def base(self, _name: str) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
        self.socket.close()


def _dead_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("api", ["hangs", "dead"])
def test_a_failing_citation_api_leaves_claims_intact(tmp_path: Path, api: str) -> None:
    hanging = _HangingServer()
    try:
        citation_settings = settings_for(hanging)  # type: ignore[arg-type]
        if api == "dead":
            port = _dead_port()
            citation_settings = replace(
                citation_settings,
                **{
                    f"{name}_url": f"http://127.0.0.1:{port}"
                    for name in ("crossref", "datacite", "doi", "arxiv", "pubmed", "openalex")
                },
                semanticscholar_url=f"http://127.0.0.1:{port}",
            )
        citations = LiveCitationChecker.from_settings(citation_settings, tmp_path)
        stages = (FakeStore(), FakeExtractor(), FakeVerifier(), citations)
        checker = Checker(Settings(seed_demo_corpus=False), *stages)
        with (
            serving(checker, ServerSettings(port=0, workers=2)) as service,
            vc.VeracityClient(f"127.0.0.1:{service.port}", timeout=60) as client,
        ):
            result = client.check("Paris is the capital of France. See doi:10.1038/nature12373.")
            # The claims were verified as usual; only the citation could not be looked up.
            assert result.claims
            assert all(c.label is vc.SupportLabel.SUPPORTED for c in result.claims)
            assert [c.status for c in result.citations] == [vc.CitationStatus.UNAVAILABLE]
            _assert_healthy(service)
    finally:
        hanging.close()
