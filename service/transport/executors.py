"""A bounded thread pool for the pipeline's blocking calls.

grpc.aio runs every RPC on one event loop, so the Checker's blocking work goes to threads. A
plain ThreadPoolExecutor queues without limit: under overload every request would wait longer
and longer and finally time out, after holding a place that other requests needed. This pool
refuses a call at once with Overloaded (which the server turns into RESOURCE_EXHAUSTED with a
retry delay) when ``max_pending`` calls are admitted already (running or waiting for a thread),
or when it would have to wait for a thread and, at the recent pace, could not finish before its
deadline: a refusal the caller can retry elsewhere beats a DEADLINE_EXCEEDED after the wait.
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

from service import deadlines
from service.errors import Overloaded

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Weight of the newest call in the running mean of call durations.
_EWMA_WEIGHT = 0.2
# Calls admitted per thread when ``max_pending`` is 0: one running and one waiting to take the
# thread the moment it frees, so the threads never idle under load and no admitted call waits
# much longer than one call's time.
_PENDING_PER_WORKER = 2
# Retry delay suggested before any call has finished (nothing measured yet).
_FIRST_RETRY_S = 0.1


class BoundedExecutor:
    """``workers`` threads; at most ``max_pending`` calls admitted at once (0: twice
    ``workers``)."""

    def __init__(self, workers: int, max_pending: int, name: str) -> None:
        self.workers = workers
        self.max_pending = (
            max(max_pending, workers) if max_pending else _PENDING_PER_WORKER * workers
        )
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._pending = 0
        self._running = 0
        # Running mean of how long a call holds a thread; None until one has finished.
        self._mean_s: float | None = None

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

        Raises Overloaded when ``max_pending`` calls are admitted already, or when the call
        would queue and is not expected to finish before its deadline (see ``_admit``). A
        cancelled caller stops waiting at once; its call, if already running, still counts
        until it returns, and one still queued is dropped when it reaches a thread.
        """
        scope = deadlines.CURRENT.get()
        self._admit(None if scope is None else scope.seconds_left())
        context = contextvars.copy_context()
        call = functools.partial(function, *args, **kwargs)
        future: Future[_R] = self._pool.submit(context.run, self._timed, call)
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _admit(self, left_s: float | None) -> None:
        """Count the call in, or raise Overloaded; ``left_s`` is how long it may take (None:
        no deadline).

        The expected finish of a call that has to queue is the calls ahead of it, spread over
        the threads, plus its own run, at the running mean; with a thread free it is always
        admitted (a deadline too short for the call alone is the caller's, not overload).
        """
        with self._lock:
            ahead = self._pending
            if ahead >= self.max_pending:
                raise Overloaded(
                    f"the server is at capacity ({ahead} calls in progress)",
                    retry_after_s=self._retry_after(),
                )
            if left_s is not None and ahead >= self.workers and self._mean_s is not None:
                finish_s = self._mean_s * ((ahead - self.workers + 1) / self.workers + 1)
                if finish_s > left_s:
                    raise Overloaded(
                        f"the server is busy: {ahead} calls are ahead and this one would "
                        f"finish in about {finish_s:.1f} s, after its deadline ({left_s:.1f} s)",
                        retry_after_s=self._retry_after(),
                    )
            self._pending += 1

    def _timed(self, call: Callable[[], _R]) -> _R:
        # A call abandoned while it queued stops here, before it costs anything or counts in
        # the mean.
        deadlines.check_current()
        with self._lock:
            self._running += 1
        started = time.perf_counter()
        try:
            return call()
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self._running -= 1
                mean = self._mean_s
                self._mean_s = elapsed if mean is None else mean + _EWMA_WEIGHT * (elapsed - mean)

    def _release(self, _future: Future[_R]) -> None:
        with self._lock:
            self._pending -= 1

    def _retry_after(self) -> float:
        """Roughly when a slot frees: the calls ahead, spread over the threads."""
        if self._mean_s is None:
            return _FIRST_RETRY_S
        return max(0.05, self._mean_s * self._pending / self.workers)

    def shutdown(self) -> None:
        """Drop the calls still waiting and wait for the running ones to return."""
        self._pool.shutdown(wait=True, cancel_futures=True)
