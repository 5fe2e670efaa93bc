"""The gRPC layer alone: service.server over a Checker with tiny fake stages, in-process.

Fast and model-free, so it pins down what the real end-to-end test cannot control: that a
stream's first event leaves before the last claim is verified, and that an unexpected error
becomes a clean INTERNAL while the server keeps answering.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterable, Iterator, Sequence

import grpc
import pytest

import veracity_client as vc
from retrieval.types import CollectionStats, DeleteReport, Document, Passage, UpsertReport
from service.checker import Checker
from service.config import Settings
from service.server import ServerSettings, build_server, start_serving
from service.stages import Thresholds
from service.types import Citation, CitationKind, CitationStatus, Claim, SupportLabel, Verdict

#: The verifier holds a claim containing this word until the test opens the gate.
SLOW = "slowly"


class FakeExtractor:
    version = "fake-claims/1"

    def extract(self, answer: str, question: str = "") -> list[Claim]:
        if "BOOM" in answer:
            raise RuntimeError("extractor exploded")
        return [
            Claim(m.group(), m.start(), m.end(), checkable=not m.group().endswith("?"))
            for m in re.finditer(r"[^.?!]+[.?!]?", answer)
            if m.group().strip()
        ]


class FakeStore:
    version = "fake-store/1"
    embedder_version = "fake-embedder/1"

    def __init__(self) -> None:
        self.collections: dict[str, dict[str, Document]] = {
            "demo": {"paris": Document("paris", "Paris is the capital of France.")}
        }

    def has_collection(self, name: str) -> bool:
        return name in self.collections

    def upsert(self, collection: str, documents: Iterable[Document]) -> UpsertReport:
        docs = self.collections.setdefault(collection, {})
        written = 0
        for document in documents:
            docs[document.id] = document
            written += 1
        return UpsertReport(collection, written, written, [], self.index_version(collection))

    def delete(self, collection: str, document_ids: Sequence[str]) -> DeleteReport:
        docs = self.collections[collection]
        missing = [i for i in document_ids if i not in docs]
        for i in document_ids:
            docs.pop(i, None)
        return DeleteReport(len(document_ids) - len(missing), missing, "v")

    def stats(self, collection: str | None = None) -> list[CollectionStats]:
        names = [collection] if collection else sorted(self.collections)
        return [
            CollectionStats(n, len(self.collections[n]), len(self.collections[n]), "v", "e", "flat")
            for n in names
        ]

    def index_version(self, collection: str) -> str:
        return f"{collection}@{len(self.collections[collection])}"

    def search(
        self,
        collection: str | None,
        queries: Sequence[str],
        top_k: int,
        context: Sequence[Document] = (),
    ) -> list[list[Passage]]:
        documents = [*self.collections.get(collection or "", {}).values(), *context]
        passages = [Passage(d.id, d.text, 0, len(d.text), score=0.5) for d in documents]
        return [passages[:top_k] for _ in queries]


class FakeVerifier:
    version = "fake-verifier/1"

    def __init__(self) -> None:
        self.gate = threading.Event()

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        if SLOW in claim.text and not self.gate.wait(timeout=20):
            raise TimeoutError("the test never opened the gate")
        if not evidence:
            return Verdict(SupportLabel.UNVERIFIABLE, 0.0, [])
        return Verdict(SupportLabel.SUPPORTED, 0.75, list(evidence), decisive=0)


class FakeCitations:
    version = "fake-citations/1"

    def check(self, text: str) -> list[Citation]:
        return [
            Citation(
                m.group(), m.start(), m.end(), CitationKind.DOI, m.group(1), CitationStatus.VERIFIED
            )
            for m in re.finditer(r"doi:(\S+)", text)
        ]


@pytest.fixture(scope="module")
def verifier() -> FakeVerifier:
    return FakeVerifier()


@pytest.fixture(scope="module")
def target(verifier: FakeVerifier) -> Iterator[str]:
    """A server on a free port, run by its own event loop in a background thread."""
    checker = Checker(
        Settings(seed_demo_corpus=False), FakeStore(), FakeExtractor(), verifier, FakeCitations()
    )

    async def start() -> tuple[grpc.aio.Server, int]:
        # grpc.aio binds a server to the loop it is created in.
        server, port, health = build_server(checker, ServerSettings(port=0, workers=2))
        await start_serving(server, health)
        return server, port

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server, port = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    yield f"127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(server.stop(None), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


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
