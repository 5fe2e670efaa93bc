"""The one place where errors become gRPC statuses with google.rpc details.

InvalidArgument carries google.rpc.BadRequest (one field violation per bad field); Overloaded
(a full queue, a spent quota) carries google.rpc.RetryInfo with the delay to wait, which
clients read from the ``grpc-status-details-bin`` trailer; anything unexpected becomes a terse
INTERNAL whose details stay in the server's log.
"""

from __future__ import annotations

import logging

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from service.errors import (
    Abandoned,
    FieldViolation,
    InvalidArgument,
    NotFound,
    Overloaded,
    Unauthenticated,
)

logger = logging.getLogger(__name__)


def _packed(detail: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(detail)
    return packed


def bad_request(violations: list[FieldViolation]) -> any_pb2.Any:
    return _packed(
        error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in violations
            ]
        )
    )


def retry_info(delay_s: float) -> any_pb2.Any:
    delay = duration_pb2.Duration()
    delay.FromNanoseconds(int(delay_s * 1e9))
    return _packed(error_details_pb2.RetryInfo(retry_delay=delay))


def status_of(error: Exception, rpc: str) -> grpc.Status:
    """The status that ``error``, raised while serving ``rpc``, stands for."""
    if isinstance(error, InvalidArgument):
        status = status_pb2.Status(
            code=code_pb2.INVALID_ARGUMENT,
            message=str(error),
            details=[bad_request(error.violations)],
        )
    elif isinstance(error, NotFound):
        status = status_pb2.Status(code=code_pb2.NOT_FOUND, message=str(error))
    elif isinstance(error, Unauthenticated):
        status = status_pb2.Status(code=code_pb2.UNAUTHENTICATED, message=str(error))
    elif isinstance(error, Overloaded):
        status = status_pb2.Status(
            code=code_pb2.RESOURCE_EXHAUSTED,
            message=str(error),
            details=[retry_info(error.retry_after_s)],
        )
    elif isinstance(error, Abandoned):
        code = code_pb2.DEADLINE_EXCEEDED if error.deadline else code_pb2.CANCELLED
        status = status_pb2.Status(code=code, message=str(error))
    else:
        logger.error("%s failed", rpc, exc_info=error)
        status = status_pb2.Status(
            code=code_pb2.INTERNAL, message=f"internal error ({type(error).__name__})"
        )
    return rpc_status.to_status(status)
