"""Tiny model-free pipeline stages for tests of the gRPC layer (fast, deterministic)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence

from retrieval.types import CollectionStats, DeleteReport, Document, Passage, UpsertReport
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
    """Supports every claim that has evidence; ``delay_s`` per claim stands in for a model."""

    version = "fake-verifier/1"

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.gate = threading.Event()
        # The text of every claim verified, in order: what work a request really did.
        self.calls: list[str] = []

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        self.calls.append(claim.text)
        time.sleep(self.delay_s)
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
