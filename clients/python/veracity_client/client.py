"""VeracityClient: the blocking SDK over one gRPC channel.

Each method builds its request and parses its response with ``veracity_client._convert`` (shared
with the asyncio client) and turns a failed call into a VeracityError. The channel helpers below
are shared with ``veracity_client.aio`` too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import EllipsisType, ModuleType, TracebackType
from typing import Any, Unpack

import grpc

from veracity_client import _convert, _protos
from veracity_client._convert import CheckArgs, DocumentLike
from veracity_client.errors import error_from_rpc
from veracity_client.types import (
    CheckResult,
    Citation,
    Claim,
    CollectionStats,
    DeleteResult,
    Evidence,
    HealthStatus,
    StreamEvent,
    UpsertResult,
)
from veracity_client.v1 import veracity_pb2 as pb
from veracity_client.v1 import veracity_pb2_grpc

_MiB = 1024 * 1024

#: Generous message limits, so that the server's own limits are the ones a caller meets.
DEFAULT_CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_send_message_length", 64 * _MiB),
    ("grpc.max_receive_message_length", 64 * _MiB),
)

#: A per-call ``timeout`` of ``...`` means "the client's timeout"; None means no deadline.
Timeout = float | None | EllipsisType


def open_channel(
    grpc_module: ModuleType,
    target: str,
    *,
    tls: bool,
    root_certificates: bytes | None,
    options: Sequence[tuple[str, Any]],
    client_certificate: tuple[bytes, bytes] | None = None,
) -> Any:
    """A channel from ``grpc`` or ``grpc.aio``, which share these two constructors.

    ``client_certificate`` is a (PEM chain, PEM private key) pair for servers that require
    mutual TLS; giving it implies TLS.
    """
    if tls or root_certificates is not None or client_certificate is not None:
        chain, key = client_certificate or (None, None)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=root_certificates, private_key=key, certificate_chain=chain
        )
        return grpc_module.secure_channel(target, credentials, options=list(options))
    return grpc_module.insecure_channel(target, options=list(options))


@dataclass(frozen=True)
class CallOptions:
    """The client-wide deadline and metadata that every call starts from."""

    timeout: float | None
    metadata: tuple[tuple[str, str], ...]

    def kwargs(self, timeout: Timeout) -> dict[str, Any]:
        """Keyword arguments for a stub call; ``timeout`` overrides the client's unless ``...``."""
        return {
            "timeout": self.timeout if timeout is ... else timeout,
            "metadata": self.metadata,
        }


def health_method(channel: Any) -> Any:
    """The grpc.health.v1 Check method on ``channel``, without grpcio-health-checking."""
    return channel.unary_unary(
        _protos.HEALTH_CHECK_METHOD,
        request_serializer=_protos.HealthCheckRequest.SerializeToString,
        response_deserializer=_protos.HealthCheckResponse.FromString,
    )


class ChannelClient:
    """What the sync and async clients share: the channel, its stub and the call defaults.

    ``target`` is ``host:port``. ``timeout`` (seconds, None for none) applies to every call
    unless the call gives its own. ``api_key`` is sent as ``authorization: Bearer <key>`` on
    every call. ``tls`` (or ``root_certificates``, a PEM CA bundle) makes the channel use TLS;
    ``client_certificate`` (PEM chain, PEM key) answers a server that requires mutual TLS.
    Subclasses name the gRPC module (``grpc`` or ``grpc.aio``) whose channel they use.
    """

    _grpc: ModuleType

    def __init__(
        self,
        target: str,
        *,
        timeout: float | None = 30,
        tls: bool = False,
        root_certificates: bytes | None = None,
        client_certificate: tuple[bytes, bytes] | None = None,
        api_key: str | None = None,
        metadata: Sequence[tuple[str, str]] = (),
        options: Sequence[tuple[str, Any]] = DEFAULT_CHANNEL_OPTIONS,
    ) -> None:
        auth = (("authorization", f"Bearer {api_key}"),) if api_key else ()
        self._calls = CallOptions(timeout, (*auth, *metadata))
        self._channel = open_channel(
            self._grpc,
            target,
            tls=tls,
            root_certificates=root_certificates,
            options=options,
            client_certificate=client_certificate,
        )
        self._stub = veracity_pb2_grpc.VeracityServiceStub(self._channel)
        self._health = health_method(self._channel)


class VeracityClient(ChannelClient):
    """A blocking client for a Veracity server (arguments: see ChannelClient).

    Use it as a context manager, or call ``close``.
    """

    _grpc = grpc

    def __enter__(self) -> VeracityClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _call(self, method: Callable[..., Any], request: Any, timeout: Timeout) -> Any:
        try:
            return method(request, **self._calls.kwargs(timeout))
        except grpc.RpcError as error:
            raise error_from_rpc(error) from error

    def check(
        self,
        answer: str,
        *,
        timeout: Timeout = ...,
        **args: Unpack[CheckArgs],
    ) -> CheckResult:
        """Check an answer: its claims against the collection (and ``context``), its citations.

        ``args`` are the options of ``CheckArgs`` (question, context, collection, top_k,
        thresholds, skips, context_only); any left out uses the server's default.
        """
        request = _convert.check_request(answer, **args)
        return _convert.check_result(self._call(self._stub.CheckAnswer, request, timeout))

    def stream_check(
        self,
        answer: str,
        *,
        timeout: Timeout = ...,
        **args: Unpack[CheckArgs],
    ) -> Iterator[StreamEvent]:
        """Like ``check``, yielding each Claim as the server verifies it, then each Citation,
        then one CheckCompleted. ``timeout`` bounds the whole stream; leaving the loop early
        cancels the call."""
        request = pb.StreamCheckAnswerRequest(request=_convert.check_request(answer, **args))
        call = self._stub.StreamCheckAnswer(request, **self._calls.kwargs(timeout))
        try:
            for message in call:
                yield _convert.stream_event(message)
        except grpc.RpcError as error:
            raise error_from_rpc(error) from error
        finally:
            call.cancel()

    def extract_claims(
        self, answer: str, question: str = "", *, timeout: Timeout = ...
    ) -> list[Claim]:
        """The answer's claims, unverified (``label`` None)."""
        request = pb.ExtractClaimsRequest(answer=answer, question=question)
        return _convert.claims(self._call(self._stub.ExtractClaims, request, timeout))

    def verify_citations(self, text: str, *, timeout: Timeout = ...) -> list[Citation]:
        request = pb.VerifyCitationsRequest(text=text)
        return _convert.citations(self._call(self._stub.VerifyCitations, request, timeout))

    def upsert_documents(
        self, documents: Iterable[DocumentLike], collection: str = "", *, timeout: Timeout = ...
    ) -> UpsertResult:
        """Add or replace documents, streamed one message each; creates the collection."""
        requests = _convert.upsert_requests(documents, collection)
        return _convert.upsert_result(self._call(self._stub.UpsertDocuments, requests, timeout))

    def delete_documents(
        self, ids: Iterable[str], collection: str = "", *, timeout: Timeout = ...
    ) -> DeleteResult:
        request = pb.DeleteDocumentsRequest(collection=collection, document_ids=list(ids))
        return _convert.delete_result(self._call(self._stub.DeleteDocuments, request, timeout))

    def corpus_stats(
        self, collection: str = "", *, timeout: Timeout = ...
    ) -> list[CollectionStats]:
        """Stats of one collection, or of every collection when ``collection`` is empty."""
        request = pb.GetCorpusStatsRequest(collection=collection)
        return _convert.corpus_stats(self._call(self._stub.GetCorpusStats, request, timeout))

    def search_evidence(
        self,
        query: str,
        *,
        collection: str = "",
        top_k: int = 0,
        context: Sequence[DocumentLike] = (),
        context_only: bool = False,
        timeout: Timeout = ...,
    ) -> list[Evidence]:
        """The passages a check would use as evidence for ``query``, most relevant first."""
        request = _convert.search_request(
            query, collection=collection, top_k=top_k, context=context, context_only=context_only
        )
        return _convert.search_result(self._call(self._stub.SearchEvidence, request, timeout))

    def health(self, service: str = "", *, timeout: Timeout = ...) -> HealthStatus:
        """The server's grpc.health.v1 status: of the whole server, or of one ``service``."""
        request = _protos.HealthCheckRequest(service=service)
        return _convert.health_status(self._call(self._health, request, timeout))
