"""AsyncVeracityClient: the asyncio SDK, with the same methods as VeracityClient.

Requests, responses and errors go through the same ``_convert`` and ``errors`` code as the
blocking client; only the waiting differs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Unpack

import grpc
import grpc.aio

from veracity_client import _convert, _protos
from veracity_client._convert import CheckArgs, DocumentLike
from veracity_client.client import ChannelClient, Timeout
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


class AsyncVeracityClient(ChannelClient):
    """An asyncio client for a Veracity server; see ChannelClient for the arguments.

    Create it inside the event loop that uses it; ``async with`` closes the channel.
    """

    _grpc = grpc.aio

    async def __aenter__(self) -> AsyncVeracityClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._channel.close()

    async def _call(self, method: Callable[..., Any], request: Any, timeout: Timeout) -> Any:
        try:
            return await method(request, **self._calls.kwargs(timeout))
        except grpc.RpcError as error:
            raise error_from_rpc(error) from error

    async def check(
        self,
        answer: str,
        *,
        timeout: Timeout = ...,
        **args: Unpack[CheckArgs],
    ) -> CheckResult:
        """See VeracityClient.check."""
        request = _convert.check_request(answer, **args)
        return _convert.check_result(await self._call(self._stub.CheckAnswer, request, timeout))

    async def check_message(
        self, request: pb.CheckAnswerRequest, *, timeout: Timeout = ...
    ) -> pb.CheckAnswerResponse:
        """CheckAnswer with a veracity.v1 request as it is, returning the response message.

        For callers that already hold the protocol's messages and keep its JSON form (batch
        files, whose result lines are the response's proto3 JSON); errors as for ``check``.
        """
        response: pb.CheckAnswerResponse = await self._call(
            self._stub.CheckAnswer, request, timeout
        )
        return response

    async def stream_check(
        self,
        answer: str,
        *,
        timeout: Timeout = ...,
        **args: Unpack[CheckArgs],
    ) -> AsyncIterator[StreamEvent]:
        """See VeracityClient.stream_check; use with ``async for``."""
        request = pb.StreamCheckAnswerRequest(request=_convert.check_request(answer, **args))
        call = self._stub.StreamCheckAnswer(request, **self._calls.kwargs(timeout))
        try:
            async for message in call:
                yield _convert.stream_event(message)
        except grpc.RpcError as error:
            raise error_from_rpc(error) from error
        finally:
            call.cancel()

    async def extract_claims(
        self, answer: str, question: str = "", *, timeout: Timeout = ...
    ) -> list[Claim]:
        request = pb.ExtractClaimsRequest(answer=answer, question=question)
        return _convert.claims(await self._call(self._stub.ExtractClaims, request, timeout))

    async def verify_citations(self, text: str, *, timeout: Timeout = ...) -> list[Citation]:
        request = pb.VerifyCitationsRequest(text=text)
        return _convert.citations(await self._call(self._stub.VerifyCitations, request, timeout))

    async def upsert_documents(
        self, documents: Iterable[DocumentLike], collection: str = "", *, timeout: Timeout = ...
    ) -> UpsertResult:
        requests = _convert.upsert_requests(documents, collection)
        response = await self._call(self._stub.UpsertDocuments, requests, timeout)
        return _convert.upsert_result(response)

    async def delete_documents(
        self, ids: Iterable[str], collection: str = "", *, timeout: Timeout = ...
    ) -> DeleteResult:
        request = pb.DeleteDocumentsRequest(collection=collection, document_ids=list(ids))
        response = await self._call(self._stub.DeleteDocuments, request, timeout)
        return _convert.delete_result(response)

    async def corpus_stats(
        self, collection: str = "", *, timeout: Timeout = ...
    ) -> list[CollectionStats]:
        request = pb.GetCorpusStatsRequest(collection=collection)
        response = await self._call(self._stub.GetCorpusStats, request, timeout)
        return _convert.corpus_stats(response)

    async def search_evidence(
        self,
        query: str,
        *,
        collection: str = "",
        top_k: int = 0,
        context: Sequence[DocumentLike] = (),
        context_only: bool = False,
        timeout: Timeout = ...,
    ) -> list[Evidence]:
        request = _convert.search_request(
            query, collection=collection, top_k=top_k, context=context, context_only=context_only
        )
        response = await self._call(self._stub.SearchEvidence, request, timeout)
        return _convert.search_result(response)

    async def health(self, service: str = "", *, timeout: Timeout = ...) -> HealthStatus:
        request = _protos.HealthCheckRequest(service=service)
        return _convert.health_status(await self._call(self._health, request, timeout))
