"""Exceptions raised by the SDK: one per gRPC status a caller may want to handle apart.

Every failed call raises a VeracityError carrying the status code, the server's message and,
for INVALID_ARGUMENT, the offending fields parsed from the google.rpc.BadRequest detail; when
the server says how long to wait before trying again (a google.rpc.RetryInfo detail, sent with
RESOURCE_EXHAUSTED by a server enforcing quotas), ``retry_delay`` holds it in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import grpc

from veracity_client import _protos


@dataclass(frozen=True)
class FieldViolation:
    """One bad request field, e.g. ``FieldViolation("answer", "must not be empty")``."""

    field: str
    description: str


class VeracityError(Exception):
    """A call failed; ``code`` is the gRPC status code and ``message`` the server's words.

    ``retry_delay`` is the server's RetryInfo in seconds, None when it sent none.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        violations: tuple[FieldViolation, ...] = (),
        retry_delay: float | None = None,
    ) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.violations = violations
        self.retry_delay = retry_delay


class InvalidArgumentError(VeracityError):
    """The request was refused; ``violations`` names each bad field."""


class NotFoundError(VeracityError):
    """The named collection (or other resource) does not exist."""


class UnavailableError(VeracityError):
    """The server could not be reached or is shutting down; retrying later may work."""


class DeadlineExceededError(VeracityError):
    """The call took longer than its timeout."""


class ResourceExhaustedError(VeracityError):
    """A message was larger than the client's or the server's limit, or the server is full."""


class InternalError(VeracityError):
    """The server failed; its log has the details."""


_ERROR_CLASSES: dict[grpc.StatusCode, type[VeracityError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.INTERNAL: InternalError,
}


def error_from_rpc(error: grpc.RpcError) -> VeracityError:
    """The VeracityError for a failed call (a grpc.Call or grpc.aio.AioRpcError)."""
    code: grpc.StatusCode = error.code()
    message: str = error.details() or ""
    violations: list[FieldViolation] = []
    retry_delay: float | None = None
    for type_name, value in _details(error.trailing_metadata() or ()):
        if type_name == _protos.BAD_REQUEST_TYPE:
            violations.extend(
                FieldViolation(v.field, v.description)
                for v in _protos.BadRequest.FromString(value).field_violations
            )
        elif type_name == _protos.RETRY_INFO_TYPE:
            delay = _protos.RetryInfo.FromString(value).retry_delay
            retry_delay = delay.seconds + delay.nanos / 1e9
    return _ERROR_CLASSES.get(code, VeracityError)(code, message, tuple(violations), retry_delay)


def _details(trailing_metadata: Iterable[tuple[str, str | bytes]]) -> Iterator[tuple[str, bytes]]:
    """(type name, serialized message) of each google.rpc.Status detail the server sent."""
    for key, value in trailing_metadata:
        if key == _protos.STATUS_DETAILS_KEY and isinstance(value, bytes):
            for detail in _protos.Status.FromString(value).details:
                yield detail.type_url.rpartition("/")[2], detail.value
