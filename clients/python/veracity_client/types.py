"""The SDK's result types: frozen dataclasses and string enums, free of protobuf.

Callers get plain Python values (``claim.label is SupportLabel.SUPPORTED``, tuples instead of
repeated fields) that stay valid after the channel is closed and compare by value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class SupportLabel(StrEnum):
    """The verdict on a claim, or on a whole answer."""

    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    UNVERIFIABLE = "unverifiable"


class Assertiveness(StrEnum):
    """How strongly the answer commits to a claim."""

    ASSERTED = "asserted"
    HEDGED = "hedged"


class EvidenceOrigin(StrEnum):
    CORPUS = "corpus"
    CONTEXT = "context"


class CitationKind(StrEnum):
    DOI = "doi"
    ARXIV = "arxiv"
    PMID = "pmid"
    PMCID = "pmcid"
    ISBN = "isbn"
    URL = "url"
    REFERENCE = "reference"


class CitationStatus(StrEnum):
    VERIFIED = "verified"
    MISMATCHED = "mismatched"
    NOT_FOUND = "not_found"
    DEAD_LINK = "dead_link"
    UNAVAILABLE = "unavailable"
    RETRACTED = "retracted"


class HealthStatus(StrEnum):
    """What the server's grpc.health.v1 service reports."""

    UNKNOWN = "unknown"
    SERVING = "serving"
    NOT_SERVING = "not_serving"
    SERVICE_UNKNOWN = "service_unknown"


@dataclass(frozen=True)
class Span:
    """A [start, end) range of Unicode code points (Python str indices)."""

    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A reference text to store, or to send with a check as context (``id`` optional there)."""

    text: str
    id: str = ""
    title: str = ""
    source_url: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    document_id: str
    title: str
    source_url: str
    text: str
    span: Span
    score: float
    origin: EvidenceOrigin | None
    # True for the passage that decided the claim's label.
    decisive: bool


@dataclass(frozen=True)
class Claim:
    index: int
    text: str
    span: Span
    checkable: bool
    not_checkable_reason: str
    # None when the claim was not verified (extract_claims, or not checkable).
    label: SupportLabel | None
    support_score: float
    evidence: tuple[Evidence, ...]
    # The answer pieces the claim was built from; ``text`` may be rewritten from them.
    source_spans: tuple[Span, ...] = ()
    # None when the server did not say (an older server).
    assertiveness: Assertiveness | None = None
    hedge_cues: tuple[str, ...] = ()
    #: "sentence" when the claim took the verdict of the sentence it was split from; else
    #: "model" or "llm-judge" when the server runs a verifier cascade; empty otherwise.
    decided_by: str = ""


@dataclass(frozen=True)
class CitationRecord:
    title: str
    authors: tuple[str, ...]
    year: int
    venue: str
    doi: str
    url: str
    source: str


@dataclass(frozen=True)
class Citation:
    raw: str
    span: Span
    kind: CitationKind | None
    identifier: str
    status: CitationStatus | None
    # None when no source resolved the cited work.
    resolved: CitationRecord | None
    detail: str
    checked_sources: tuple[str, ...]
    # For an inline mention: the reference-list entry it points at, as written.
    linked_reference: str = ""
    # The sentence carrying the citation, and whether the cited work's abstract supports it
    # (None when it was not checked).
    claim: str = ""
    claim_support: SupportLabel | None = None
    claim_support_score: float = 0.0


@dataclass(frozen=True)
class Summary:
    claims_total: int
    checkable: int
    supported: int
    contradicted: int
    unverifiable: int
    not_checkable: int
    factual_precision: float
    citations_total: int
    fabricated_citations: int
    # None when nothing in the answer was checkable.
    answer_label: SupportLabel | None
    # Contradicted or unverifiable claims stated as fact, and those the answer hedged.
    unsupported_asserted: int = 0
    unsupported_hedged: int = 0


@dataclass(frozen=True)
class Versions:
    claim_extractor: str
    retriever: str
    embedder: str
    verifier: str
    citation_checker: str
    index_version: str
    server: str


@dataclass(frozen=True)
class CheckResult:
    """One checked answer. ``timings`` (seconds per server stage, in pipeline order) and
    ``request_id`` (the id in the server's logs) describe the call, so two results of the same
    answer still compare equal."""

    claims: tuple[Claim, ...]
    citations: tuple[Citation, ...]
    summary: Summary
    versions: Versions
    collection: str
    timings: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    request_id: str = field(default="", compare=False)


@dataclass(frozen=True)
class CheckCompleted:
    """The last event of ``stream_check``: the same summary, versions and call details as
    ``check``."""

    summary: Summary
    versions: Versions
    collection: str
    timings: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    request_id: str = field(default="", compare=False)


#: One event of ``stream_check``, in order: every Claim, every Citation, one CheckCompleted.
StreamEvent = Claim | Citation | CheckCompleted


@dataclass(frozen=True)
class CollectionStats:
    name: str
    documents: int
    passages: int
    index_version: str
    embedder: str
    index_type: str


@dataclass(frozen=True)
class DocumentError:
    """Why one document of an upsert was rejected; the others were still written."""

    document_id: str
    reason: str


@dataclass(frozen=True)
class UpsertResult:
    collection: str
    documents_upserted: int
    passages_indexed: int
    errors: tuple[DocumentError, ...]
    index_version: str


@dataclass(frozen=True)
class DeleteResult:
    documents_deleted: int
    # Requested ids the collection did not hold.
    missing_ids: tuple[str, ...]
    index_version: str
