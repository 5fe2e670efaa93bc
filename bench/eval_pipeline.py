"""`make eval`: the whole checking pipeline on the development benchmarks.

Each claim is sent as the answer, with its evidence sentences as request context and
``context_only`` set, exactly as a RAG user would call the service. The answer is predicted
supported when the summary says so; its score is the lowest support score of its checkable
claims (an answer is only as supported as its weakest claim).

Each set is split (bench.evalsets.split): every verifier's supported and contradicted
thresholds are chosen on the tune part of all three sets together (the best mean balanced
accuracy) and the metrics are measured on the report part with them. Results go to
bench/results/eval.json, one entry per verifier, side by side.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.evalsets import CONTRADICTED, EVAL_SETS, SUPPORTED, Example, split
from bench.metrics import best_threshold, binary_report, per_label_f1
from retrieval.types import Document
from service.config import EMBEDDING_CACHE_SIZE, Settings
from service.pipeline.batching import BatchedEmbedder
from service.pipeline.checker import Checker
from service.stages import Thresholds, Verifier
from service.types import CheckOptions, CheckRequest, SupportLabel
from service.verification.factory import make_verifier

RESULTS = Path(__file__).resolve().parent / "results" / "eval.json"
#: Vectors kept between the passes over the tune parts (their claims and evidence: ~10k texts):
#: each threshold tried passes over them again, and embedding is most of a pass.
TEXTS_KEPT = 50_000


#: Contradiction thresholds tried on the tune parts, one pass over them each.
CONTRADICTED_CANDIDATES = (0.5, 0.6, 0.7, 0.8, 0.9)


def predict(checker: Checker, example: Example, thresholds: Thresholds) -> tuple[str, float]:
    """The answer-level label and score the pipeline gives one claim."""
    context = [Document(id=f"evidence-{i}", text=t) for i, t in enumerate(example.evidence)]
    options = CheckOptions(
        context_only=True,
        skip_citations=True,
        supported_threshold=thresholds.supported,
        contradicted_threshold=thresholds.contradicted,
    )
    result = checker.check(CheckRequest(answer=example.claim, context=context, options=options))
    verdicts = [c.verdict for c in result.claims if c.verdict is not None]
    label = result.summary.answer_label or SupportLabel.UNVERIFIABLE
    score = min((v.support_score for v in verdicts), default=0.0)
    return label.value, score


def choose_thresholds(checker: Checker, limit: int | None = None) -> Thresholds:
    """The supported and contradicted thresholds with the best mean balanced accuracy on the
    sets' tune parts.

    Contradiction is decided apart from the supported threshold, so each contradicted threshold
    takes one pass, and the best supported cut is found on its scores: a contradicted answer is
    not supported at any cut, so it scores below every one. A verifier that contradicts nothing
    at the lowest candidate is not tried at the others, which could only contradict less.
    """
    tunes = [split(load()[:limit])[0] for load in EVAL_SETS.values()]
    best, best_value = Thresholds(), -1.0
    for contradicted in CONTRADICTED_CANDIDATES:
        scored, contradictions = [], 0
        for tune in tunes:
            predictions = [predict(checker, e, Thresholds(None, contradicted)) for e in tune]
            contradictions += sum(label == CONTRADICTED for label, _ in predictions)
            scores = [-1.0 if label == CONTRADICTED else score for label, score in predictions]
            scored.append(([e.label == SUPPORTED for e in tune], scores))
        supported, value = best_threshold(scored)
        if value > best_value:
            best, best_value = Thresholds(supported, contradicted), value
        if not contradictions:
            break
    return best


def evaluate(checker: Checker, examples: list[Example], thresholds: Thresholds) -> dict[str, Any]:
    started = time.perf_counter()
    predictions = [predict(checker, e, thresholds) for e in examples]
    elapsed = time.perf_counter() - started
    gold = [e.label for e in examples]
    labels = [p[0] for p in predictions]
    report: dict[str, Any] = binary_report(
        [g == SUPPORTED for g in gold],
        [p == SUPPORTED for p in labels],
        [p[1] for p in predictions],
    )
    report["f1_per_label"] = per_label_f1(gold, labels)
    report["examples"] = len(examples)
    report["claims_per_s"] = len(examples) / elapsed
    return report


def run(verifiers: list[str], limit: int | None) -> dict[str, Any]:
    """Metrics per verifier and per set; only request context is searched, nothing stored."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), seed_demo_corpus=False)
        embedder = BatchedEmbedder.caching(TEXTS_KEPT)
        base = Checker.from_settings(settings, embedder)
        for spec in verifiers:
            embedder.keep(TEXTS_KEPT)
            verifier: Verifier = make_verifier(spec, embedder)
            checker = Checker(settings, base.store, base.extractor, verifier, base.citations)
            thresholds = choose_thresholds(checker, limit)
            entry: dict[str, Any] = {
                "supported_threshold_chosen_on_tune_parts": thresholds.supported,
                "contradicted_threshold_chosen_on_tune_parts": thresholds.contradicted,
            }
            # The report parts share evidence with the tune parts (HealthVer's claims share
            # abstracts): a fresh cache of the default size times what a first pass costs.
            embedder.keep(EMBEDDING_CACHE_SIZE)
            for name, load in EVAL_SETS.items():
                entry[name] = evaluate(checker, split(load()[:limit])[1], thresholds)
            results[verifier.version] = entry
            print(json.dumps({verifier.version: entry}, indent=1), flush=True)
        base.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifier", action="append", help="verifier spec (repeatable)")
    parser.add_argument("--limit", type=int, default=None, help="examples per set (smoke runs)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = run(args.verifier or ["cosine", "grounding", "signals"], args.limit)
    # Verifiers not run this time keep their last results, so one can be re-measured alone.
    previous = json.loads(args.output.read_text("utf-8")) if args.output.exists() else {}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({**previous, **results}, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
