"""The interfaces of the pipeline's stages.

Each stage is small and swappable: later work replaces an implementation without touching the
Checker. Every implementation names itself in ``version``, which the response reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from retrieval.types import CollectionStats, DeleteReport, Document, Passage, UpsertReport
from service.types import Citation, Claim, Verdict


class ClaimExtractor(Protocol):
    version: str

    def extract(self, answer: str, question: str = "") -> list[Claim]:
        """Split ``answer`` into claims whose spans index into ``answer``."""
        ...


class EvidenceStore(Protocol):
    """The reference corpus: collections of documents and the search over them."""

    version: str
    embedder_version: str

    def has_collection(self, name: str) -> bool: ...

    def upsert(self, collection: str, documents: Iterable[Document]) -> UpsertReport: ...

    def delete(self, collection: str, document_ids: Sequence[str]) -> DeleteReport: ...

    def stats(self, collection: str | None = None) -> list[CollectionStats]: ...

    def rebuild(self, collection: str) -> CollectionStats:
        """Rebuild the collection's vector index from the stored passages."""
        ...

    def index_version(self, collection: str) -> str: ...

    def search(
        self,
        collection: str | None,
        queries: Sequence[str],
        top_k: int,
        context: Sequence[Document] = (),
    ) -> list[list[Passage]]:
        """Top passages per query from ``collection`` (None: context only) and ``context``."""
        ...


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs for the labels; the verifier's own defaults apply when None."""

    supported: float | None = None
    contradicted: float | None = None

    def or_defaults(self, supported: float, contradicted: float) -> tuple[float, float]:
        """The (supported, contradicted) cut-offs, a verifier's defaults filling the gaps."""
        return (
            supported if self.supported is None else self.supported,
            contradicted if self.contradicted is None else self.contradicted,
        )


class Verifier(Protocol):
    version: str

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        """Judge one claim against its evidence, ranked most relevant first."""
        ...


class CitationChecker(Protocol):
    version: str

    def check(self, text: str) -> list[Citation]:
        """Find the citations in ``text`` and give each a status."""
        ...
