"""The batch engine for a running server: the async SDK, several checks in flight at once.

At most ``concurrency`` requests are in flight; the next one is sent only when one returns, so
memory stays flat on any file size. UNAVAILABLE (server restarting, connection lost) and
RESOURCE_EXHAUSTED (quota, server full) are retried with exponential backoff and jitter, or
after exactly the delay the server names in a google.rpc.RetryInfo detail. A RESOURCE_EXHAUSTED
for an oversized message is not retried: it would fail the same way every time. The event loop
runs in a thread of its own and hands each finished record to the caller's thread, which
writes lines and draws progress.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Iterator, Sequence

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from service.batch.records import response_to_dict
from service.batch.run import Done, error_text
from veracity_client import AsyncVeracityClient, ResourceExhaustedError, UnavailableError
from veracity_client.v1 import veracity_pb2 as pb

#: gRPC's wording for a message over the size limit: retrying cannot help.
_TOO_LARGE = "message larger than max"


def retryable(exc: BaseException) -> bool:
    """Whether a failed check may succeed when sent again later."""
    if isinstance(exc, ResourceExhaustedError):
        return _TOO_LARGE not in exc.message.lower()
    return isinstance(exc, UnavailableError)


def server_delay(fallback: Callable[[RetryCallState], float]) -> Callable[[RetryCallState], float]:
    """Wait as long as the server's RetryInfo says, else as ``fallback`` says."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        delay = getattr(exc, "retry_delay", None)
        return float(delay) if delay is not None else fallback(state)

    return wait


class RemoteEngine:
    """Checks through ``AsyncVeracityClient`` against ``target`` (``host:port``).

    ``api_key`` is sent as a bearer token, for servers that require one.
    """

    def __init__(
        self,
        target: str,
        *,
        api_key: str | None = None,
        concurrency: int = 8,
        attempts: int = 5,
        timeout_s: float = 120.0,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
    ) -> None:
        self.target = target
        self.api_key = api_key
        self.concurrency = concurrency
        self.attempts = attempts
        self.timeout_s = timeout_s
        self.wait = server_delay(wait_exponential_jitter(multiplier=backoff_s, max=max_backoff_s))

    def run(self, requests: Sequence[pb.CheckAnswerRequest]) -> Iterator[Done]:
        finished: queue.Queue[Done | BaseException | None] = queue.Queue()

        def produce() -> None:
            try:
                asyncio.run(self._check_all(requests, finished.put))
            except BaseException as exc:  # handed to the caller's thread, raised there
                finished.put(exc)
            finally:
                finished.put(None)

        thread = threading.Thread(target=produce, name="veracity-remote", daemon=True)
        thread.start()
        while (item := finished.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
        thread.join()

    async def _check_all(
        self, requests: Sequence[pb.CheckAnswerRequest], put: Callable[[Done], None]
    ) -> None:
        client = AsyncVeracityClient(self.target, timeout=self.timeout_s, api_key=self.api_key)
        async with client:
            # A server that is not there is a fatal error, not one error line per record.
            async for attempt in self._retrying():
                with attempt:
                    await client.health()
            slots = asyncio.Semaphore(self.concurrency)
            async with asyncio.TaskGroup() as group:
                for position, request in enumerate(requests):
                    await slots.acquire()
                    group.create_task(self._check(client, slots, position, request, put))

    async def _check(
        self,
        client: AsyncVeracityClient,
        slots: asyncio.Semaphore,
        position: int,
        request: pb.CheckAnswerRequest,
        put: Callable[[Done], None],
    ) -> None:
        try:
            async for attempt in self._retrying():
                with attempt:
                    response = await client.check_message(request)
        except Exception as exc:  # the record's error, after the last retry
            put(Done(position, None, error_text(exc)))
            return
        finally:
            slots.release()
        put(Done(position, response_to_dict(response), None))

    def _retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            retry=retry_if_exception(retryable),
            wait=self.wait,
            stop=stop_after_attempt(self.attempts),
            reraise=True,
        )
