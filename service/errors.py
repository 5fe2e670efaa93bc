"""Errors the pipeline raises for the caller's mistakes.

They carry what a caller needs to fix the request; the gRPC server maps them to status codes
in one place (service.server), and the CLI prints them. Nothing here imports gRPC.
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
