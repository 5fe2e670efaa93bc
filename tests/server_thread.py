"""Run service.transport.server on a free port in a background thread with its own event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from service.pipeline.batching import BatchedEmbedder
from service.pipeline.checker import Checker
from service.transport.server import ServerSettings, Service, build_server


@contextmanager
def serving(
    checker: Checker, settings: ServerSettings, embedder: BatchedEmbedder | None = None
) -> Iterator[Service]:
    """The started Service (its ``port`` bound on 127.0.0.1); stopped on exit."""

    async def start() -> Service:
        # grpc.aio binds a server to the loop it is created in.
        service = build_server(checker, settings, embedder)
        await service.start()
        return service

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    service = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield service
    finally:
        asyncio.run_coroutine_threadsafe(service.stop(None), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
