from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SupportLabel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUPPORT_LABEL_UNSPECIFIED: _ClassVar[SupportLabel]
    SUPPORT_LABEL_SUPPORTED: _ClassVar[SupportLabel]
    SUPPORT_LABEL_CONTRADICTED: _ClassVar[SupportLabel]
    SUPPORT_LABEL_UNVERIFIABLE: _ClassVar[SupportLabel]

class EvidenceOrigin(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVIDENCE_ORIGIN_UNSPECIFIED: _ClassVar[EvidenceOrigin]
    EVIDENCE_ORIGIN_CORPUS: _ClassVar[EvidenceOrigin]
    EVIDENCE_ORIGIN_CONTEXT: _ClassVar[EvidenceOrigin]

class Assertiveness(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSERTIVENESS_UNSPECIFIED: _ClassVar[Assertiveness]
    ASSERTIVENESS_ASSERTED: _ClassVar[Assertiveness]
    ASSERTIVENESS_HEDGED: _ClassVar[Assertiveness]

class CitationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CITATION_KIND_UNSPECIFIED: _ClassVar[CitationKind]
    CITATION_KIND_DOI: _ClassVar[CitationKind]
    CITATION_KIND_ARXIV: _ClassVar[CitationKind]
    CITATION_KIND_PMID: _ClassVar[CitationKind]
    CITATION_KIND_PMCID: _ClassVar[CitationKind]
    CITATION_KIND_ISBN: _ClassVar[CitationKind]
    CITATION_KIND_URL: _ClassVar[CitationKind]
    CITATION_KIND_REFERENCE: _ClassVar[CitationKind]

class CitationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CITATION_STATUS_UNSPECIFIED: _ClassVar[CitationStatus]
    CITATION_STATUS_VERIFIED: _ClassVar[CitationStatus]
    CITATION_STATUS_MISMATCHED: _ClassVar[CitationStatus]
    CITATION_STATUS_NOT_FOUND: _ClassVar[CitationStatus]
    CITATION_STATUS_DEAD_LINK: _ClassVar[CitationStatus]
    CITATION_STATUS_UNAVAILABLE: _ClassVar[CitationStatus]
    CITATION_STATUS_RETRACTED: _ClassVar[CitationStatus]
SUPPORT_LABEL_UNSPECIFIED: SupportLabel
SUPPORT_LABEL_SUPPORTED: SupportLabel
SUPPORT_LABEL_CONTRADICTED: SupportLabel
SUPPORT_LABEL_UNVERIFIABLE: SupportLabel
EVIDENCE_ORIGIN_UNSPECIFIED: EvidenceOrigin
EVIDENCE_ORIGIN_CORPUS: EvidenceOrigin
EVIDENCE_ORIGIN_CONTEXT: EvidenceOrigin
ASSERTIVENESS_UNSPECIFIED: Assertiveness
ASSERTIVENESS_ASSERTED: Assertiveness
ASSERTIVENESS_HEDGED: Assertiveness
CITATION_KIND_UNSPECIFIED: CitationKind
CITATION_KIND_DOI: CitationKind
CITATION_KIND_ARXIV: CitationKind
CITATION_KIND_PMID: CitationKind
CITATION_KIND_PMCID: CitationKind
CITATION_KIND_ISBN: CitationKind
CITATION_KIND_URL: CitationKind
CITATION_KIND_REFERENCE: CitationKind
CITATION_STATUS_UNSPECIFIED: CitationStatus
CITATION_STATUS_VERIFIED: CitationStatus
CITATION_STATUS_MISMATCHED: CitationStatus
CITATION_STATUS_NOT_FOUND: CitationStatus
CITATION_STATUS_DEAD_LINK: CitationStatus
CITATION_STATUS_UNAVAILABLE: CitationStatus
CITATION_STATUS_RETRACTED: CitationStatus

class Span(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("id", "title", "text", "source_url", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_URL_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    text: str
    source_url: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., text: _Optional[str] = ..., source_url: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("document_id", "title", "source_url", "text", "span", "score", "origin", "decisive")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_URL_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    DECISIVE_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    title: str
    source_url: str
    text: str
    span: Span
    score: float
    origin: EvidenceOrigin
    decisive: bool
    def __init__(self, document_id: _Optional[str] = ..., title: _Optional[str] = ..., source_url: _Optional[str] = ..., text: _Optional[str] = ..., span: _Optional[_Union[Span, _Mapping]] = ..., score: _Optional[float] = ..., origin: _Optional[_Union[EvidenceOrigin, str]] = ..., decisive: _Optional[bool] = ...) -> None: ...

class Claim(_message.Message):
    __slots__ = ("index", "text", "span", "checkable", "not_checkable_reason", "label", "support_score", "evidence", "source_spans", "assertiveness", "hedge_cues", "decided_by")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    CHECKABLE_FIELD_NUMBER: _ClassVar[int]
    NOT_CHECKABLE_REASON_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_SCORE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SPANS_FIELD_NUMBER: _ClassVar[int]
    ASSERTIVENESS_FIELD_NUMBER: _ClassVar[int]
    HEDGE_CUES_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    index: int
    text: str
    span: Span
    checkable: bool
    not_checkable_reason: str
    label: SupportLabel
    support_score: float
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    source_spans: _containers.RepeatedCompositeFieldContainer[Span]
    assertiveness: Assertiveness
    hedge_cues: _containers.RepeatedScalarFieldContainer[str]
    decided_by: str
    def __init__(self, index: _Optional[int] = ..., text: _Optional[str] = ..., span: _Optional[_Union[Span, _Mapping]] = ..., checkable: _Optional[bool] = ..., not_checkable_reason: _Optional[str] = ..., label: _Optional[_Union[SupportLabel, str]] = ..., support_score: _Optional[float] = ..., evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., source_spans: _Optional[_Iterable[_Union[Span, _Mapping]]] = ..., assertiveness: _Optional[_Union[Assertiveness, str]] = ..., hedge_cues: _Optional[_Iterable[str]] = ..., decided_by: _Optional[str] = ...) -> None: ...

class CitationRecord(_message.Message):
    __slots__ = ("title", "authors", "year", "venue", "doi", "url", "source")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    AUTHORS_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    DOI_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    title: str
    authors: _containers.RepeatedScalarFieldContainer[str]
    year: int
    venue: str
    doi: str
    url: str
    source: str
    def __init__(self, title: _Optional[str] = ..., authors: _Optional[_Iterable[str]] = ..., year: _Optional[int] = ..., venue: _Optional[str] = ..., doi: _Optional[str] = ..., url: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class Citation(_message.Message):
    __slots__ = ("raw", "span", "kind", "identifier", "status", "resolved", "detail", "checked_sources", "linked_reference", "claim", "claim_support", "claim_support_score")
    RAW_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    CHECKED_SOURCES_FIELD_NUMBER: _ClassVar[int]
    LINKED_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    CLAIM_SUPPORT_FIELD_NUMBER: _ClassVar[int]
    CLAIM_SUPPORT_SCORE_FIELD_NUMBER: _ClassVar[int]
    raw: str
    span: Span
    kind: CitationKind
    identifier: str
    status: CitationStatus
    resolved: CitationRecord
    detail: str
    checked_sources: _containers.RepeatedScalarFieldContainer[str]
    linked_reference: str
    claim: str
    claim_support: SupportLabel
    claim_support_score: float
    def __init__(self, raw: _Optional[str] = ..., span: _Optional[_Union[Span, _Mapping]] = ..., kind: _Optional[_Union[CitationKind, str]] = ..., identifier: _Optional[str] = ..., status: _Optional[_Union[CitationStatus, str]] = ..., resolved: _Optional[_Union[CitationRecord, _Mapping]] = ..., detail: _Optional[str] = ..., checked_sources: _Optional[_Iterable[str]] = ..., linked_reference: _Optional[str] = ..., claim: _Optional[str] = ..., claim_support: _Optional[_Union[SupportLabel, str]] = ..., claim_support_score: _Optional[float] = ...) -> None: ...

class CheckOptions(_message.Message):
    __slots__ = ("top_k", "supported_threshold", "contradicted_threshold", "skip_claims", "skip_citations", "context_only")
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    SUPPORTED_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    CONTRADICTED_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    SKIP_CLAIMS_FIELD_NUMBER: _ClassVar[int]
    SKIP_CITATIONS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_ONLY_FIELD_NUMBER: _ClassVar[int]
    top_k: int
    supported_threshold: float
    contradicted_threshold: float
    skip_claims: bool
    skip_citations: bool
    context_only: bool
    def __init__(self, top_k: _Optional[int] = ..., supported_threshold: _Optional[float] = ..., contradicted_threshold: _Optional[float] = ..., skip_claims: _Optional[bool] = ..., skip_citations: _Optional[bool] = ..., context_only: _Optional[bool] = ...) -> None: ...

class CheckAnswerRequest(_message.Message):
    __slots__ = ("answer", "question", "context", "collection", "options")
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    answer: str
    question: str
    context: _containers.RepeatedCompositeFieldContainer[Document]
    collection: str
    options: CheckOptions
    def __init__(self, answer: _Optional[str] = ..., question: _Optional[str] = ..., context: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., collection: _Optional[str] = ..., options: _Optional[_Union[CheckOptions, _Mapping]] = ...) -> None: ...

class Summary(_message.Message):
    __slots__ = ("claims_total", "checkable", "supported", "contradicted", "unverifiable", "not_checkable", "factual_precision", "citations_total", "fabricated_citations", "answer_label", "unsupported_asserted", "unsupported_hedged")
    CLAIMS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    CHECKABLE_FIELD_NUMBER: _ClassVar[int]
    SUPPORTED_FIELD_NUMBER: _ClassVar[int]
    CONTRADICTED_FIELD_NUMBER: _ClassVar[int]
    UNVERIFIABLE_FIELD_NUMBER: _ClassVar[int]
    NOT_CHECKABLE_FIELD_NUMBER: _ClassVar[int]
    FACTUAL_PRECISION_FIELD_NUMBER: _ClassVar[int]
    CITATIONS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    FABRICATED_CITATIONS_FIELD_NUMBER: _ClassVar[int]
    ANSWER_LABEL_FIELD_NUMBER: _ClassVar[int]
    UNSUPPORTED_ASSERTED_FIELD_NUMBER: _ClassVar[int]
    UNSUPPORTED_HEDGED_FIELD_NUMBER: _ClassVar[int]
    claims_total: int
    checkable: int
    supported: int
    contradicted: int
    unverifiable: int
    not_checkable: int
    factual_precision: float
    citations_total: int
    fabricated_citations: int
    answer_label: SupportLabel
    unsupported_asserted: int
    unsupported_hedged: int
    def __init__(self, claims_total: _Optional[int] = ..., checkable: _Optional[int] = ..., supported: _Optional[int] = ..., contradicted: _Optional[int] = ..., unverifiable: _Optional[int] = ..., not_checkable: _Optional[int] = ..., factual_precision: _Optional[float] = ..., citations_total: _Optional[int] = ..., fabricated_citations: _Optional[int] = ..., answer_label: _Optional[_Union[SupportLabel, str]] = ..., unsupported_asserted: _Optional[int] = ..., unsupported_hedged: _Optional[int] = ...) -> None: ...

class Versions(_message.Message):
    __slots__ = ("claim_extractor", "retriever", "embedder", "verifier", "citation_checker", "index_version", "server")
    CLAIM_EXTRACTOR_FIELD_NUMBER: _ClassVar[int]
    RETRIEVER_FIELD_NUMBER: _ClassVar[int]
    EMBEDDER_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_FIELD_NUMBER: _ClassVar[int]
    CITATION_CHECKER_FIELD_NUMBER: _ClassVar[int]
    INDEX_VERSION_FIELD_NUMBER: _ClassVar[int]
    SERVER_FIELD_NUMBER: _ClassVar[int]
    claim_extractor: str
    retriever: str
    embedder: str
    verifier: str
    citation_checker: str
    index_version: str
    server: str
    def __init__(self, claim_extractor: _Optional[str] = ..., retriever: _Optional[str] = ..., embedder: _Optional[str] = ..., verifier: _Optional[str] = ..., citation_checker: _Optional[str] = ..., index_version: _Optional[str] = ..., server: _Optional[str] = ...) -> None: ...

class StageTiming(_message.Message):
    __slots__ = ("stage", "seconds")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    stage: str
    seconds: float
    def __init__(self, stage: _Optional[str] = ..., seconds: _Optional[float] = ...) -> None: ...

class CheckAnswerResponse(_message.Message):
    __slots__ = ("claims", "citations", "summary", "versions", "collection", "timings", "request_id")
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    CITATIONS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    claims: _containers.RepeatedCompositeFieldContainer[Claim]
    citations: _containers.RepeatedCompositeFieldContainer[Citation]
    summary: Summary
    versions: Versions
    collection: str
    timings: _containers.RepeatedCompositeFieldContainer[StageTiming]
    request_id: str
    def __init__(self, claims: _Optional[_Iterable[_Union[Claim, _Mapping]]] = ..., citations: _Optional[_Iterable[_Union[Citation, _Mapping]]] = ..., summary: _Optional[_Union[Summary, _Mapping]] = ..., versions: _Optional[_Union[Versions, _Mapping]] = ..., collection: _Optional[str] = ..., timings: _Optional[_Iterable[_Union[StageTiming, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class StreamCheckAnswerRequest(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: CheckAnswerRequest
    def __init__(self, request: _Optional[_Union[CheckAnswerRequest, _Mapping]] = ...) -> None: ...

class CheckCompleted(_message.Message):
    __slots__ = ("summary", "versions", "collection", "timings", "request_id")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    summary: Summary
    versions: Versions
    collection: str
    timings: _containers.RepeatedCompositeFieldContainer[StageTiming]
    request_id: str
    def __init__(self, summary: _Optional[_Union[Summary, _Mapping]] = ..., versions: _Optional[_Union[Versions, _Mapping]] = ..., collection: _Optional[str] = ..., timings: _Optional[_Iterable[_Union[StageTiming, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class StreamCheckAnswerResponse(_message.Message):
    __slots__ = ("claim", "citation", "completed")
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    CITATION_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    claim: Claim
    citation: Citation
    completed: CheckCompleted
    def __init__(self, claim: _Optional[_Union[Claim, _Mapping]] = ..., citation: _Optional[_Union[Citation, _Mapping]] = ..., completed: _Optional[_Union[CheckCompleted, _Mapping]] = ...) -> None: ...

class ExtractClaimsRequest(_message.Message):
    __slots__ = ("answer", "question")
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    answer: str
    question: str
    def __init__(self, answer: _Optional[str] = ..., question: _Optional[str] = ...) -> None: ...

class ExtractClaimsResponse(_message.Message):
    __slots__ = ("claims", "claim_extractor")
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    CLAIM_EXTRACTOR_FIELD_NUMBER: _ClassVar[int]
    claims: _containers.RepeatedCompositeFieldContainer[Claim]
    claim_extractor: str
    def __init__(self, claims: _Optional[_Iterable[_Union[Claim, _Mapping]]] = ..., claim_extractor: _Optional[str] = ...) -> None: ...

class VerifyCitationsRequest(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class VerifyCitationsResponse(_message.Message):
    __slots__ = ("citations", "citation_checker")
    CITATIONS_FIELD_NUMBER: _ClassVar[int]
    CITATION_CHECKER_FIELD_NUMBER: _ClassVar[int]
    citations: _containers.RepeatedCompositeFieldContainer[Citation]
    citation_checker: str
    def __init__(self, citations: _Optional[_Iterable[_Union[Citation, _Mapping]]] = ..., citation_checker: _Optional[str] = ...) -> None: ...

class UpsertDocumentsRequest(_message.Message):
    __slots__ = ("collection", "document")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    collection: str
    document: Document
    def __init__(self, collection: _Optional[str] = ..., document: _Optional[_Union[Document, _Mapping]] = ...) -> None: ...

class DocumentError(_message.Message):
    __slots__ = ("document_id", "reason")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    reason: str
    def __init__(self, document_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UpsertDocumentsResponse(_message.Message):
    __slots__ = ("collection", "documents_upserted", "passages_indexed", "errors", "index_version")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_UPSERTED_FIELD_NUMBER: _ClassVar[int]
    PASSAGES_INDEXED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    INDEX_VERSION_FIELD_NUMBER: _ClassVar[int]
    collection: str
    documents_upserted: int
    passages_indexed: int
    errors: _containers.RepeatedCompositeFieldContainer[DocumentError]
    index_version: str
    def __init__(self, collection: _Optional[str] = ..., documents_upserted: _Optional[int] = ..., passages_indexed: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[DocumentError, _Mapping]]] = ..., index_version: _Optional[str] = ...) -> None: ...

class DeleteDocumentsRequest(_message.Message):
    __slots__ = ("collection", "document_ids")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    collection: str
    document_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, collection: _Optional[str] = ..., document_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteDocumentsResponse(_message.Message):
    __slots__ = ("documents_deleted", "missing_ids", "index_version")
    DOCUMENTS_DELETED_FIELD_NUMBER: _ClassVar[int]
    MISSING_IDS_FIELD_NUMBER: _ClassVar[int]
    INDEX_VERSION_FIELD_NUMBER: _ClassVar[int]
    documents_deleted: int
    missing_ids: _containers.RepeatedScalarFieldContainer[str]
    index_version: str
    def __init__(self, documents_deleted: _Optional[int] = ..., missing_ids: _Optional[_Iterable[str]] = ..., index_version: _Optional[str] = ...) -> None: ...

class GetCorpusStatsRequest(_message.Message):
    __slots__ = ("collection",)
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    collection: str
    def __init__(self, collection: _Optional[str] = ...) -> None: ...

class CollectionStats(_message.Message):
    __slots__ = ("name", "documents", "passages", "index_version", "embedder", "index_type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    PASSAGES_FIELD_NUMBER: _ClassVar[int]
    INDEX_VERSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDER_FIELD_NUMBER: _ClassVar[int]
    INDEX_TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    documents: int
    passages: int
    index_version: str
    embedder: str
    index_type: str
    def __init__(self, name: _Optional[str] = ..., documents: _Optional[int] = ..., passages: _Optional[int] = ..., index_version: _Optional[str] = ..., embedder: _Optional[str] = ..., index_type: _Optional[str] = ...) -> None: ...

class GetCorpusStatsResponse(_message.Message):
    __slots__ = ("collections",)
    COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    collections: _containers.RepeatedCompositeFieldContainer[CollectionStats]
    def __init__(self, collections: _Optional[_Iterable[_Union[CollectionStats, _Mapping]]] = ...) -> None: ...

class SearchEvidenceRequest(_message.Message):
    __slots__ = ("query", "collection", "top_k", "context", "context_only")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_ONLY_FIELD_NUMBER: _ClassVar[int]
    query: str
    collection: str
    top_k: int
    context: _containers.RepeatedCompositeFieldContainer[Document]
    context_only: bool
    def __init__(self, query: _Optional[str] = ..., collection: _Optional[str] = ..., top_k: _Optional[int] = ..., context: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., context_only: _Optional[bool] = ...) -> None: ...

class SearchEvidenceResponse(_message.Message):
    __slots__ = ("evidence", "index_version")
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    INDEX_VERSION_FIELD_NUMBER: _ClassVar[int]
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    index_version: str
    def __init__(self, evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., index_version: _Optional[str] = ...) -> None: ...
