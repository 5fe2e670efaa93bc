"""Prometheus metrics of one server, exposed over HTTP by prometheus-client.

Each server gets its own registry, so that several servers in one process (tests) do not
collide. What is measured: RPCs and their status codes, latency per RPC and per pipeline
stage, embedding batch sizes, queue depths, embedding cache hits and citation look-up errors
per source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
# What retrieval.citations' Lookup.describe() writes for a failed look-up: "SOURCE QUERY: error".
_LOOKUP_ERROR = re.compile(r"^(\S+) .*: error\b")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "veracity_requests",
            "RPCs handled, by method and gRPC status code.",
            ["rpc", "code"],
            registry=self.registry,
        )
        self.rpc_seconds = Histogram(
            "veracity_rpc_seconds",
            "Wall time of an RPC on the server.",
            ["rpc"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stage_seconds = Histogram(
            "veracity_stage_seconds",
            "Wall time of one pipeline stage of a check.",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_texts = Histogram(
            "veracity_embedding_batch_texts",
            "Texts per embedding model call (requests' texts merged by the micro-batcher).",
            buckets=_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.batch_requests = Histogram(
            "veracity_embedding_batch_calls",
            "Encode calls merged into one model call.",
            buckets=_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "veracity_queue_depth",
            "Work waiting: 'batch' encode calls queued, 'executor' pipeline calls admitted.",
            ["queue"],
            registry=self.registry,
        )
        self.embedding_cache = Counter(
            "veracity_embedding_cache",
            "Texts looked up in the embedding cache, by result (hit or miss).",
            ["result"],
            registry=self.registry,
        )
        self.lookup_errors = Counter(
            "veracity_citation_lookup_errors",
            "Citation look-ups that failed, by bibliographic source.",
            ["source"],
            registry=self.registry,
        )

    def observe_stages(self, timings: Mapping[str, float]) -> None:
        for stage, seconds in timings.items():
            self.stage_seconds.labels(stage).observe(seconds)

    def observe_lookups(self, checked_sources: Iterable[str]) -> None:
        """Count failed look-ups from a citation's ``checked_sources`` descriptions."""
        for described in checked_sources:
            match = _LOOKUP_ERROR.match(described)
            if match:
                self.lookup_errors.labels(match.group(1)).inc()

    def serve_http(self, host: str, port: int) -> WSGIServer:
        """Serve /metrics on ``host:port`` from a daemon thread; ``server_port`` is the port."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        return server
