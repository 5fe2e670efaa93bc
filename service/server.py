"""The asyncio gRPC server: VeracityService over one in-process Checker.

The Checker is blocking (models run on CPU), so every call into it runs in a bounded thread
pool and the event loop stays free to accept, stream and cancel RPCs. Pipeline errors become
gRPC statuses in one place, ``_grpc_errors``; nothing a request does can stop the server.

Run it with ``python -m service.server --port 0 --data-dir DIR``; the ``veracity serve``
command calls ``serve`` the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, NoReturn, ParamSpec, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from service import convert
from service.checker import Checker
from service.config import Settings
from service.errors import InvalidArgument, NotFound
from veracity_client.v1 import veracity_pb2, veracity_pb2_grpc

logger = logging.getLogger(__name__)

SERVICE_NAME: str = veracity_pb2.DESCRIPTOR.services_by_name["VeracityService"].full_name

_MiB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    """How the server listens; the Checker's own settings live in service.config.Settings."""

    host: str = "127.0.0.1"
    # 0 lets the OS pick a free port; the bound port is printed in the "serving on" line.
    port: int = 50051
    # Applies to received and sent messages alike; large enough for a 5 MB answer, so that an
    # oversized answer is refused by the Checker with a field violation, not by the transport.
    max_message_bytes: int = 8 * _MiB
    # How long in-flight RPCs may run on after SIGTERM/SIGINT before they are cancelled.
    grace_s: float = 10.0
    # Threads running Checker calls; each holds one request's model work.
    workers: int = 4


# -- error mapping ----------------------------------------------------------------------------

_Servicer = TypeVar("_Servicer", bound="VeracityServicer")
_Request = TypeVar("_Request")
_Response = TypeVar("_Response")
_P = ParamSpec("_P")


async def _abort(context: grpc.aio.ServicerContext, error: Exception, rpc: str) -> NoReturn:
    """End the RPC named ``rpc`` with the status that ``error`` stands for.

    InvalidArgument carries a google.rpc.BadRequest detail so clients can point at the field;
    anything unexpected is logged with its traceback and reported as a terse INTERNAL.
    """
    if isinstance(error, InvalidArgument):
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in error.violations
            ]
        )
        detail = any_pb2.Any()
        detail.Pack(bad_request)
        status = status_pb2.Status(
            code=code_pb2.INVALID_ARGUMENT, message=str(error), details=[detail]
        )
    elif isinstance(error, NotFound):
        status = status_pb2.Status(code=code_pb2.NOT_FOUND, message=str(error))
    else:
        logger.error("%s failed", rpc, exc_info=error)
        status = status_pb2.Status(
            code=code_pb2.INTERNAL, message=f"internal error ({type(error).__name__})"
        )
    await context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort_with_status returns only by raising")


def _grpc_errors(
    method: Callable[[_Servicer, _Request, grpc.aio.ServicerContext], Awaitable[_Response]],
) -> Callable[[_Servicer, _Request, grpc.aio.ServicerContext], Awaitable[_Response]]:
    """Wrap an RPC method so that any exception it raises ends the RPC through ``_abort``."""

    @functools.wraps(method)
    async def wrapper(
        self: _Servicer, request: _Request, context: grpc.aio.ServicerContext
    ) -> _Response:
        try:
            return await method(self, request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await _abort(context, error, method.__name__)

    return wrapper


# -- the service ------------------------------------------------------------------------------


class VeracityServicer(veracity_pb2_grpc.VeracityServiceServicer):
    """Implements veracity.v1.VeracityService by delegating to a Checker."""

    def __init__(self, checker: Checker, executor: Executor) -> None:
        self._checker = checker
        self._executor = executor
        self._default_top_k = checker.settings.default_top_k

    async def _run(
        self, function: Callable[_P, _Response], *args: _P.args, **kwargs: _P.kwargs
    ) -> _Response:
        """Run a blocking Checker call in the pool without blocking the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(function, *args, **kwargs)
        )

    @_grpc_errors
    async def CheckAnswer(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        check_request = convert.check_request_from_proto(request, self._default_top_k)
        result = await self._run(self._checker.check, check_request)
        return convert.check_result_to_proto(result)

    @_grpc_errors
    async def StreamCheckAnswer(self, request: Any, context: grpc.aio.ServicerContext) -> None:
        """Send each event as soon as the Checker yields it.

        Each ``next`` runs in the pool, so the first claim goes out while later claims are still
        being verified; validation errors surface on the first ``next``, before any event.
        """
        check_request = convert.check_request_from_proto(request.request, self._default_top_k)
        events = self._checker.iter_check(check_request)
        while (event := await self._run(next, events, None)) is not None:
            await context.write(convert.check_event_to_proto(event))

    @_grpc_errors
    async def ExtractClaims(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        claims = await self._run(self._checker.extract_claims, request.answer, request.question)
        return convert.extract_claims_to_proto(claims, self._checker.extractor.version)

    @_grpc_errors
    async def VerifyCitations(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        citations = await self._run(self._checker.verify_citations, request.text)
        return convert.verify_citations_to_proto(citations, self._checker.citations.version)

    @_grpc_errors
    async def UpsertDocuments(
        self, request_iterator: AsyncIterator[Any], context: grpc.aio.ServicerContext
    ) -> Any:
        """Collect the stream, then write it in one upsert so the index is rebuilt once."""
        collection = ""
        documents = []
        async for position, message in _aenumerate(request_iterator):
            if message.collection and collection and message.collection != collection:
                raise InvalidArgument.single(
                    "collection",
                    f"message {position} names {message.collection!r} but the stream writes "
                    f"to {collection!r}; use one stream per collection",
                )
            collection = collection or message.collection
            if message.HasField("document"):
                documents.append(convert.document_from_proto(message.document))
        report = await self._run(self._checker.upsert_documents, collection, documents)
        return convert.upsert_report_to_proto(report)

    @_grpc_errors
    async def DeleteDocuments(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        report = await self._run(
            self._checker.delete_documents, request.collection, list(request.document_ids)
        )
        return convert.delete_report_to_proto(report)

    @_grpc_errors
    async def GetCorpusStats(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        stats = await self._run(self._checker.corpus_stats, request.collection)
        return convert.corpus_stats_to_proto(stats)

    @_grpc_errors
    async def SearchEvidence(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        passages, index_version = await self._run(
            self._checker.search_evidence,
            request.query,
            request.collection,
            request.top_k,
            convert.context_from_proto(request.context),
            request.context_only,
        )
        return convert.search_result_to_proto(passages, index_version)


async def _aenumerate(iterator: AsyncIterator[_Request]) -> AsyncIterator[tuple[int, _Request]]:
    position = 0
    async for item in iterator:
        yield position, item
        position += 1


# -- assembling and running -------------------------------------------------------------------


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def build_server(
    checker: Checker,
    server_settings: ServerSettings,
    executor: Executor | None = None,
) -> tuple[grpc.aio.Server, int, health.aio.HealthServicer]:
    """Assemble an unstarted server: VeracityService, health and reflection, bound to a port.

    Returns the server, the bound port (the real one when ``port`` is 0) and the health
    servicer that ``start_serving`` marks SERVING. Without ``executor`` a pool of
    ``server_settings.workers`` threads is made for the Checker calls.
    """
    size = server_settings.max_message_bytes
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", size),
            ("grpc.max_send_message_length", size),
        ]
    )
    pool = executor or ThreadPoolExecutor(
        max_workers=server_settings.workers, thread_name_prefix="veracity-check"
    )
    veracity_pb2_grpc.add_VeracityServiceServicer_to_server(VeracityServicer(checker, pool), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port: int = server.add_insecure_port(_address(server_settings.host, server_settings.port))
    return server, port, health_servicer


async def start_serving(
    server: grpc.aio.Server, health_servicer: health.aio.HealthServicer
) -> None:
    """Start the server and report the whole server and VeracityService as SERVING."""
    await server.start()
    for service in (health.OVERALL_HEALTH, SERVICE_NAME):
        await health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)


async def _serve(settings: Settings, server_settings: ServerSettings) -> None:
    checker = Checker.from_settings(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    executor = ThreadPoolExecutor(
        max_workers=server_settings.workers, thread_name_prefix="veracity-check"
    )
    try:
        server, port, health_servicer = build_server(checker, server_settings, executor)
        await start_serving(server, health_servicer)
        print(
            f"veracity: serving on {_address(server_settings.host, port)}",
            file=sys.stderr,
            flush=True,
        )
        await stop.wait()
        logger.info("shutting down; in-flight RPCs have %.1f s", server_settings.grace_s)
        await health_servicer.enter_graceful_shutdown()
        await server.stop(server_settings.grace_s)
    finally:
        # Queued Checker calls belong to RPCs that are gone; the running ones finish first so
        # that the store is not closed under them.
        executor.shutdown(wait=True, cancel_futures=True)
        checker.close()


def serve(settings: Settings, server_settings: ServerSettings) -> None:
    """Load the Checker, serve until SIGTERM or SIGINT, then shut down gracefully.

    Prints ``veracity: serving on HOST:PORT`` to stderr once the models are loaded and health
    reports SERVING; callers wait for that line before sending requests.
    """
    asyncio.run(_serve(settings, server_settings))
