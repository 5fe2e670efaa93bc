"""Request building and response parsing shared by VeracityClient and AsyncVeracityClient.

Both clients only pick a stub method and a way to wait; everything that knows the shape of a
veracity.v1 message lives here, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import Enum
from typing import Any, TypedDict, TypeVar, Unpack

from veracity_client.types import (
    Assertiveness,
    CheckCompleted,
    CheckResult,
    Citation,
    CitationKind,
    CitationRecord,
    CitationStatus,
    Claim,
    CollectionStats,
    DeleteResult,
    Document,
    DocumentError,
    Evidence,
    EvidenceOrigin,
    HealthStatus,
    Span,
    StreamEvent,
    Summary,
    SupportLabel,
    UpsertResult,
    Versions,
)
from veracity_client.v1 import veracity_pb2 as pb

#: What the SDK accepts as a document: plain text, a Document, or a dict of Document's fields.
DocumentLike = str | Document | Mapping[str, Any]

_E = TypeVar("_E", bound=Enum)

_PROTO_ENUMS: dict[type[Enum], tuple[Any, str]] = {
    SupportLabel: (pb.SupportLabel, "SUPPORT_LABEL_"),
    EvidenceOrigin: (pb.EvidenceOrigin, "EVIDENCE_ORIGIN_"),
    CitationKind: (pb.CitationKind, "CITATION_KIND_"),
    CitationStatus: (pb.CitationStatus, "CITATION_STATUS_"),
    Assertiveness: (pb.Assertiveness, "ASSERTIVENESS_"),
}


def _enum(kind: type[_E], value: int) -> _E | None:
    """The SDK member for a proto enum value; None for UNSPECIFIED.

    A value this SDK does not know (a newer server) raises ValueError naming the fix.
    """
    if value == 0:
        return None
    proto_enum, prefix = _PROTO_ENUMS[kind]
    try:
        return kind[proto_enum.Name(value).removeprefix(prefix)]
    except (KeyError, ValueError):
        raise ValueError(
            f"the server sent {kind.__name__} {value}, unknown to this veracity-client; "
            "upgrade veracity-client"
        ) from None


# -- requests ---------------------------------------------------------------------------------


def document_to_proto(document: DocumentLike) -> Any:
    """A veracity.v1.Document from text, a Document, or a dict with Document's field names."""
    if isinstance(document, str):
        document = Document(text=document)
    elif not isinstance(document, Document):
        document = Document(**document)
    return pb.Document(
        id=document.id,
        title=document.title,
        text=document.text,
        source_url=document.source_url,
        metadata=dict(document.metadata),
    )


class CheckArgs(TypedDict, total=False):
    """The optional arguments of ``check`` and ``stream_check``; every one has a server default.

    ``top_k`` 0 and thresholds left None use the server's defaults.
    """

    question: str
    context: Sequence[DocumentLike]
    collection: str
    top_k: int
    supported_threshold: float | None
    contradicted_threshold: float | None
    skip_claims: bool
    skip_citations: bool
    context_only: bool


def check_request(answer: str, **args: Unpack[CheckArgs]) -> Any:
    """A CheckAnswerRequest; thresholds left None stay unset so the server default applies."""
    options = pb.CheckOptions(
        top_k=args.get("top_k", 0),
        skip_claims=args.get("skip_claims", False),
        skip_citations=args.get("skip_citations", False),
        context_only=args.get("context_only", False),
    )
    supported = args.get("supported_threshold")
    if supported is not None:
        options.supported_threshold = supported
    contradicted = args.get("contradicted_threshold")
    if contradicted is not None:
        options.contradicted_threshold = contradicted
    return pb.CheckAnswerRequest(
        answer=answer,
        question=args.get("question", ""),
        context=[document_to_proto(d) for d in args.get("context", ())],
        collection=args.get("collection", ""),
        options=options,
    )


def upsert_requests(documents: Iterable[DocumentLike], collection: str) -> Iterator[Any]:
    """The UpsertDocuments stream: a first message naming the collection, then one per document.

    Naming the collection on its own keeps an empty upload aimed at the right collection.
    """
    yield pb.UpsertDocumentsRequest(collection=collection)
    for document in documents:
        yield pb.UpsertDocumentsRequest(document=document_to_proto(document))


def search_request(
    query: str,
    *,
    collection: str,
    top_k: int,
    context: Sequence[DocumentLike],
    context_only: bool,
) -> Any:
    return pb.SearchEvidenceRequest(
        query=query,
        collection=collection,
        top_k=top_k,
        context=[document_to_proto(d) for d in context],
        context_only=context_only,
    )


# -- responses --------------------------------------------------------------------------------


def span(message: Any) -> Span:
    return Span(start=message.start, end=message.end)


def evidence(message: Any) -> Evidence:
    return Evidence(
        document_id=message.document_id,
        title=message.title,
        source_url=message.source_url,
        text=message.text,
        span=span(message.span),
        score=message.score,
        origin=_enum(EvidenceOrigin, message.origin),
        decisive=message.decisive,
    )


def claim(message: Any) -> Claim:
    return Claim(
        index=message.index,
        text=message.text,
        span=span(message.span),
        checkable=message.checkable,
        not_checkable_reason=message.not_checkable_reason,
        label=_enum(SupportLabel, message.label),
        support_score=message.support_score,
        evidence=tuple(evidence(e) for e in message.evidence),
        source_spans=tuple(span(s) for s in message.source_spans),
        assertiveness=_enum(Assertiveness, message.assertiveness),
        hedge_cues=tuple(message.hedge_cues),
        decided_by=message.decided_by,
    )


def citation(message: Any) -> Citation:
    record = message.resolved
    return Citation(
        raw=message.raw,
        span=span(message.span),
        kind=_enum(CitationKind, message.kind),
        identifier=message.identifier,
        status=_enum(CitationStatus, message.status),
        resolved=(
            CitationRecord(
                title=record.title,
                authors=tuple(record.authors),
                year=record.year,
                venue=record.venue,
                doi=record.doi,
                url=record.url,
                source=record.source,
            )
            if message.HasField("resolved")
            else None
        ),
        detail=message.detail,
        checked_sources=tuple(message.checked_sources),
        linked_reference=message.linked_reference,
        claim=message.claim,
        claim_support=_enum(SupportLabel, message.claim_support),
        claim_support_score=message.claim_support_score,
    )


def summary(message: Any) -> Summary:
    return Summary(
        claims_total=message.claims_total,
        checkable=message.checkable,
        supported=message.supported,
        contradicted=message.contradicted,
        unverifiable=message.unverifiable,
        not_checkable=message.not_checkable,
        factual_precision=message.factual_precision,
        citations_total=message.citations_total,
        fabricated_citations=message.fabricated_citations,
        answer_label=_enum(SupportLabel, message.answer_label),
        unsupported_asserted=message.unsupported_asserted,
        unsupported_hedged=message.unsupported_hedged,
    )


def versions(message: Any) -> Versions:
    return Versions(
        claim_extractor=message.claim_extractor,
        retriever=message.retriever,
        embedder=message.embedder,
        verifier=message.verifier,
        citation_checker=message.citation_checker,
        index_version=message.index_version,
        server=message.server,
    )


def check_result(message: Any) -> CheckResult:
    return CheckResult(
        claims=tuple(claim(c) for c in message.claims),
        citations=tuple(citation(c) for c in message.citations),
        summary=summary(message.summary),
        versions=versions(message.versions),
        collection=message.collection,
        timings=timings(message.timings),
        request_id=message.request_id,
    )


def timings(messages: Any) -> tuple[tuple[str, float], ...]:
    return tuple((t.stage, t.seconds) for t in messages)


def stream_event(message: Any) -> StreamEvent:
    kind = message.WhichOneof("event")
    if kind == "claim":
        return claim(message.claim)
    if kind == "citation":
        return citation(message.citation)
    if kind == "completed":
        done = message.completed
        return CheckCompleted(
            summary=summary(done.summary),
            versions=versions(done.versions),
            collection=done.collection,
            timings=timings(done.timings),
            request_id=done.request_id,
        )
    raise ValueError("the server sent a stream event of a kind unknown to this veracity-client")


def claims(message: Any) -> list[Claim]:
    return [claim(c) for c in message.claims]


def citations(message: Any) -> list[Citation]:
    return [citation(c) for c in message.citations]


def upsert_result(message: Any) -> UpsertResult:
    return UpsertResult(
        collection=message.collection,
        documents_upserted=message.documents_upserted,
        passages_indexed=message.passages_indexed,
        errors=tuple(DocumentError(e.document_id, e.reason) for e in message.errors),
        index_version=message.index_version,
    )


def delete_result(message: Any) -> DeleteResult:
    return DeleteResult(
        documents_deleted=message.documents_deleted,
        missing_ids=tuple(message.missing_ids),
        index_version=message.index_version,
    )


def corpus_stats(message: Any) -> list[CollectionStats]:
    return [
        CollectionStats(
            name=c.name,
            documents=c.documents,
            passages=c.passages,
            index_version=c.index_version,
            embedder=c.embedder,
            index_type=c.index_type,
        )
        for c in message.collections
    ]


def search_result(message: Any) -> list[Evidence]:
    return [evidence(e) for e in message.evidence]


#: grpc.health.v1 ServingStatus, indexed by its numbers.
_HEALTH_STATUSES = (
    HealthStatus.UNKNOWN,
    HealthStatus.SERVING,
    HealthStatus.NOT_SERVING,
    HealthStatus.SERVICE_UNKNOWN,
)


def health_status(message: Any) -> HealthStatus:
    """The status of a grpc.health.v1 HealthCheckResponse (read via veracity_client._protos)."""
    if not 0 <= message.status < len(_HEALTH_STATUSES):
        raise ValueError(f"the server sent health status {message.status}, unknown to the SDK")
    return _HEALTH_STATUSES[message.status]
