"""The grounding signals of one claim against one passage."""

from __future__ import annotations

import pytest

from service.verification.signals import FEATURE_NAMES, pair_features


def signal(claim: str, passage: str, name: str, similarity: float = 0.8) -> float:
    return float(pair_features(claim, passage, similarity)[FEATURE_NAMES.index(name)])


def test_a_passage_that_states_the_claim_covers_all_of_it() -> None:
    claim = "Marie Curie won the Nobel Prize in Physics in 1903."
    passage = "In 1903, Marie Curie won the Nobel Prize in Physics with Pierre Curie."
    assert signal(claim, passage, "content_coverage") == 1.0
    assert signal(claim, passage, "name_coverage") == 1.0
    assert signal(claim, passage, "number_coverage") == 1.0
    assert signal(claim, passage, "number_conflict") == 0.0
    assert signal(claim, passage, "similarity", 0.42) == pytest.approx(0.42)


def test_inflected_words_count_as_covered() -> None:
    assert (
        signal("Temperatures increased.", "The temperature was increasing.", "content_coverage")
        == 1.0
    )


def test_an_unrelated_passage_covers_little() -> None:
    claim = "The Eiffel Tower is in Paris."
    passage = "Kiwis are flightless birds from New Zealand."
    assert signal(claim, passage, "content_coverage") == 0.0
    assert signal(claim, passage, "name_coverage") == 0.0
    assert signal(claim, passage, "uncovered_content") > 0.0


def test_another_year_is_a_number_conflict_but_a_missing_one_is_not() -> None:
    claim = "The bridge opened in 1932."
    assert signal(claim, "The bridge opened in 1937.", "number_conflict") == 1.0
    assert signal(claim, "The bridge opened to traffic.", "number_conflict") == 0.0
    assert signal(claim, "The bridge opened in 1932.", "number_conflict") == 0.0


def test_negation_and_antonyms_are_disagreements() -> None:
    assert (
        signal("Sea levels are rising.", "Sea levels are not rising.", "negation_mismatch") == 1.0
    )
    assert signal("Sea levels are rising.", "Sea levels are rising.", "negation_mismatch") == 0.0
    assert signal("Arctic ice increased.", "Arctic ice decreased.", "antonym_conflict") == 1.0
    assert signal("Arctic ice increased.", "Arctic ice increased.", "antonym_conflict") == 0.0


def test_every_feature_is_finite_for_empty_and_odd_text() -> None:
    for claim, passage in [("", ""), ("123", "!!!"), ("A " * 500, "b")]:
        features = pair_features(claim, passage, 0.0)
        assert features.shape == (len(FEATURE_NAMES),)
        assert all(abs(float(v)) < 1e6 for v in features)
