"""Load benchmark of the gRPC server on 127.0.0.1: closed-loop clients at several concurrencies.

    python -m bench.bench_load [--duration 60] [--levels 1,8,32,100] [--corpora demo,100k]

A real ``veracity serve`` runs in a subprocess (models, micro-batching, bounded executor,
metrics on). For each corpus and each level, that many asyncio clients each send a 10-claim
answer again and again for ``--duration`` seconds (one client in four streams it with
StreamCheckAnswer, the rest call CheckAnswer); every call has a 30 s deadline. Reported per
level: calls/s and claims/s, p50/p95/p99 per RPC, errors by status code, the server's RSS
sampled each second, and the machine's load average (other jobs share the cores).

The 100k-passage corpus is built like bench/bench_retrieval.py's scale points: real sentences
in 10-sentence documents through the store's real code, with vectors synthesised from real
embeddings (embedding 100k passages takes ~40 min here); queries are embedded for real.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import grpc
import numpy as np

from veracity_client.v1 import veracity_pb2 as pb
from veracity_client.v1 import veracity_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
SERVING = re.compile(r"^veracity: serving on (\S+)$")

#: Ten checkable sentences (each one claim) about the demo corpus's topics.
ANSWER = " ".join(
    [
        "Global warming is the long-term rise in the average temperature of the Earth.",
        "Carbon dioxide is a greenhouse gas.",
        "The Great Barrier Reef is the largest coral reef system in the world.",
        "Coral bleaching happens when water is too warm.",
        "Sea levels have risen since the start of the twentieth century.",
        "Burning fossil fuels releases carbon dioxide into the atmosphere.",
        "Methane traps more heat than carbon dioxide over a short period.",
        "Arctic sea ice has declined in recent decades.",
        "Deforestation reduces the amount of carbon stored in forests.",
        "Renewable energy sources include wind and solar power.",
    ]
)


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


class Server:
    """``veracity serve`` in a subprocess, with its RSS sampled every second."""

    def __init__(self, data_dir: Path) -> None:
        veracity = str(Path(sys.executable).with_name("veracity"))
        self.process = subprocess.Popen(
            [veracity, "serve", "--port", "0", "--data-dir", str(data_dir), "--grace", "5"],
            cwd=ROOT,
            env={**os.environ, "VERACITY_OFFLINE": "1", "VERACITY_LOG_FORMAT": "text"},
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        self.target = ""
        for line in self.process.stderr:
            match = SERVING.match(line.strip())
            if match:
                self.target = match.group(1)
                break
        if not self.target:
            raise RuntimeError("the server did not start")
        # Keep the pipe drained.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


async def run_level(
    server: Server, clients: int, duration: float, collection: str
) -> dict[str, Any]:
    latencies: dict[str, list[float]] = defaultdict(list)
    codes: Counter[str] = Counter()
    claims = 0
    request = pb.CheckAnswerRequest(
        answer=ANSWER, collection=collection, options=pb.CheckOptions(skip_citations=True)
    )
    until = time.monotonic() + duration
    rss: list[float] = []

    async def client(number: int) -> None:
        nonlocal claims
        async with grpc.aio.insecure_channel(server.target) as channel:
            stub = veracity_pb2_grpc.VeracityServiceStub(channel)
            streaming = number % 4 == 3
            while time.monotonic() < until:
                started = time.perf_counter()
                try:
                    if streaming:
                        events = [
                            e
                            async for e in stub.StreamCheckAnswer(
                                pb.StreamCheckAnswerRequest(request=request), timeout=30
                            )
                        ]
                        count = sum(1 for e in events if e.HasField("claim"))
                    else:
                        count = len((await stub.CheckAnswer(request, timeout=30)).claims)
                except grpc.aio.AioRpcError as error:
                    codes[error.code().name] += 1
                    if error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED:
                        await asyncio.sleep(0.05)
                    continue
                rpc = "StreamCheckAnswer" if streaming else "CheckAnswer"
                latencies[rpc].append(time.perf_counter() - started)
                codes["OK"] += 1
                claims += count

    async def sample_rss() -> None:
        while time.monotonic() < until:
            rss.append(round(server.rss_mb(), 1))
            await asyncio.sleep(1.0)

    load_before = os.getloadavg()
    started = time.monotonic()
    await asyncio.gather(sample_rss(), *(client(i) for i in range(clients)))
    elapsed = time.monotonic() - started
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "calls_per_s": round(codes["OK"] / elapsed, 2),
        "claims_per_s": round(claims / elapsed, 1),
        "latency_ms": {rpc: _percentiles(values) for rpc, values in latencies.items()},
        "codes": dict(codes),
        "rss_mb": rss,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
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
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds per level.")
    parser.add_argument("--levels", default="1,8,32,100")
    parser.add_argument("--corpora", default="demo,100k")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    corpora = args.corpora.split(",")
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "loadavg_at_start": list(os.getloadavg())},
        "duration_s_per_level": args.duration,
        "answer_claims": 10,
        "corpora": {},
    }
    with tempfile.TemporaryDirectory(prefix="veracity-load-") as tmp:
        data_dir = Path(tmp)
        if "100k" in corpora:
            report["corpus_100k"] = build_100k(data_dir, args.passages)
            print(f"100k corpus: {report['corpus_100k']}", flush=True)
        server = Server(data_dir)
        try:
            for corpus in corpora:
                collection = "scale" if corpus == "100k" else "demo"
                # One unmeasured second first: lazy model and index loading is not load.
                asyncio.run(run_level(server, 1, 1.0, collection))
                results = []
                for clients in levels:
                    result = asyncio.run(run_level(server, clients, args.duration, collection))
                    print(f"{corpus} x{clients}: {json.dumps(result)}", flush=True)
                    results.append(result)
                report["corpora"][corpus] = results
        finally:
            server.stop()
    report["machine"]["loadavg_at_end"] = list(os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
