"""The shipped signal verifier: loading, labels, probabilities and model files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedder import Embedder
from retrieval.types import Passage
from service.stages import Thresholds
from service.types import Claim, SupportLabel
from service.verification.factory import make_verifier
from service.verification.signal_verifier import SignalModel, SignalVerifier, feature_matrix


def claim(text: str) -> Claim:
    return Claim(text, 0, len(text))


def passage(text: str, number: int = 0) -> Passage:
    return Passage(document_id=f"doc-{number}", text=text, start=0, end=len(text))


@pytest.fixture(scope="module")
def verifier(embedder: Embedder) -> SignalVerifier:
    built = make_verifier("signals", embedder)
    assert isinstance(built, SignalVerifier)
    return built


def test_a_stating_passage_supports_and_outranks_an_unrelated_one(verifier: SignalVerifier) -> None:
    evidence = [
        passage("Kiwis are small birds. They live only in New Zealand.", 0),
        passage("The kiwi is a flightless bird endemic to New Zealand.", 1),
    ]
    verdict = verifier.verify(
        claim("The kiwi is a flightless bird from New Zealand."), evidence, Thresholds()
    )
    assert verdict.label is SupportLabel.SUPPORTED
    assert verdict.decisive == 1
    assert verdict.probabilities is not None
    total = (
        verdict.probabilities.entailed
        + verdict.probabilities.contradicted
        + verdict.probabilities.neutral
    )
    assert total == pytest.approx(1.0, abs=1e-5)
    unrelated = verifier.verify(
        claim("The kiwi is a flightless bird from New Zealand."),
        [passage("The Eiffel Tower was completed in 1889 in Paris.")],
        Thresholds(),
    )
    assert unrelated.label is SupportLabel.UNVERIFIABLE
    assert unrelated.support_score < verdict.support_score


def test_no_evidence_is_unverifiable_with_zero_support(verifier: SignalVerifier) -> None:
    verdict = verifier.verify(claim("Water boils at 100 degrees."), [], Thresholds())
    assert verdict.label is SupportLabel.UNVERIFIABLE
    assert verdict.support_score == 0.0


def test_request_thresholds_override_the_model_defaults(verifier: SignalVerifier) -> None:
    text = "The kiwi is a flightless bird from New Zealand."
    evidence = [passage("The kiwi is a flightless bird endemic to New Zealand.")]
    assert verifier.verify(claim(text), evidence, Thresholds(supported=1.01)).label is not (
        SupportLabel.SUPPORTED
    )


def test_support_is_monotone_in_the_calibrated_blend() -> None:
    model = SignalModel.load()
    raw = np.linspace(0.0, 1.0, 101)
    calibrated = model.calibrated_support(raw)
    assert np.all(np.diff(calibrated) >= 0)
    assert calibrated.min() >= 0.0 and calibrated.max() <= 1.0


def test_a_saved_model_loads_back_identically(embedder: Embedder, tmp_path: Path) -> None:
    model = SignalModel.load()
    assert model.meaning, "the shipped model has its meaning ensemble"
    model.save(tmp_path / "copy.json")
    copy = SignalModel.load(tmp_path / "copy.json")
    inputs = feature_matrix(
        embedder,
        ["Paris is in France.", "Paris is in Spain."],
        ["Paris is the capital of France.", "Paris is the capital of France."],
    )
    np.testing.assert_allclose(copy.probabilities(inputs), model.probabilities(inputs))
    np.testing.assert_allclose(copy.raw_support(inputs), model.raw_support(inputs))


def test_a_meaning_file_that_changed_is_refused(tmp_path: Path) -> None:
    SignalModel.load().save(tmp_path / "copy.json")
    weights = tmp_path / "copy.meaning.safetensors"
    blob = bytearray(weights.read_bytes())
    blob[-1] ^= 0xFF
    weights.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match="sha256"):
        SignalModel.load(tmp_path / "copy.json")


def test_the_meaning_ensemble_moves_support(embedder: Embedder) -> None:
    """Without it, the raw support is the similarity curve and the signal network alone."""
    model = SignalModel.load()
    alone = replace(model, meaning=(), meaning_weight=0.0, similarity_weight=0.5)
    inputs = feature_matrix(
        embedder,
        ["Vitamin D supplements prevent COVID-19 infection."],
        ["Vitamin D supplementation did not reduce the rate of COVID-19 infection."],
    )
    assert model.raw_support(inputs)[0] != pytest.approx(alone.raw_support(inputs)[0], abs=1e-3)


class CountingEncoder:
    """The embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        return self.embedder.encode(texts)


def test_passages_that_carry_their_vector_are_not_embedded_again(embedder: Embedder) -> None:
    text = "The kiwi is a flightless bird endemic to New Zealand."
    counting = CountingEncoder(embedder)
    verifier = SignalVerifier(counting, SignalModel.load())
    carried = replace(passage(text), vector=embedder.encode([text])[0])
    with_vector = verifier.verify(claim("Kiwis cannot fly."), [carried], Thresholds())
    assert counting.texts == ["Kiwis cannot fly."]
    without = verifier.verify(claim("Kiwis cannot fly."), [passage(text)], Thresholds())
    assert counting.texts[1:] == ["Kiwis cannot fly.", text]
    assert with_vector.support_score == pytest.approx(without.support_score, abs=1e-4)


def test_a_model_of_other_signals_is_refused(tmp_path: Path) -> None:
    data = SignalModel.load().to_json()
    data["features"] = [*data["features"][:-1], "something_else"]
    (tmp_path / "odd.json").write_text(json.dumps(data), "utf-8")
    with pytest.raises(ValueError, match="other signals"):
        SignalModel.load(tmp_path / "odd.json")


def test_a_missing_tuned_model_names_the_fix(embedder: Embedder, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="veracity tune"):
        make_verifier("signals:nope", embedder, tmp_path)


def test_a_contradiction_stands_whatever_the_supported_threshold(
    verifier: SignalVerifier,
) -> None:
    text = claim("The Eiffel Tower was completed in 1889.")
    evidence = [passage("The Eiffel Tower was completed in 1901.")]
    assert verifier.verify(text, evidence, Thresholds()).label is SupportLabel.CONTRADICTED
    lowest = Thresholds(supported=0.0)
    assert verifier.verify(text, evidence, lowest).label is SupportLabel.CONTRADICTED


def test_the_shipped_thresholds_are_the_ones_make_eval_chose() -> None:
    results = Path(__file__).resolve().parent.parent / "bench" / "results" / "eval.json"
    model = SignalModel.load()
    chosen = json.loads(results.read_text("utf-8"))[model.name]
    assert model.supported_threshold == pytest.approx(
        chosen["supported_threshold_chosen_on_tune_parts"]
    )
    assert model.contradicted_threshold == pytest.approx(
        chosen["contradicted_threshold_chosen_on_tune_parts"]
    )
