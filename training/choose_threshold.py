"""Set the shipped signal verifier's thresholds to the ones `make eval` chooses.

The support score is calibrated to read as P(supported) on held-out fact-check pairs, but the
label's cut-off is a decision: the development sets differ in how many of their claims are
supported, and the cut-off that tells supported from not best on average (mean balanced
accuracy) lies below 0.5. The contradiction threshold is chosen with it. Both are chosen on the
tune parts of the development sets only (bench.evalsets.split), so the numbers `make eval`
reports on the other parts stay honest.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.eval_pipeline import TEXTS_KEPT, choose_thresholds
from service.config import Settings
from service.pipeline.batching import BatchedEmbedder
from service.pipeline.checker import Checker
from service.verification.signal_verifier import SignalModel
from training.train_signal_verifier import OUTPUT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=OUTPUT)
    args = parser.parse_args()
    model = SignalModel.load(args.model)
    with tempfile.TemporaryDirectory() as data_dir:
        models = Path(data_dir) / "models"
        model.save(models / "candidate.json")
        settings = Settings(
            data_dir=Path(data_dir), seed_demo_corpus=False, verifier="signals:candidate"
        )
        checker = Checker.from_settings(settings, BatchedEmbedder.caching(TEXTS_KEPT))
        chosen = choose_thresholds(checker)
        checker.close()
    assert chosen.supported is not None and chosen.contradicted is not None
    replace(
        model, supported_threshold=chosen.supported, contradicted_threshold=chosen.contradicted
    ).save(args.model)
    print(
        f"{args.model}: supported threshold {chosen.supported:.4f}, "
        f"contradicted {chosen.contradicted}"
    )


if __name__ == "__main__":
    main()
