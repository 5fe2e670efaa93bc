"""Micro-batching: concurrent requests share embedding model calls.

Every embedding the pipeline needs (claim queries for retrieval, claim and evidence texts for
the verifier) goes through ``Embedder.encode``. Called from several request threads at once,
the model would run one small batch per call, one after another behind its lock. The
BatchedEmbedder instead hands each call to a MicroBatcher: an asyncio queue on the server's
event loop that merges the calls waiting in it (up to ``max_items`` texts, waiting up to
``max_wait_s`` for more while other requests are at work) into one model call on its own
one-thread executor, then gives each caller its rows. A full queue refuses new work with
Overloaded; entries of cancelled or expired requests are dropped before the model sees them,
so abandoned work is not paid for by the requests behind it. Texts seen recently are served
from an LRU cache (evidence passages recur across claims and requests).
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import numpy as np
from prometheus_client import Counter, Gauge, Histogram

from retrieval.embedder import DEFAULT_BATCH_SIZE, Embedder
from service import deadlines
from service.deadlines import RequestScope
from service.errors import Abandoned, Overloaded

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class BatchMetrics(Protocol):
    """What the batcher records, when the server gives it somewhere to record (its
    service.transport.metrics.Metrics); the pipeline itself keeps no metrics."""

    batch_texts: Histogram
    batch_requests: Histogram
    queue_depth: Gauge
    embedding_cache: Counter


_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass
class _Entry(Generic[_T, _R]):
    items: list[_T]
    scope: RequestScope | None
    future: Future[list[_R]]


class MicroBatcher(Generic[_T, _R]):
    """Runs ``process`` over the items that threads ``submit``, several submissions at a time.

    ``process`` maps a list of items to a list of results of the same length. ``active`` tells
    how many requests are at work now: the batcher waits for more submissions only when some
    request other than those already in the batch may still send one.
    """

    def __init__(
        self,
        process: Callable[[list[_T]], list[_R]],
        *,
        max_items: int,
        max_wait_s: float,
        max_queue: int,
        active: Callable[[], int] = lambda: 0,
        metrics: BatchMetrics | None = None,
    ) -> None:
        self._process = process
        self.max_items = max_items
        self.max_wait_s = max_wait_s
        self.max_queue = max_queue
        self._active = active
        self._metrics = metrics
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[_Entry[_T, _R]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._pool: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        """Start serving batches on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue(self.max_queue)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="veracity-model")
        self._task = self._loop.create_task(self._serve())

    async def stop(self) -> None:
        """Stop serving; submissions still queued fail with Abandoned."""
        if self._task is None or self._queue is None or self._pool is None:
            return
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        while not self._queue.empty():
            self._queue.get_nowait().future.set_exception(
                Abandoned("the server is shutting down", deadline=False)
            )
        self._pool.shutdown(wait=True)
        self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def submit(self, items: list[_T]) -> list[_R]:
        """Process ``items`` in the next batch and return their results; blocks the calling
        thread, which must not be the event loop's. Raises Overloaded on a full queue and
        Abandoned when the current request is cancelled or out of time."""
        assert self._loop is not None, "submit before start"
        scope = deadlines.CURRENT.get()
        if scope is not None:
            scope.check()
        entry: _Entry[_T, _R] = _Entry(items, scope, Future())
        self._loop.call_soon_threadsafe(self._enqueue, entry)
        return entry.future.result()

    def _enqueue(self, entry: _Entry[_T, _R]) -> None:
        assert self._queue is not None
        try:
            self._queue.put_nowait(entry)
        except asyncio.QueueFull:
            entry.future.set_exception(
                Overloaded(
                    f"the embedding queue is full ({self.max_queue} calls waiting)",
                    retry_after_s=max(0.05, self.max_wait_s * 10),
                )
            )
        self._report_depth()

    async def _serve(self) -> None:
        assert self._queue is not None and self._loop is not None
        while True:
            batch = await self._gather(await self._queue.get())
            self._report_depth()
            live = [entry for entry in batch if not _abandon_if_dead(entry)]
            if not live:
                continue
            items = [item for entry in live for item in entry.items]
            try:
                results = await self._loop.run_in_executor(self._pool, self._process, items)
            except Exception as error:
                for entry in live:
                    entry.future.set_exception(error)
                continue
            if self._metrics is not None:
                self._metrics.batch_texts.observe(len(items))
                self._metrics.batch_requests.observe(len(live))
            offset = 0
            for entry in live:
                entry.future.set_result(results[offset : offset + len(entry.items)])
                offset += len(entry.items)

    async def _gather(self, first: _Entry[_T, _R]) -> list[_Entry[_T, _R]]:
        """``first`` plus what is queued, up to ``max_items``; wait ``max_wait_s`` at most."""
        assert self._queue is not None and self._loop is not None
        batch, size = [first], len(first.items)
        until = self._loop.time() + self.max_wait_s
        while size < self.max_items:
            if self._queue.empty():
                left = until - self._loop.time()
                if left <= 0 or self._active() <= len(batch):
                    break
                try:
                    entry = await asyncio.wait_for(self._queue.get(), left)
                except TimeoutError:
                    break
            else:
                entry = self._queue.get_nowait()
            batch.append(entry)
            size += len(entry.items)
        return batch

    def _report_depth(self) -> None:
        if self._metrics is not None and self._queue is not None:
            self._metrics.queue_depth.labels("batch").set(self._queue.qsize())


def _abandon_if_dead(entry: _Entry[_T, _R]) -> bool:
    """Fail the entry with Abandoned when its request was cancelled or ran out of time."""
    reason = entry.scope.abandoned() if entry.scope is not None else None
    if reason is not None:
        entry.future.set_exception(reason)
    return reason is not None


class _LruCache:
    """Text -> vector, least recently used evicted first; bounded, so memory stays flat."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(text)
            if vector is not None:
                self._items.move_to_end(text)
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._items[text] = vector
            self._items.move_to_end(text)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)


class BatchedEmbedder(Embedder):
    """An Embedder whose ``encode`` goes through a cache and, once ``attach``ed to a running
    batcher, through shared model batches; before that (or after) it encodes directly."""

    def __init__(
        self, model: SentenceTransformer, version: str, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        super().__init__(model, version, batch_size)
        self._cache = _LruCache(0)
        self._batcher: MicroBatcher[str, np.ndarray] | None = None
        self._metrics: BatchMetrics | None = None

    def attach(
        self, batcher: MicroBatcher[str, np.ndarray], metrics: BatchMetrics, cache_size: int
    ) -> None:
        self._batcher = batcher
        self._metrics = metrics
        self.keep(cache_size)

    @classmethod
    def caching(cls, capacity: int) -> BatchedEmbedder:
        """The shipped embedder (``Embedder.load``) keeping up to ``capacity`` vectors."""
        embedder = cls.load()
        assert isinstance(embedder, BatchedEmbedder), (
            "Embedder.load builds the class it is called on"
        )
        embedder.keep(capacity)
        return embedder

    def keep(self, capacity: int) -> None:
        """Start a new cache of up to ``capacity`` vectors (0: none); ``attach`` calls it, and
        batch evaluations that embed the same texts more than once call it alone."""
        self._cache = _LruCache(capacity)

    def encode_now(self, texts: list[str]) -> list[np.ndarray]:
        """One model call over ``texts``: the batcher's ``process``."""
        return list(super().encode(texts))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return super().encode(texts)
        vectors = [self._cache.get(text) for text in texts]
        missing = list(dict.fromkeys(t for t, v in zip(texts, vectors, strict=True) if v is None))
        if self._metrics is not None:
            self._metrics.embedding_cache.labels("hit").inc(len(texts) - len(missing))
            self._metrics.embedding_cache.labels("miss").inc(len(missing))
        if missing:
            batcher = self._batcher
            computed = (
                batcher.submit(missing)
                if batcher is not None and batcher.running
                else self.encode_now(missing)
            )
            fresh = dict(zip(missing, computed, strict=True))
            for text, vector in fresh.items():
                self._cache.put(text, vector)
            vectors = [fresh[t] if v is None else v for t, v in zip(texts, vectors, strict=True)]
        return np.ascontiguousarray(np.stack([v for v in vectors if v is not None]), np.float32)
