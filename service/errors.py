"""Errors the pipeline raises for the caller's mistakes.

They carry what a caller needs to fix the request; the gRPC server maps them to status codes
in one place (service.transport.server), and the CLI prints them. Nothing here imports gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class VeracityError(Exception):
    """Base of the errors that are the caller's to fix."""


class InvalidArgument(VeracityError):
    def __init__(self, violations: list[FieldViolation]) -> None:
        self.violations = violations
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))

    @classmethod
    def single(cls, field: str, description: str) -> InvalidArgument:
        return cls([FieldViolation(field, description)])


class NotFound(VeracityError):
    """A named thing (a collection, say) does not exist."""


class Unauthenticated(VeracityError):
    """The call carries no API key, or one the server does not know."""


class Overloaded(VeracityError):
    """More work is queued than the server may hold, or a caller's quota is spent.

    ``retry_after_s`` is the server's estimate of when a retry may succeed; the gRPC layer
    sends it as google.rpc.RetryInfo.
    """

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Abandoned(VeracityError):
    """The caller cancelled, or its deadline is too near for the work to finish; the work stops
    so that it does not hold workers that the next request needs."""

    def __init__(self, message: str, deadline: bool) -> None:
        super().__init__(message)
        self.deadline = deadline
