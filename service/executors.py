"""A bounded thread pool for the pipeline's blocking calls.

grpc.aio runs every RPC on one event loop, so the Checker's blocking work goes to threads. A
plain ThreadPoolExecutor queues without limit: under overload every request would wait longer
and longer and finally time out. This pool admits at most ``max_pending`` calls (running or
waiting for a thread) and refuses the next one at once with Overloaded, which the server turns
into RESOURCE_EXHAUSTED with a retry delay.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from service.errors import Overloaded

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Weight of the newest call in the running mean of call durations (the retry-delay estimate).
_EWMA_WEIGHT = 0.2


class BoundedExecutor:
    """``workers`` threads; at most ``max_pending`` calls admitted at once."""

    def __init__(self, workers: int, max_pending: int, name: str) -> None:
        self.workers = workers
        self.max_pending = max(max_pending, workers)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._pending = 0
        self._running = 0
        self._mean_s = 0.1

    @property
    def pending(self) -> int:
        """Calls admitted and not finished (running or waiting for a thread)."""
        return self._pending

    @property
    def running(self) -> int:
        """Calls running in a thread now."""
        return self._running

    async def run(self, function: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run ``function`` in a thread, in the caller's context (request id, deadline scope).

        Raises Overloaded when ``max_pending`` calls are admitted already. A cancelled caller
        stops waiting at once; its call, if already running, still counts until it returns.
        """
        with self._lock:
            if self._pending >= self.max_pending:
                raise Overloaded(
                    f"the server is at capacity ({self._pending} calls in progress)",
                    retry_after_s=self._retry_after(),
                )
            self._pending += 1
        context = contextvars.copy_context()
        call = functools.partial(function, *args, **kwargs)
        future: Future[_R] = self._pool.submit(context.run, self._timed, call)
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _timed(self, call: Callable[[], _R]) -> _R:
        with self._lock:
            self._running += 1
        started = time.perf_counter()
        try:
            return call()
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self._running -= 1
                self._mean_s += _EWMA_WEIGHT * (elapsed - self._mean_s)

    def _release(self, _future: Future[_R]) -> None:
        with self._lock:
            self._pending -= 1

    def _retry_after(self) -> float:
        """Roughly when a slot frees: the calls ahead, spread over the threads."""
        return max(0.05, self._mean_s * self._pending / self.workers)

    def shutdown(self) -> None:
        """Drop the calls still waiting and wait for the running ones to return."""
        self._pool.shutdown(wait=True, cancel_futures=True)
