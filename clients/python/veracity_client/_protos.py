"""Wire-compatible copies of google.rpc.Status, BadRequest, RetryInfo and grpc.health.v1.

The SDK depends on grpcio and protobuf only, yet it must read the BadRequest detail of an
INVALID_ARGUMENT status, the RetryInfo detail of a RESOURCE_EXHAUSTED one (when to try again)
and call the standard health service. The few messages involved are
declared here, with the field numbers of their official definitions, in a private descriptor
pool: decoding matches the official messages byte for byte, and nothing collides with
googleapis-common-protos or grpcio-health-checking when those are imported too.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_Field = descriptor_pb2.FieldDescriptorProto
_PACKAGE = "veracity_client.wire"


def _field(name: str, number: int, kind: int, label: int, message: str) -> _Field:
    field = _Field(name=name, number=number, type=kind, label=label)  # type: ignore[arg-type]
    if message:
        field.type_name = f".{_PACKAGE}.{message}"
    return field


def _message(name: str, *fields: tuple[str, int, int, int, str]) -> descriptor_pb2.DescriptorProto:
    """A message of (name, number, type, label, message type name or "") fields."""
    return descriptor_pb2.DescriptorProto(name=name, field=[_field(*spec) for spec in fields])


_ONE, _MANY = _Field.LABEL_OPTIONAL, _Field.LABEL_REPEATED
_STRING, _BYTES, _INT32, _INT64, _MESSAGE = (
    _Field.TYPE_STRING,
    _Field.TYPE_BYTES,
    _Field.TYPE_INT32,
    _Field.TYPE_INT64,
    _Field.TYPE_MESSAGE,
)
_FILE = descriptor_pb2.FileDescriptorProto(
    name="veracity_client/wire.proto",
    package=_PACKAGE,
    syntax="proto3",
    message_type=[
        # google.protobuf.Any
        _message(
            "Any",
            ("type_url", 1, _STRING, _ONE, ""),
            ("value", 2, _BYTES, _ONE, ""),
        ),
        # google.rpc.Status
        _message(
            "Status",
            ("code", 1, _INT32, _ONE, ""),
            ("message", 2, _STRING, _ONE, ""),
            ("details", 3, _MESSAGE, _MANY, "Any"),
        ),
        # google.rpc.BadRequest.FieldViolation (only the fields the SDK reads)
        _message(
            "FieldViolation",
            ("field", 1, _STRING, _ONE, ""),
            ("description", 2, _STRING, _ONE, ""),
        ),
        # google.rpc.BadRequest
        _message("BadRequest", ("field_violations", 1, _MESSAGE, _MANY, "FieldViolation")),
        # google.protobuf.Duration
        _message(
            "Duration",
            ("seconds", 1, _INT64, _ONE, ""),
            ("nanos", 2, _INT32, _ONE, ""),
        ),
        # google.rpc.RetryInfo
        _message("RetryInfo", ("retry_delay", 1, _MESSAGE, _ONE, "Duration")),
        # grpc.health.v1.HealthCheckRequest / HealthCheckResponse (the enum read as its number)
        _message("HealthCheckRequest", ("service", 1, _STRING, _ONE, "")),
        _message("HealthCheckResponse", ("status", 1, _INT32, _ONE, "")),
    ],
)

_pool = descriptor_pool.DescriptorPool()
_pool.Add(_FILE)


def _class(name: str) -> Any:
    return message_factory.GetMessageClass(_pool.FindMessageTypeByName(f"{_PACKAGE}.{name}"))


Status = _class("Status")
BadRequest = _class("BadRequest")
RetryInfo = _class("RetryInfo")
HealthCheckRequest = _class("HealthCheckRequest")
HealthCheckResponse = _class("HealthCheckResponse")

#: The type URL suffix of a packed BadRequest in Status.details.
BAD_REQUEST_TYPE = "google.rpc.BadRequest"
#: The type URL suffix of a packed RetryInfo in Status.details.
RETRY_INFO_TYPE = "google.rpc.RetryInfo"
#: Trailing metadata key under which gRPC servers send the serialized google.rpc.Status.
STATUS_DETAILS_KEY = "grpc-status-details-bin"
#: The standard health check method.
HEALTH_CHECK_METHOD = "/grpc.health.v1.Health/Check"
