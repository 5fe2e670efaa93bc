"""Python SDK for Veracity, the hallucination and truthfulness checker.

    from veracity_client import VeracityClient

    with VeracityClient("127.0.0.1:50051") as client:
        result = client.check("Marie Curie won two Nobel Prizes.")
        print(result.summary.answer_label)

Depends on grpcio and protobuf only; importing it loads no model code.
"""

from veracity_client._convert import CheckArgs
from veracity_client.aio import AsyncVeracityClient
from veracity_client.client import VeracityClient
from veracity_client.errors import (
    DeadlineExceededError,
    FieldViolation,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
    UnavailableError,
    VeracityError,
)
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

__all__ = [
    "Assertiveness",
    "AsyncVeracityClient",
    "CheckArgs",
    "CheckCompleted",
    "CheckResult",
    "Citation",
    "CitationKind",
    "CitationRecord",
    "CitationStatus",
    "Claim",
    "CollectionStats",
    "DeadlineExceededError",
    "DeleteResult",
    "Document",
    "DocumentError",
    "Evidence",
    "EvidenceOrigin",
    "FieldViolation",
    "HealthStatus",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "ResourceExhaustedError",
    "Span",
    "StreamEvent",
    "Summary",
    "SupportLabel",
    "UnavailableError",
    "UpsertResult",
    "VeracityClient",
    "VeracityError",
    "Versions",
]
