"""A claim split out of a sentence inherits the whole sentence's support.

service.verification.sentences.
"""

from __future__ import annotations

from collections.abc import Sequence

from fake_stages import FakeCitations, FakeStore

from retrieval.types import Passage
from service.config import Settings
from service.pipeline.checker import Checker
from service.stages import Thresholds
from service.types import CheckRequest, Claim, SupportLabel, Verdict
from service.verification.sentences import DECIDED_BY_SENTENCE, with_sentence_verdict

SUPPORTED, CONTRADICTED, UNVERIFIABLE = (
    SupportLabel.SUPPORTED,
    SupportLabel.CONTRADICTED,
    SupportLabel.UNVERIFIABLE,
)
SENTENCE = "Curie won two Nobel prizes and was born in Warsaw."


PART = "Curie won two Nobel prizes."
SAYS_IT = "Marie Curie won two Nobel prizes, in physics and in chemistry."


def verdict(label: SupportLabel, score: float, passage: str = SAYS_IT) -> Verdict:
    return Verdict(label, score, [Passage("d", passage, 0, len(passage))], 0)


def test_a_part_takes_its_sentences_better_support() -> None:
    inherited = with_sentence_verdict(PART, verdict(UNVERIFIABLE, 0.3), verdict(SUPPORTED, 0.8))
    assert (inherited.label, inherited.support_score) == (SUPPORTED, 0.8)
    assert inherited.decided_by == DECIDED_BY_SENTENCE


def test_a_weaker_sentence_changes_nothing() -> None:
    own = verdict(SUPPORTED, 0.9)
    assert with_sentence_verdict(PART, own, verdict(SUPPORTED, 0.7)) is own


def test_contradiction_is_neither_inherited_nor_overridden() -> None:
    contradicted = verdict(CONTRADICTED, 0.1)
    assert with_sentence_verdict(PART, contradicted, verdict(SUPPORTED, 0.9)) is contradicted
    own = verdict(UNVERIFIABLE, 0.2)
    assert with_sentence_verdict(PART, own, verdict(CONTRADICTED, 0.6)) is own


def test_a_part_whose_name_or_number_the_evidence_lacks_keeps_its_own_verdict() -> None:
    evidence = "The Amazon, the largest rainforest, covers much of Brazil and Peru."
    sentence = verdict(SUPPORTED, 0.8, evidence)
    own = verdict(UNVERIFIABLE, 0.3, evidence)
    assert with_sentence_verdict("The Amazon lies mostly in Africa.", own, sentence) is own
    assert with_sentence_verdict("The Amazon covers 40 percent of Peru.", own, sentence) is own
    inherited = with_sentence_verdict("The Amazon covers much of Peru.", own, sentence)
    assert inherited.decided_by == DECIDED_BY_SENTENCE


def test_a_supported_part_is_never_downgraded() -> None:
    own = verdict(SUPPORTED, 0.6)
    assert with_sentence_verdict(PART, own, verdict(UNVERIFIABLE, 0.65)) is own


class SplitExtractor:
    """Two parts of one sentence, as the spaCy extractor gives them."""

    version = "split/1"

    def extract(self, answer: str, question: str = "") -> list[Claim]:
        return [
            Claim(PART, 0, 26, sentence=answer),
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
            says_it = Passage("curie", "Curie, born in Warsaw, won two Nobel prizes.", 0, 44)
            return Verdict(SUPPORTED, 0.9, [says_it], 0)
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
