"""Fit the similarity-to-probability curve of the embedding verifiers (Platt scaling).

The cosine similarity of a claim and its best passage is mapped to P(supported) by a logistic
curve. Its two parameters are fitted here on claim/evidence pairs of the ✓ fact-verification
sources (FEVER, COVID-Fact, HealthVer dev), never on the development benchmarks, and written
to service/models/similarity_calibration.json, which the verifiers load.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from retrieval.embedder import Embedder
from training.nli_data import ENTAILED, load_pairs
from training.train_verifier import SHARED_NLI

SOURCES = ["fever_nli", "covidfact", "healthver"]
OUTPUT = (
    Path(__file__).resolve().parent.parent / "service" / "models" / "similarity_calibration.json"
)


def fit(max_pairs: int, seed: int = 13) -> dict[str, object]:
    pairs = load_pairs(SHARED_NLI, SOURCES)
    random.Random(seed).shuffle(pairs)
    pairs = pairs[:max_pairs]
    embedder = Embedder.load()
    claims = embedder.encode([p.hypothesis for p in pairs])
    evidence = embedder.encode([p.premise for p in pairs])
    similarity = (claims * evidence).sum(axis=1).reshape(-1, 1)
    supported = np.array([p.label == ENTAILED for p in pairs])
    model = LogisticRegression().fit(similarity, supported)
    slope, intercept = float(model.coef_[0][0]), float(model.intercept_[0])
    return {
        "slope": slope,
        "midpoint": -intercept / slope,
        "fitted_on": {"sources": SOURCES, "pairs": len(pairs), "supported": int(supported.sum())},
        "embedder": embedder.version,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-pairs", type=int, default=6000)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    result = fit(args.max_pairs)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
