"""The gRPC layer alone: service.transport.server over a Checker with tiny fake stages, in-process.

Fast and model-free, so it pins down what the real end-to-end test cannot control: that a
stream's first event leaves before the last claim is verified, and that an unexpected error
becomes a clean INTERNAL while the server keeps answering.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import grpc
import pytest
from fake_stages import SLOW, FakeCitations, FakeExtractor, FakeStore, FakeVerifier
from server_thread import serving

import veracity_client as vc
from service.config import Settings
from service.pipeline.checker import Checker
from service.transport.server import ServerSettings


@pytest.fixture(scope="module")
def verifier() -> FakeVerifier:
    return FakeVerifier()


@pytest.fixture(scope="module")
def target(verifier: FakeVerifier) -> Iterator[str]:
    """A server on a free port, run by its own event loop in a background thread."""
    checker = Checker(
        Settings(seed_demo_corpus=False), FakeStore(), FakeExtractor(), verifier, FakeCitations()
    )
    with serving(checker, ServerSettings(port=0, workers=2)) as service:
        yield f"127.0.0.1:{service.port}"


@pytest.fixture()
def client(target: str) -> Iterator[vc.VeracityClient]:
    with vc.VeracityClient(target, timeout=30) as client:
        yield client


def test_first_event_is_sent_before_the_last_claim_is_verified(
    client: vc.VeracityClient, verifier: FakeVerifier
) -> None:
    verifier.gate.clear()
    events = client.stream_check(f"Paris is in France. It flows {SLOW}.")
    first = next(events)
    # The second claim is still held by the verifier: the first one arrived without it.
    assert isinstance(first, vc.Claim)
    assert first.index == 0
    assert not verifier.gate.is_set()
    verifier.gate.set()
    rest = list(events)
    assert [type(e) for e in rest] == [vc.Claim, vc.CheckCompleted]


def test_unary_and_stream_agree(client: vc.VeracityClient) -> None:
    answer = "Paris is the capital of France. Is it? See doi:10.1/abc"
    result = client.check(answer)
    events = list(client.stream_check(answer))
    completed = events[-1]
    assert isinstance(completed, vc.CheckCompleted)
    assert tuple(e for e in events if isinstance(e, vc.Claim)) == result.claims
    assert tuple(e for e in events if isinstance(e, vc.Citation)) == result.citations
    assert (completed.summary, completed.versions) == (result.summary, result.versions)
    assert result.claims[0].evidence[0].decisive
    assert result.claims[1].label is None
    assert result.citations[0].identifier == "10.1/abc"


def test_unexpected_error_is_a_clean_internal_and_the_server_survives(
    client: vc.VeracityClient,
) -> None:
    with pytest.raises(vc.InternalError) as caught:
        client.check("BOOM goes the extractor.")
    assert "extractor exploded" not in caught.value.message
    assert client.check("Paris is the capital of France.").summary.supported == 1


def test_invalid_argument_lists_every_bad_field(client: vc.VeracityClient) -> None:
    with pytest.raises(vc.InvalidArgumentError) as caught:
        client.check(" ", top_k=999, supported_threshold=2.0)
    fields = {v.field for v in caught.value.violations}
    assert fields == {"answer", "options.top_k", "options.supported_threshold"}


def test_stream_errors_surface_before_any_event(client: vc.VeracityClient) -> None:
    with pytest.raises(vc.NotFoundError):
        next(client.stream_check("Paris is in France.", collection="nope"))


def test_upsert_stream_with_two_collections_is_refused(target: str) -> None:
    from veracity_client.v1 import veracity_pb2 as pb
    from veracity_client.v1 import veracity_pb2_grpc

    requests = [
        pb.UpsertDocumentsRequest(collection="a", document=pb.Document(id="1", text="x")),
        pb.UpsertDocumentsRequest(collection="b", document=pb.Document(id="2", text="y")),
    ]
    with grpc.insecure_channel(target) as channel:
        stub = veracity_pb2_grpc.VeracityServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.UpsertDocuments(iter(requests), timeout=10)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_async_client_over_the_same_server(target: str) -> None:
    async def scenario() -> None:
        async with vc.AsyncVeracityClient(target) as client:
            assert await client.health() is vc.HealthStatus.SERVING
            upserted = await client.upsert_documents(["Rome is in Italy."], collection="it")
            assert upserted.documents_upserted == 1
            result = await client.check("Rome is in Italy.", collection="it")
            events = [e async for e in client.stream_check("Rome is in Italy.", collection="it")]
            assert events[0] == result.claims[0]

    asyncio.run(scenario())
