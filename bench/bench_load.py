"""Load benchmark of the gRPC server on 127.0.0.1: closed-loop clients at several concurrencies.

    python -m bench.bench_load [--seconds 60] [--levels 1,8,32,100] [--corpora demo,100k]

The defaults are issue 7's protocol. A real ``veracity serve`` runs in a subprocess
(bench/load_server.py). For each corpus and each level, that many asyncio clients send answers
one after another for ``--seconds`` seconds (one client in four streams with
StreamCheckAnswer, the rest call CheckAnswer; every call has a 30 s deadline). The answers come
from a pool of several hundred distinct ~10-claim answers (bench/load_workload.py) that all
clients draw from in turn, so the embedding cache cannot replay a warmed-up request; the
report gives its hit rate per level. Reported per level: calls/s, claims/s counted from the
responses, p50/p95/p99 per RPC, errors by status code, the server's mean stage timings, its
RSS (sampled each second over the whole run) and the machine's load average at the start and
end of the level (other jobs share the cores).

The 100k-passage corpus is built like bench/bench_retrieval.py's scale points: real sentences
in 10-sentence documents through the store's real code, with vectors synthesised from real
embeddings (embedding 100k passages takes ~40 min here); queries are embedded for real.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import numpy as np

from bench.load_server import ROOT, RssTimeline, Server
from bench.load_workload import load_workload
from veracity_client.v1 import veracity_pb2 as pb
from veracity_client.v1 import veracity_pb2_grpc

DEADLINE_S = 30.0
WARM_UP_S = 3.0


def build_100k(data_dir: Path, size: int) -> dict[str, Any]:
    """Collection ``scale`` of ``size`` passages under ``data_dir`` (see the module doc)."""
    from bench.bench_retrieval import LookupEmbedder, build_scaled, composer, sentence_pool
    from retrieval.embedder import Embedder

    rng = np.random.default_rng(7)
    embedder = Embedder.load()
    pool = sentence_pool(20_000)
    anchors = embedder.encode(pool[:512])
    lookup = LookupEmbedder(embedder.dim, embedder.version, composer(anchors, rng))
    started = time.perf_counter()
    report = build_scaled(data_dir / "corpus", size, pool, lookup, rng)
    report["build_s"] = round(time.perf_counter() - started, 1)
    return report


class Tally:
    """What one level's calls returned: latencies per RPC, codes, claims, stage seconds."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.codes: Counter[str] = Counter()
        self.claims = 0
        self.stage_seconds: dict[str, list[float]] = defaultdict(list)

    def ok(self, rpc: str, seconds: float, claims: int, timings: Any) -> None:
        self.latencies[rpc].append(seconds)
        self.codes["OK"] += 1
        self.claims += claims
        for timing in timings:
            self.stage_seconds[timing.stage].append(timing.seconds)


async def _call(
    stub: veracity_pb2_grpc.VeracityServiceStub, request: pb.CheckAnswerRequest, streaming: bool
) -> tuple[int, Any]:
    """One check; the number of claims in the response and its stage timings."""
    if not streaming:
        response = await stub.CheckAnswer(request, timeout=DEADLINE_S)
        return len(response.claims), response.timings
    claims, timings = 0, None
    stream = pb.StreamCheckAnswerRequest(request=request)
    async for event in stub.StreamCheckAnswer(stream, timeout=DEADLINE_S):
        if event.HasField("claim"):
            claims += 1
        elif event.HasField("completed"):
            timings = event.completed.timings
    return claims, timings or ()


async def run_level(
    target: str, clients: int, seconds: float, collection: str, answers: Iterator[str]
) -> Tally:
    """``clients`` closed-loop clients for ``seconds``, each taking the pool's next answer."""
    tally = Tally()
    until = time.monotonic() + seconds

    async def client(number: int) -> None:
        streaming = number % 4 == 3
        rpc = "StreamCheckAnswer" if streaming else "CheckAnswer"
        async with grpc.aio.insecure_channel(target) as channel:
            stub = veracity_pb2_grpc.VeracityServiceStub(channel)
            while time.monotonic() < until:
                request = pb.CheckAnswerRequest(
                    answer=next(answers),
                    collection=collection,
                    options=pb.CheckOptions(skip_citations=True),
                )
                started = time.perf_counter()
                try:
                    claims, timings = await _call(stub, request, streaming)
                except grpc.aio.AioRpcError as error:
                    tally.codes[error.code().name] += 1
                    if error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED:
                        await asyncio.sleep(0.05)
                    continue
                tally.ok(rpc, time.perf_counter() - started, claims, timings)

    await asyncio.gather(*(client(i) for i in range(clients)))
    return tally


def measure_level(
    server: Server,
    rss: RssTimeline,
    clients: int,
    seconds: float,
    collection: str,
    answers: Iterator[str],
) -> dict[str, Any]:
    """Run one level and describe it (the module doc lists what)."""
    rss.phase = f"{collection} x{clients}"
    load_start = os.getloadavg()
    cache_start = server.cache_counts()
    started = time.monotonic()
    tally = asyncio.run(run_level(server.target, clients, seconds, collection, answers))
    elapsed = time.monotonic() - started
    cache_end = server.cache_counts()
    load_end = os.getloadavg()
    hits, misses = (cache_end[k] - cache_start[k] for k in ("hit", "miss"))
    samples = rss.of(rss.phase)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "calls_per_s": round(tally.codes["OK"] / elapsed, 2),
        "claims_per_s": round(tally.claims / elapsed, 1),
        "claims_per_call": round(tally.claims / max(tally.codes["OK"], 1), 1),
        "latency_ms": {rpc: _percentiles(values) for rpc, values in tally.latencies.items()},
        "codes": dict(tally.codes),
        "server_stage_ms_mean": {
            stage: round(1000 * float(np.mean(values)), 1)
            for stage, values in tally.stage_seconds.items()
        },
        "embedding_cache_hit_rate": round(hits / (hits + misses), 3) if hits + misses else None,
        "rss_mb": {
            "start": samples[0] if samples else None,
            "end": samples[-1] if samples else None,
            "max": max(samples, default=None),
        },
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in load_end],
    }


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(seconds),
        "p50": round(float(np.percentile(ms, 50)), 1),
        "p95": round(float(np.percentile(ms, 95)), 1),
        "p99": round(float(np.percentile(ms, 99)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="Seconds per level.")
    parser.add_argument("--levels", default="1,8,32,100", help="Client counts, comma-separated.")
    parser.add_argument("--corpora", default="demo,100k", help="demo and/or 100k.")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    corpora = args.corpora.split(",")
    workload = load_workload()
    answers = workload.cycle()
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "loadavg_at_start": list(os.getloadavg())},
        "seconds_per_level": args.seconds,
        "deadline_s": DEADLINE_S,
        "workload": {
            "source": workload.source,
            "distinct_answers": len(workload.answers),
            "distinct_sentences": workload.sentences,
        },
        "corpora": {},
    }
    with tempfile.TemporaryDirectory(prefix="veracity-load-") as tmp:
        data_dir = Path(tmp)
        if "100k" in corpora:
            report["corpus_100k"] = build_100k(data_dir, args.passages)
            print(f"100k corpus: {report['corpus_100k']}", flush=True)
        server = Server(data_dir)
        rss = RssTimeline(server)
        try:
            for corpus in corpora:
                collection = "scale" if corpus == "100k" else "demo"
                # Unmeasured first: lazy model and index loading is not load.
                rss.phase = f"{collection} warm-up"
                asyncio.run(run_level(server.target, 1, WARM_UP_S, collection, answers))
                results = []
                for clients in levels:
                    result = measure_level(server, rss, clients, args.seconds, collection, answers)
                    print(f"{corpus} x{clients}: {json.dumps(result)}", flush=True)
                    results.append(result)
                report["corpora"][corpus] = results
        finally:
            report["rss_timeline_s_mb_phase"] = rss.stop()
            server.stop()
    report["machine"]["loadavg_at_end"] = list(os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
