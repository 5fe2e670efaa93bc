"""The front door of VeracityService: every call passes here before its method runs.

In order: a request id (the caller's ``x-request-id`` or a new one) for the logs, the
response metadata and the response; the API key, when a keys file is set (UNAUTHENTICATED
without a known one); the key's quota (RESOURCE_EXHAUSTED with RetryInfo); the request size
(INVALID_ARGUMENT); a RequestScope with the call's deadline and cancellation for the work
below. After the call: its status code and latency in the metrics and one JSON log line.
Health and reflection are other services, never guarded, so probes need no key.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import Message

from service import deadlines
from service.deadlines import RequestScope
from service.errors import InvalidArgument, Overloaded, Unauthenticated, VeracityError
from service.transport import limits
from service.transport.auth import KeyStore
from service.transport.logs import REQUEST_ID
from service.transport.metrics import Metrics
from service.transport.quotas import Quotas
from service.transport.statuses import status_of

logger = logging.getLogger("veracity.rpc")

Behavior = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Guard(grpc.aio.ServerInterceptor):
    """Guards the methods of the service named ``service`` (its full proto name)."""

    def __init__(
        self,
        service: str,
        *,
        metrics: Metrics,
        max_message_bytes: int,
        deadline_margin_s: float,
        keys: KeyStore | None = None,
        quotas: Quotas | None = None,
    ) -> None:
        self._prefix = f"/{service}/"
        self._metrics = metrics
        self._max_message_bytes = max_message_bytes
        self._margin_s = deadline_margin_s
        self._keys = keys
        self._quotas = quotas

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method  # type: ignore[attr-defined]
        if handler is None or not method.startswith(self._prefix):
            return handler
        rpc = method[len(self._prefix) :]

        def guarded(behavior: Behavior) -> Behavior:
            async def run(request: Any, context: grpc.aio.ServicerContext) -> Any:
                return await self._serve(rpc, behavior, request, context)

            return run

        return _with_behavior(handler, guarded)

    async def _serve(
        self, rpc: str, behavior: Behavior, request: Any, context: grpc.aio.ServicerContext
    ) -> Any:
        metadata = {key: value for key, value in context.invocation_metadata() or ()}
        given = metadata.get("x-request-id")
        request_id = (
            given if isinstance(given, str) and _REQUEST_ID.match(given) else uuid.uuid4().hex
        )
        scope = RequestScope.from_timeout(context.time_remaining(), self._margin_s)
        context.add_done_callback(lambda _context: scope.cancel())
        tokens = (REQUEST_ID.set(request_id), deadlines.CURRENT.set(scope))
        started = time.perf_counter()
        caller = "-"
        code = grpc.StatusCode.OK
        try:
            await context.send_initial_metadata((("x-request-id", request_id),))
            caller = self._admit(metadata, request)
            return await behavior(request, context)
        except asyncio.CancelledError:
            scope.cancel()
            expired = scope.deadline is not None and scope.deadline <= time.monotonic()
            code = grpc.StatusCode.DEADLINE_EXCEEDED if expired else grpc.StatusCode.CANCELLED
            raise
        except VeracityError as error:
            status = status_of(error, rpc)
            code = status.code
            await context.abort_with_status(status)
        except BaseException:
            code = context.code() or grpc.StatusCode.UNKNOWN
            raise
        finally:
            elapsed = time.perf_counter() - started
            self._metrics.requests.labels(rpc, code.name).inc()
            self._metrics.rpc_seconds.labels(rpc).observe(elapsed)
            logger.info(
                "rpc",
                extra={
                    "rpc": rpc,
                    "code": code.name,
                    "ms": round(elapsed * 1000, 1),
                    "caller": caller,
                    "peer": context.peer(),
                },
            )
            for variable, token in zip((REQUEST_ID, deadlines.CURRENT), tokens, strict=True):
                variable.reset(token)  # type: ignore[attr-defined]

    def _admit(self, metadata: dict[str, str | bytes], request: Any) -> str:
        """The caller's key name ("anonymous" without keys); raises when the call may not run."""
        caller = "anonymous"
        if self._keys is not None:
            authorization = metadata.get("authorization")
            name = self._keys.identify(authorization if isinstance(authorization, str) else None)
            if name is None:
                raise Unauthenticated(
                    "a valid API key is required (metadata 'authorization: Bearer <key>')"
                    if authorization is None
                    else "the API key is not valid"
                )
            caller = name
            if self._quotas is not None:
                wait = self._quotas.take(caller)
                if wait > 0:
                    raise Overloaded(
                        f"the quota of key {caller!r} is spent ({self._quotas.rate:g} calls/s, "
                        f"burst {self._quotas.burst})",
                        retry_after_s=wait,
                    )
        if isinstance(request, Undecodable):
            raise InvalidArgument.single("request", str(request))
        if isinstance(request, Message):
            violations = limits.size_violations(request, self._max_message_bytes)
            if violations:
                raise InvalidArgument(violations)
        return caller


class Undecodable:
    """Bytes that are not the method's request message: decoding them must not fail inside
    gRPC (which would answer INTERNAL) but reach the guard, which answers INVALID_ARGUMENT."""

    def __init__(self, message_type: str, error: Exception) -> None:
        self.text = f"not a valid {message_type} message ({type(error).__name__})"

    def __str__(self) -> str:
        return self.text


def _lenient(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None
    message_type = getattr(getattr(deserializer, "__self__", None), "__name__", "request")

    def decode(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception as error:  # protobuf raises DecodeError, and others on odd input
            return Undecodable(message_type, error)

    return decode


async def _checked_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """A request stream that raises InvalidArgument at its first undecodable message."""
    async for request in requests:
        if isinstance(request, Undecodable):
            raise InvalidArgument.single("request", str(request))
        yield request


def _with_behavior(
    handler: grpc.RpcMethodHandler, wrap: Callable[[Behavior], Behavior]
) -> grpc.RpcMethodHandler:
    """``handler`` with its behavior wrapped; its kind and (de)serializers kept."""
    codecs = {
        "request_deserializer": _lenient(handler.request_deserializer),
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(wrap(handler.unary_unary), **codecs)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(wrap(handler.unary_stream), **codecs)
    streaming = handler.stream_unary or handler.stream_stream

    async def checked(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
        return await streaming(_checked_stream(requests), context)

    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(wrap(checked), **codecs)
    return grpc.stream_stream_rpc_method_handler(wrap(checked), **codecs)
