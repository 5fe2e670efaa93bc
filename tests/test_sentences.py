"""A claim split out of a sentence inherits the whole sentence's support (service.sentences)."""

from __future__ import annotations

from collections.abc import Sequence

from fake_stages import FakeCitations, FakeStore

from retrieval.types import Passage
from service.checker import Checker
from service.config import Settings
from service.sentences import DECIDED_BY_SENTENCE, with_sentence_verdict
from service.stages import Thresholds
from service.types import CheckRequest, Claim, SupportLabel, Verdict

SUPPORTED, CONTRADICTED, UNVERIFIABLE = (
    SupportLabel.SUPPORTED,
    SupportLabel.CONTRADICTED,
    SupportLabel.UNVERIFIABLE,
)
SENTENCE = "Curie won two Nobel prizes and was born in Warsaw."


def verdict(label: SupportLabel, score: float) -> Verdict:
    return Verdict(label, score, [Passage("d", "text", 0, 4)], 0)


def test_a_part_takes_its_sentences_better_support() -> None:
    inherited = with_sentence_verdict(verdict(UNVERIFIABLE, 0.3), verdict(SUPPORTED, 0.8))
    assert (inherited.label, inherited.support_score) == (SUPPORTED, 0.8)
    assert inherited.decided_by == DECIDED_BY_SENTENCE


def test_a_weaker_sentence_changes_nothing() -> None:
    own = verdict(SUPPORTED, 0.9)
    assert with_sentence_verdict(own, verdict(SUPPORTED, 0.7)) is own


def test_contradiction_is_neither_inherited_nor_overridden() -> None:
    contradicted = verdict(CONTRADICTED, 0.1)
    assert with_sentence_verdict(contradicted, verdict(SUPPORTED, 0.9)) is contradicted
    own = verdict(UNVERIFIABLE, 0.2)
    assert with_sentence_verdict(own, verdict(CONTRADICTED, 0.6)) is own


def test_a_supported_part_is_never_downgraded() -> None:
    own = verdict(SUPPORTED, 0.6)
    assert with_sentence_verdict(own, verdict(UNVERIFIABLE, 0.65)) is own


class SplitExtractor:
    """Two parts of one sentence, as the spaCy extractor gives them."""

    version = "split/1"

    def extract(self, answer: str, question: str = "") -> list[Claim]:
        return [
            Claim("Curie won two Nobel prizes.", 0, 26, sentence=answer),
            Claim("Curie was born in Warsaw.", 31, 50, sentence=answer),
        ]


class WholeSentenceVerifier:
    """Supports only the whole sentence, as a passage that says all of it would."""

    version = "whole-sentence/1"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        self.calls.append(claim.text)
        if claim.text == SENTENCE:
            return Verdict(SUPPORTED, 0.9, list(evidence), 0)
        return Verdict(UNVERIFIABLE, 0.2, list(evidence))


def test_the_checker_judges_the_sentence_once_and_its_parts_inherit() -> None:
    verifier = WholeSentenceVerifier()
    checker = Checker(
        Settings(seed_demo_corpus=False), FakeStore(), SplitExtractor(), verifier, FakeCitations()
    )
    result = checker.check(CheckRequest(answer=SENTENCE, collection="demo"))
    verdicts = [c.verdict for c in result.claims if c.verdict is not None]
    assert [(v.label, v.decided_by) for v in verdicts] == [(SUPPORTED, DECIDED_BY_SENTENCE)] * 2
    assert verifier.calls.count(SENTENCE) == 1
    assert result.summary.answer_label is SUPPORTED
