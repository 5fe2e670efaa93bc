"""The asyncio gRPC server: VeracityService over one in-process Checker.

A thin layer. service.transport.guard admits each call (request id, API key, quota, size, deadline
scope) and records it; the servicer converts messages and runs the blocking Checker in a
bounded executor (service.transport.executors), whose embedding calls share model batches
(service.pipeline.batching); errors become statuses in one place
(service.transport.statuses). Nothing a request does can stop the server.

Run it with ``veracity serve`` (flags, ``--config`` TOML, ``VERACITY_*`` variables).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar
from wsgiref.simple_server import WSGIServer

import grpc
import numpy as np
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from service import deadlines
from service.config import ServerSettings, Settings
from service.errors import InvalidArgument
from service.pipeline.batching import BatchedEmbedder, MicroBatcher
from service.pipeline.checker import Checker
from service.transport import convert, limits
from service.transport.auth import KeyStore
from service.transport.executors import BoundedExecutor
from service.transport.guard import Guard
from service.transport.logs import REQUEST_ID
from service.transport.metrics import Metrics
from service.transport.quotas import Quotas
from service.transport.statuses import status_of
from service.types import CheckCompleted, CheckEvent, Citation
from veracity_client.v1 import veracity_pb2, veracity_pb2_grpc

__all__ = ["ServerSettings", "Service", "build_server", "serve"]

logger = logging.getLogger(__name__)

SERVICE_NAME: str = veracity_pb2.DESCRIPTOR.services_by_name["VeracityService"].full_name

# -- error mapping ----------------------------------------------------------------------------

_Servicer = TypeVar("_Servicer", bound="VeracityServicer")
_Request = TypeVar("_Request")
_Response = TypeVar("_Response")
_P = ParamSpec("_P")


async def _abort(context: grpc.aio.ServicerContext, error: Exception, rpc: str) -> NoReturn:
    """End the RPC named ``rpc`` with the status that ``error`` stands for."""
    await context.abort_with_status(status_of(error, rpc))
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

    def __init__(
        self,
        checker: Checker,
        executor: BoundedExecutor,
        metrics: Metrics,
        max_message_bytes: int,
    ) -> None:
        self._checker = checker
        self._executor = executor
        self._metrics = metrics
        self._max_message_bytes = max_message_bytes
        self._default_top_k = checker.settings.default_top_k

    async def _run(
        self, function: Callable[_P, _Response], *args: _P.args, **kwargs: _P.kwargs
    ) -> _Response:
        """Run a blocking Checker call in the bounded pool, unless the call is abandoned."""
        deadlines.check_current()
        self._metrics.queue_depth.labels("executor").set(self._executor.pending)
        return await self._executor.run(function, *args, **kwargs)

    def _observe(self, timings: Mapping[str, float], citations: Iterable[Citation]) -> None:
        """Stage latencies and failed citation look-ups of one check, into the metrics."""
        self._metrics.observe_stages(timings)
        for citation in citations:
            self._metrics.observe_lookups(citation.checked_sources)

    @_grpc_errors
    async def CheckAnswer(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        check_request = convert.check_request_from_proto(request, self._default_top_k)
        result = await self._run(self._checker.check, check_request)
        self._observe(result.timings, result.citations)
        response = convert.check_result_to_proto(result)
        response.request_id = REQUEST_ID.get()
        return response

    @_grpc_errors
    async def StreamCheckAnswer(self, request: Any, context: grpc.aio.ServicerContext) -> None:
        """Send each event as soon as the Checker yields it.

        The whole check is one call in the pool, like CheckAnswer: admitted (or refused) once
        and on one thread to the end, handing each event to the event loop, which writes it;
        the first claim goes out while later ones are still being verified. (Queueing for a
        thread again before each claim would make a stream wait behind every other request
        once per claim, and could refuse it half-way.) Validation errors surface before any
        event. A client that cancels mid-stream stops the check through the request scope.
        """
        check_request = convert.check_request_from_proto(request.request, self._default_top_k)
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[CheckEvent | None] = asyncio.Queue()

        def produce() -> None:
            for event in self._checker.iter_check(check_request):
                loop.call_soon_threadsafe(events.put_nowait, event)

        work = asyncio.ensure_future(self._run(produce))
        # Runs after every event the thread queued: they were scheduled before it returned.
        work.add_done_callback(lambda _work: events.put_nowait(None))
        citations: list[Citation] = []
        try:
            while (event := await events.get()) is not None:
                message = convert.check_event_to_proto(event)
                if isinstance(event, Citation):
                    citations.append(event)
                elif isinstance(event, CheckCompleted):
                    self._observe(event.timings, citations)
                    message.completed.request_id = REQUEST_ID.get()
                await context.write(message)
            await work  # the pipeline's error, if it failed
        finally:
            work.cancel()

    @_grpc_errors
    async def ExtractClaims(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        claims = await self._run(self._checker.extract_claims, request.answer, request.question)
        return convert.extract_claims_to_proto(claims, self._checker.extractor.version)

    @_grpc_errors
    async def VerifyCitations(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        citations = await self._run(self._checker.verify_citations, request.text)
        self._observe({}, citations)
        return convert.verify_citations_to_proto(citations, self._checker.citations.version)

    @_grpc_errors
    async def UpsertDocuments(
        self, request_iterator: AsyncIterator[Any], context: grpc.aio.ServicerContext
    ) -> Any:
        """Collect the stream, then write it in one upsert so the index is rebuilt once."""
        collection = ""
        documents = []
        async for position, message in _aenumerate(request_iterator):
            violations = limits.size_violations(
                message, self._max_message_bytes, f"message {position}"
            )
            if violations:
                raise InvalidArgument(violations)
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


def _credentials(settings: ServerSettings) -> grpc.ServerCredentials | None:
    """TLS credentials when a certificate is configured; mTLS when a client CA is too."""
    if not settings.tls_cert:
        return None
    chain = Path(settings.tls_cert).read_bytes()
    key = Path(settings.tls_key).read_bytes()
    client_ca = Path(settings.tls_client_ca).read_bytes() if settings.tls_client_ca else None
    return grpc.ssl_server_credentials(
        [(key, chain)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )


@dataclass
class Service:
    """An assembled server and everything that runs beside it; ``start`` and ``stop`` it on
    the event loop that built it."""

    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    metrics: Metrics
    executor: BoundedExecutor
    batcher: MicroBatcher[str, np.ndarray] | None
    settings: ServerSettings
    metrics_server: WSGIServer | None = None

    @property
    def metrics_port(self) -> int | None:
        return None if self.metrics_server is None else self.metrics_server.server_port

    async def start(self) -> None:
        """Start batching, serving and metrics; report the server and service SERVING."""
        if self.batcher is not None:
            await self.batcher.start()
        await self.server.start()
        if self.settings.metrics_port is not None:
            self.metrics_server = self.metrics.serve_http(
                self.settings.host, self.settings.metrics_port
            )
        for service in (health.OVERALL_HEALTH, SERVICE_NAME):
            await self.health.set(service, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace_s: float | None) -> None:
        """Turn health NOT_SERVING, let in-flight calls finish within ``grace_s``, then stop
        the batcher, the executor and the metrics endpoint."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace_s)
        if self.batcher is not None:
            await self.batcher.stop()
        await asyncio.get_running_loop().run_in_executor(None, self.executor.shutdown)
        if self.metrics_server is not None:
            self.metrics_server.shutdown()
            self.metrics_server.server_close()


def build_server(
    checker: Checker,
    server_settings: ServerSettings,
    embedder: BatchedEmbedder | None = None,
) -> Service:
    """Assemble an unstarted server: VeracityService (guarded), health and reflection.

    The port is bound here (``Service.port`` is the real one when ``port`` is 0). With
    ``embedder`` (the one the Checker uses), concurrent requests share its model batches.
    """
    s = server_settings
    metrics = Metrics()
    keys = KeyStore(Path(s.api_keys_file)) if s.api_keys_file else None
    guard = Guard(
        SERVICE_NAME,
        metrics=metrics,
        max_message_bytes=s.max_message_bytes,
        deadline_margin_s=s.deadline_margin_s,
        keys=keys,
        quotas=Quotas(s.quota_rate, s.quota_burst) if keys is not None else None,
    )
    size = limits.transport_limit(s.max_message_bytes)
    server = grpc.aio.server(
        interceptors=[guard],
        options=[
            ("grpc.max_receive_message_length", size),
            ("grpc.max_send_message_length", size),
        ],
    )
    executor = BoundedExecutor(s.workers, s.max_pending, "veracity-check")
    batcher: MicroBatcher[str, np.ndarray] | None = None
    if embedder is not None:
        batcher = MicroBatcher(
            embedder.encode_now,
            max_items=s.batch_max_texts,
            max_wait_s=s.batch_max_wait_ms / 1000,
            max_queue=s.batch_queue,
            active=lambda: executor.running,
            metrics=metrics,
        )
        embedder.attach(batcher, metrics, s.embedding_cache_size)
    servicer = VeracityServicer(checker, executor, metrics, s.max_message_bytes)
    veracity_pb2_grpc.add_VeracityServiceServicer_to_server(servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    address = _address(s.host, s.port)
    credentials = _credentials(s)
    port: int = (
        server.add_insecure_port(address)
        if credentials is None
        else server.add_secure_port(address, credentials)
    )
    return Service(server, port, health_servicer, metrics, executor, batcher, s)


async def _serve(settings: Settings, server_settings: ServerSettings) -> None:
    embedder = BatchedEmbedder.caching(server_settings.embedding_cache_size)
    checker = Checker.from_settings(settings, embedder)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        service = build_server(checker, server_settings, embedder)
        await service.start()
        if service.metrics_port is not None:
            address = _address(server_settings.host, service.metrics_port)
            print(f"veracity: metrics on http://{address}/metrics", file=sys.stderr, flush=True)
        print(
            f"veracity: serving on {_address(server_settings.host, service.port)}",
            file=sys.stderr,
            flush=True,
        )
        await stop.wait()
        logger.info("shutting down; in-flight RPCs have %.1f s", server_settings.grace_s)
        await service.stop(server_settings.grace_s)
    finally:
        checker.close()


def serve(settings: Settings, server_settings: ServerSettings) -> None:
    """Load the Checker, serve until SIGTERM or SIGINT, then shut down gracefully.

    Prints ``veracity: serving on HOST:PORT`` to stderr once the models are loaded and health
    reports SERVING (preceded by ``veracity: metrics on URL`` when metrics are on); callers
    wait for that line before sending requests.
    """
    asyncio.run(_serve(settings, server_settings))
