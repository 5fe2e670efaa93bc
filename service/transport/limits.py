"""The request size limit, checked before a request reaches the pipeline.

The Checker enforces the semantic limits (answer characters, claims, context documents; see
service.config.Settings); this one is about bytes on the wire. The transport accepts up to
twice ``max_message_bytes`` so that a request over the limit gets INVALID_ARGUMENT naming the
limit instead of the transport's bare RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

from google.protobuf.message import Message

from service.errors import FieldViolation


def size_violations(message: Message, limit: int, field: str = "request") -> list[FieldViolation]:
    """A violation when ``message`` serialises to more than ``limit`` bytes."""
    size = message.ByteSize()
    if size <= limit:
        return []
    return [FieldViolation(field, f"is {size} bytes; the limit is {limit}")]


def transport_limit(limit: int) -> int:
    """The transport's own limit for a configured request limit (see the module docstring)."""
    return 2 * limit
