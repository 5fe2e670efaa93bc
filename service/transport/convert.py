"""Conversion between the pipeline's records and the veracity.v1 protobuf messages.

The pipeline never sees protobuf and the servicer never builds messages field by field: this
module is the only place that knows both shapes. Values cross unchanged (nothing is clamped);
a record that cannot be expressed in the contract (an unknown enum member, a decisive index
outside the evidence list) raises instead of being quietly dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from enum import Enum
from typing import Any

from retrieval.types import (
    CollectionStats,
    DeleteReport,
    Document,
    Origin,
    Passage,
    UpsertReport,
)
from service.types import (
    Assertiveness,
    CheckCompleted,
    CheckEvent,
    CheckOptions,
    CheckRequest,
    CheckResult,
    Citation,
    CitationKind,
    CitationRecord,
    CitationStatus,
    Claim,
    ClaimResult,
    Summary,
    SupportLabel,
    Versions,
)
from veracity_client.v1 import veracity_pb2 as pb

#: Proto enum value names are the pipeline member names behind one prefix per enum type.
_PROTO_ENUMS: dict[type[Enum], tuple[Any, str]] = {
    SupportLabel: (pb.SupportLabel, "SUPPORT_LABEL_"),
    Origin: (pb.EvidenceOrigin, "EVIDENCE_ORIGIN_"),
    CitationKind: (pb.CitationKind, "CITATION_KIND_"),
    CitationStatus: (pb.CitationStatus, "CITATION_STATUS_"),
    Assertiveness: (pb.Assertiveness, "ASSERTIVENESS_"),
}


def enum_to_proto(member: Enum) -> str:
    """The name of the proto enum value for a pipeline enum member (constructors take names).

    Raises ValueError for a member the contract lacks, so a new pipeline label cannot reach
    clients as UNSPECIFIED by accident.
    """
    proto_enum, prefix = _PROTO_ENUMS[type(member)]
    name = prefix + member.name
    proto_enum.Value(name)
    return name


# -- requests -> pipeline ---------------------------------------------------------------------


def document_from_proto(message: pb.Document) -> Document:
    return Document(
        id=message.id,
        text=message.text,
        title=message.title,
        source_url=message.source_url,
        metadata=dict(message.metadata),
    )


def context_from_proto(messages: Iterable[pb.Document]) -> list[Document]:
    """Context documents, numbered "context-<position>" when the caller gave no id."""
    documents = []
    for position, message in enumerate(messages):
        document = document_from_proto(message)
        if not document.id:
            document = replace(document, id=f"context-{position}")
        documents.append(document)
    return documents


def check_options_from_proto(message: pb.CheckOptions, default_top_k: int) -> CheckOptions:
    """Options with the contract's "0 means the server default" for top_k applied.

    Thresholds are proto3 ``optional`` so that an explicit 0.0 stays distinguishable from
    unset; unset ones stay None and the verifier's own defaults apply.
    """
    return CheckOptions(
        top_k=message.top_k or default_top_k,
        supported_threshold=(
            message.supported_threshold if message.HasField("supported_threshold") else None
        ),
        contradicted_threshold=(
            message.contradicted_threshold if message.HasField("contradicted_threshold") else None
        ),
        skip_claims=message.skip_claims,
        skip_citations=message.skip_citations,
        context_only=message.context_only,
    )


def check_request_from_proto(message: pb.CheckAnswerRequest, default_top_k: int) -> CheckRequest:
    return CheckRequest(
        answer=message.answer,
        question=message.question,
        context=context_from_proto(message.context),
        collection=message.collection,
        options=check_options_from_proto(message.options, default_top_k),
    )


# -- pipeline -> responses --------------------------------------------------------------------


def span_to_proto(start: int, end: int) -> pb.Span:
    return pb.Span(start=start, end=end)


def evidence_to_proto(passage: Passage, decisive: bool = False) -> pb.Evidence:
    return pb.Evidence(
        document_id=passage.document_id,
        title=passage.title,
        source_url=passage.source_url,
        text=passage.text,
        span=span_to_proto(passage.start, passage.end),
        score=passage.score,
        origin=enum_to_proto(passage.origin),
        decisive=decisive,
    )


def claim_to_proto(index: int, claim: Claim) -> pb.Claim:
    """A claim as extracted, without a verdict (label UNSPECIFIED, no evidence)."""
    return pb.Claim(
        index=index,
        text=claim.text,
        span=span_to_proto(claim.start, claim.end),
        checkable=claim.checkable,
        not_checkable_reason=claim.not_checkable_reason,
        source_spans=[span_to_proto(start, end) for start, end in claim.source_spans],
        assertiveness=enum_to_proto(claim.assertiveness),
        hedge_cues=claim.hedge_cues,
    )


def claim_result_to_proto(result: ClaimResult) -> pb.Claim:
    """A claim with its verdict; the evidence at ``verdict.decisive`` is flagged decisive."""
    verdict = result.verdict
    if verdict is None:
        return claim_to_proto(result.index, result.claim)
    if verdict.decisive is not None and not 0 <= verdict.decisive < len(verdict.evidence):
        raise ValueError(
            f"claim {result.index}: decisive index {verdict.decisive} is outside its "
            f"{len(verdict.evidence)} evidence passages"
        )
    message = claim_to_proto(result.index, result.claim)
    message.MergeFrom(
        pb.Claim(
            label=enum_to_proto(verdict.label),
            support_score=verdict.support_score,
            decided_by=verdict.decided_by,
            evidence=[
                evidence_to_proto(passage, decisive=i == verdict.decisive)
                for i, passage in enumerate(verdict.evidence)
            ],
        )
    )
    return message


def citation_record_to_proto(record: CitationRecord) -> pb.CitationRecord:
    return pb.CitationRecord(
        title=record.title,
        authors=record.authors,
        year=record.year,
        venue=record.venue,
        doi=record.doi,
        url=record.url,
        source=record.source,
    )


def citation_to_proto(citation: Citation) -> pb.Citation:
    message = pb.Citation(
        raw=citation.raw,
        span=span_to_proto(citation.start, citation.end),
        kind=enum_to_proto(citation.kind),
        identifier=citation.identifier,
        status=enum_to_proto(citation.status),
        detail=citation.detail,
        checked_sources=citation.checked_sources,
        linked_reference=citation.linked_reference,
        claim=citation.claim,
        claim_support=(
            enum_to_proto(citation.claim_support)
            if citation.claim_support is not None
            else "SUPPORT_LABEL_UNSPECIFIED"
        ),
        claim_support_score=citation.claim_support_score,
    )
    if citation.resolved is not None:
        message.resolved.CopyFrom(citation_record_to_proto(citation.resolved))
    return message


def summary_to_proto(summary: Summary) -> pb.Summary:
    return pb.Summary(
        claims_total=summary.claims_total,
        checkable=summary.checkable,
        supported=summary.supported,
        contradicted=summary.contradicted,
        unverifiable=summary.unverifiable,
        not_checkable=summary.not_checkable,
        factual_precision=summary.factual_precision,
        citations_total=summary.citations_total,
        fabricated_citations=summary.fabricated_citations,
        answer_label=None if summary.answer_label is None else enum_to_proto(summary.answer_label),
        unsupported_asserted=summary.unsupported_asserted,
        unsupported_hedged=summary.unsupported_hedged,
    )


def versions_to_proto(versions: Versions) -> pb.Versions:
    return pb.Versions(
        claim_extractor=versions.claim_extractor,
        retriever=versions.retriever,
        embedder=versions.embedder,
        verifier=versions.verifier,
        citation_checker=versions.citation_checker,
        index_version=versions.index_version,
        server=versions.server,
    )


def check_result_to_proto(result: CheckResult) -> pb.CheckAnswerResponse:
    return pb.CheckAnswerResponse(
        claims=[claim_result_to_proto(c) for c in result.claims],
        citations=[citation_to_proto(c) for c in result.citations],
        summary=summary_to_proto(result.summary),
        versions=versions_to_proto(result.versions),
        collection=result.collection,
        timings=timings_to_proto(result.timings),
    )


def check_event_to_proto(event: CheckEvent) -> pb.StreamCheckAnswerResponse:
    """One StreamCheckAnswerResponse with the oneof set to the event's kind."""
    if isinstance(event, ClaimResult):
        return pb.StreamCheckAnswerResponse(claim=claim_result_to_proto(event))
    if isinstance(event, Citation):
        return pb.StreamCheckAnswerResponse(citation=citation_to_proto(event))
    return pb.StreamCheckAnswerResponse(completed=check_completed_to_proto(event))


def check_completed_to_proto(completed: CheckCompleted) -> pb.CheckCompleted:
    return pb.CheckCompleted(
        summary=summary_to_proto(completed.summary),
        versions=versions_to_proto(completed.versions),
        collection=completed.collection,
        timings=timings_to_proto(completed.timings),
    )


def timings_to_proto(timings: Mapping[str, float]) -> list[pb.StageTiming]:
    return [pb.StageTiming(stage=stage, seconds=seconds) for stage, seconds in timings.items()]


def extract_claims_to_proto(
    claims: Sequence[Claim], claim_extractor: str
) -> pb.ExtractClaimsResponse:
    return pb.ExtractClaimsResponse(
        claims=[claim_to_proto(i, c) for i, c in enumerate(claims)],
        claim_extractor=claim_extractor,
    )


def verify_citations_to_proto(
    citations: Sequence[Citation], citation_checker: str
) -> pb.VerifyCitationsResponse:
    return pb.VerifyCitationsResponse(
        citations=[citation_to_proto(c) for c in citations],
        citation_checker=citation_checker,
    )


def upsert_report_to_proto(report: UpsertReport) -> pb.UpsertDocumentsResponse:
    return pb.UpsertDocumentsResponse(
        collection=report.collection,
        documents_upserted=report.documents_upserted,
        passages_indexed=report.passages_indexed,
        errors=[
            pb.DocumentError(document_id=doc_id, reason=reason) for doc_id, reason in report.errors
        ],
        index_version=report.index_version,
    )


def delete_report_to_proto(report: DeleteReport) -> pb.DeleteDocumentsResponse:
    return pb.DeleteDocumentsResponse(
        documents_deleted=report.documents_deleted,
        missing_ids=report.missing_ids,
        index_version=report.index_version,
    )


def collection_stats_to_proto(stats: CollectionStats) -> pb.CollectionStats:
    return pb.CollectionStats(
        name=stats.name,
        documents=stats.documents,
        passages=stats.passages,
        index_version=stats.index_version,
        embedder=stats.embedder,
        index_type=stats.index_type,
    )


def corpus_stats_to_proto(stats: Sequence[CollectionStats]) -> pb.GetCorpusStatsResponse:
    return pb.GetCorpusStatsResponse(collections=[collection_stats_to_proto(s) for s in stats])


def search_result_to_proto(
    passages: Sequence[Passage], index_version: str
) -> pb.SearchEvidenceResponse:
    return pb.SearchEvidenceResponse(
        evidence=[evidence_to_proto(p) for p in passages], index_version=index_version
    )
