"""The baseline verifier: similarity for support, numbers and polarity for contradiction."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.embedder import Embedder
from retrieval.types import Passage
from service.stages import Thresholds
from service.types import Claim, SupportLabel
from service.verification.factory import make_verifier
from service.verification.similarity import (
    UNCALIBRATED,
    CosineVerifier,
    Curve,
    GroundingVerifier,
    disagrees,
)


def _claim(text: str) -> Claim:
    return Claim(text, 0, len(text))


def _passage(text: str, doc: str = "d") -> Passage:
    return Passage(document_id=doc, text=text, start=0, end=len(text))


@pytest.fixture(scope="module")
def verifier(embedder: Embedder) -> GroundingVerifier:
    return GroundingVerifier(embedder)


@pytest.mark.parametrize(
    ("claim", "passage", "expected"),
    [
        ("Sea level rose 50 cm since 1900.", "Sea level rose 20 cm since 1900.", True),
        ("Sea level rose 20 cm since 1900.", "Sea level rose about 20 cm since 1900.", False),
        # Silent on the year: not a contradiction.
        ("In 2020 warming reached 1.1 C.", "Warming has reached 1.1 C.", False),
        ("The glacier did not retreat.", "The glacier did retreat.", True),
    ],
)
def test_disagreement(claim: str, passage: str, expected: bool) -> None:
    assert disagrees(claim, passage, similarity=0.9) is expected


def test_unrelated_passages_never_disagree() -> None:
    assert not disagrees("It rose 50 cm.", "It cost 20 dollars.", similarity=0.1)


def test_paraphrase_is_supported(verifier: GroundingVerifier) -> None:
    evidence = [
        _passage("Bananas are yellow fruit.", "other"),
        _passage("Carbon dioxide is a greenhouse gas that traps heat in the atmosphere.", "co2"),
    ]
    verdict = verifier.verify(_claim("CO2 is a greenhouse gas."), evidence, Thresholds())
    assert verdict.label is SupportLabel.SUPPORTED
    assert verdict.decisive == 1
    assert 0.5 <= verdict.support_score <= 1.0


def test_number_swap_is_contradicted(verifier: GroundingVerifier) -> None:
    evidence = [_passage("Global sea level rose by about 20 cm between 1901 and 2018.")]
    verdict = verifier.verify(
        _claim("Global sea level rose by about 90 cm between 1901 and 2018."),
        evidence,
        Thresholds(),
    )
    assert verdict.label is SupportLabel.CONTRADICTED
    assert verdict.decisive == 0
    assert verdict.support_score < 0.5


def test_unrelated_claim_is_unverifiable(verifier: GroundingVerifier) -> None:
    evidence = [_passage("The Amazon rainforest covers much of the Amazon basin.")]
    verdict = verifier.verify(_claim("Mozart wrote forty symphonies."), evidence, Thresholds())
    assert verdict.label is SupportLabel.UNVERIFIABLE
    assert verdict.decisive is None


def test_no_evidence_is_unverifiable_with_zero_score(verifier: GroundingVerifier) -> None:
    verdict = verifier.verify(_claim("Anything at all."), [], Thresholds())
    assert (verdict.label, verdict.support_score, verdict.evidence) == (
        SupportLabel.UNVERIFIABLE,
        0.0,
        [],
    )


def test_thresholds_from_the_request_override_the_defaults(verifier: GroundingVerifier) -> None:
    evidence = [_passage("Carbon dioxide is a greenhouse gas that traps heat.")]
    claim = _claim("CO2 is a greenhouse gas.")
    default = verifier.verify(claim, evidence, Thresholds())
    strict = verifier.verify(claim, evidence, Thresholds(supported=0.999))
    assert default.label is SupportLabel.SUPPORTED
    assert strict.label is SupportLabel.UNVERIFIABLE
    assert strict.support_score == pytest.approx(default.support_score)


def test_cosine_baseline_never_contradicts(embedder: Embedder) -> None:
    baseline = CosineVerifier(embedder)
    evidence = [_passage("Global sea level rose by about 20 cm between 1901 and 2018.")]
    claim = _claim("Global sea level rose by about 90 cm between 1901 and 2018.")
    verdict = baseline.verify(claim, evidence, Thresholds())
    assert verdict.label is SupportLabel.SUPPORTED
    assert baseline.version != GroundingVerifier.version


def test_make_verifier_by_name(embedder: Embedder) -> None:
    assert isinstance(make_verifier("cosine", embedder), CosineVerifier)
    assert isinstance(make_verifier("grounding", embedder), GroundingVerifier)
    with pytest.raises(ValueError, match="unknown verifier"):
        make_verifier("magic", embedder)


def test_the_shipped_calibration_is_an_increasing_curve_within_range() -> None:
    curve = Curve.fitted()
    assert 0.0 < curve.midpoint < 1.0
    assert curve.slope > 0
    assert curve(curve.midpoint) == pytest.approx(0.5)
    assert curve(0.0) < curve(0.5) < curve(1.0)


def test_grounding_by_name_uses_the_fitted_curve(embedder: Embedder) -> None:
    verifier = make_verifier("grounding", embedder)
    assert isinstance(verifier, GroundingVerifier)
    assert verifier.curve == Curve.fitted()
    assert CosineVerifier(embedder).curve == UNCALIBRATED


class _NoEncoder:
    def encode(self, texts: object) -> np.ndarray:
        raise AssertionError("passages that carry their similarity must not be embedded again")


def test_similarity_carried_by_the_search_is_used_without_embedding() -> None:
    carried = [
        Passage("a", "Paris is the capital of France.", 0, 31, similarity=0.9),
        Passage("b", "Bees make honey.", 0, 16, similarity=0.1),
    ]
    verdict = CosineVerifier(_NoEncoder()).verify(
        Claim("Paris is France's capital.", 0, 26), carried, Thresholds()
    )
    assert verdict.decisive == 0
    assert verdict.support_score == pytest.approx(UNCALIBRATED(0.9))
