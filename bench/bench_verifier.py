"""`make bench-verifier`: claim-evidence pairs per second of each verifier on the CPU.

Each climate-FEVER dev claim is verified against its five evidence sentences, two ways:
``embedding`` times a verifier that embeds the claim and its passages itself (passages built
by hand, or a verifier used alone); ``after_search`` gives each passage the vector and
similarity the search computed (as the Checker does: the claim was the query, and the store
keeps every passage's vector), so it times the verifier's own work (for signals, that includes
embedding the claim once). Results go to bench/results/verifier.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from bench.evalsets import climate_fever
from retrieval.types import Passage
from service.config import EMBEDDING_CACHE_SIZE
from service.pipeline.batching import BatchedEmbedder
from service.stages import Thresholds
from service.types import Claim
from service.verification.factory import make_verifier

RESULTS = Path(__file__).resolve().parent / "results" / "verifier.json"


def pairs_per_second(
    spec: str, embedder: BatchedEmbedder, claims: int, carry_similarity: bool
) -> dict[str, float]:
    # A fresh cache of the Checker's default size: after a search (which embedded the claim and
    # its passages, as the encode below does) the verifier's own look-ups are hits.
    embedder.keep(EMBEDDING_CACHE_SIZE)
    verifier = make_verifier(spec, embedder)
    work = []
    for example in climate_fever()[:claims]:
        claim = Claim(example.claim, 0, len(example.claim))
        passages = [Passage(f"e{i}", t, 0, len(t)) for i, t in enumerate(example.evidence)]
        if carry_similarity:
            vectors = embedder.encode([example.claim, *example.evidence])
            passages = [
                replace(p, similarity=float(v @ vectors[0]), vector=v)
                for p, v in zip(passages, vectors[1:], strict=True)
            ]
        work.append((claim, passages))
    verifier.verify(*work[0], Thresholds())  # warm-up: lazy loads, first-call allocations
    started = time.perf_counter()
    for claim, evidence in work:
        verifier.verify(claim, evidence, Thresholds())
    elapsed = time.perf_counter() - started
    pairs = sum(len(evidence) for _, evidence in work)
    return {"pairs": pairs, "seconds": elapsed, "pairs_per_s": pairs / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifier", action="append", help="verifier spec (repeatable)")
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    embedder = BatchedEmbedder.caching(EMBEDDING_CACHE_SIZE)
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "processor": platform.processor(),
            "load_average_at_start": os.getloadavg()[0],
        },
        "verifiers": {
            spec: {
                mode: pairs_per_second(spec, embedder, args.claims, carry)
                for mode, carry in (("embedding", False), ("after_search", True))
            }
            for spec in args.verifier or ["cosine", "grounding", "signals"]
        },
    }
    results["machine"]["load_average_at_end"] = os.getloadavg()[0]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
