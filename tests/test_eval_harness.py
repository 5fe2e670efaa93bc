"""The evaluation harness's threshold choice and its tune/report split."""

from __future__ import annotations

from bench.evalsets import TUNE_SHARE, Example, split
from bench.metrics import best_threshold


def test_the_threshold_is_the_cut_with_the_best_mean_balanced_accuracy() -> None:
    # 0.5 separates both sets; 0.45 misses one of the first's negatives, 0.6 one of the
    # second's positives.
    first = ([True, True, False, False], [0.7, 0.6, 0.45, 0.2])
    second = ([True, True, False, False], [0.9, 0.5, 0.4, 0.1])
    assert best_threshold([first, second]) == (0.5, 1.0)


def test_split_is_a_fixed_share_and_stable() -> None:
    examples = [Example(f"set/{i}", "claim", ("evidence",), "supported") for i in range(2000)]
    tune, report = split(examples)
    assert {e.id for e in tune}.isdisjoint(e.id for e in report)
    assert len(tune) + len(report) == len(examples)
    assert abs(len(tune) / len(examples) - TUNE_SHARE) < 0.04
    assert split(list(reversed(examples)))[0] == list(reversed(tune))
