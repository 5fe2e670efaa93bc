"""Embedding-similarity verifiers: the cosine baseline and cosine plus grounding checks.

``CosineVerifier`` is the baseline every trained verifier is measured against: a claim is
SUPPORTED when a passage says nearly the same thing (cosine similarity of all-MiniLM-L6-v2
embeddings) and never CONTRADICTED; it squashes the similarity with a fixed, uncalibrated
logistic curve. ``GroundingVerifier`` maps the similarity to a probability with a curve fitted
on labelled claim/evidence pairs (training/calibrate_similarity.py) and adds two grounding
checks: a closely related passage (by the hand-set curve) that gives another number of the same
kind, or the opposite polarity, contradicts the claim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

import numpy as np

from retrieval.types import Passage
from service.stages import Thresholds
from service.types import Claim, SupportLabel, Verdict

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
# Identifiers hold digits that are not quantities (DOIs, URLs, arXiv ids).
_IDENTIFIER = re.compile(r"\b(?:https?://|www\.|doi:|arxiv:)\S+|\b10\.\d{4,9}/\S+", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|cannot)\b|n't\b", re.I)
# A passage must be at least this similar before its disagreement counts as a contradiction.
_RELATED = 0.55
_NEGATION_RELATED = 0.72


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Curve:
    """A logistic curve from cosine similarity to a support score: 0.5 at ``midpoint``."""

    midpoint: float
    slope: float

    def __call__(self, similarity: float) -> float:
        return float(self.over(np.asarray(similarity)))

    def over(self, similarities: np.ndarray) -> np.ndarray:
        """The curve at each of ``similarities``."""
        curve: np.ndarray = 1.0 / (1.0 + np.exp(-self.slope * (similarities - self.midpoint)))
        return curve

    @classmethod
    def fitted(cls) -> Curve:
        """The curve fitted on labelled pairs and shipped in service/models."""
        path = resources.files("service") / "models" / "similarity_calibration.json"
        fit = json.loads(path.read_text("utf-8"))
        return cls(midpoint=float(fit["midpoint"]), slope=float(fit["slope"]))


#: The skeleton's hand-set curve, kept for the baseline so that it stays comparable.
UNCALIBRATED = Curve(midpoint=0.62, slope=14.0)


class CosineVerifier:
    """Support from similarity alone; the baseline."""

    version = "cosine-v0"

    def __init__(
        self,
        encoder: Encoder,
        curve: Curve = UNCALIBRATED,
        supported_threshold: float = 0.5,
        contradicted_threshold: float = 0.5,
    ) -> None:
        self.encoder = encoder
        self.curve = curve
        self.supported_threshold = supported_threshold
        self.contradicted_threshold = contradicted_threshold

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        if not evidence:
            return Verdict(SupportLabel.UNVERIFIABLE, 0.0, [], None)
        similarity = self._similarity(claim, evidence)
        best = int(np.argmax(similarity))
        support = self.curve(float(similarity[best]))
        supported_at, _ = thresholds.or_defaults(self.supported_threshold, 1.0)
        if support >= supported_at:
            return Verdict(SupportLabel.SUPPORTED, support, list(evidence), best)
        return Verdict(SupportLabel.UNVERIFIABLE, support, list(evidence), None)

    def _similarity(self, claim: Claim, evidence: Sequence[Passage]) -> np.ndarray:
        return similarities(self.encoder, claim, evidence)


class GroundingVerifier(CosineVerifier):
    """Cosine support, plus contradiction from disagreeing numbers or polarity."""

    version = "cosine-grounding-v1"

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        if not evidence:
            return Verdict(SupportLabel.UNVERIFIABLE, 0.0, [], None)
        similarity = self._similarity(claim, evidence)
        supported_at, contradicted_at = thresholds.or_defaults(
            self.supported_threshold, self.contradicted_threshold
        )
        conflicting = [
            disagrees(claim.text, passage.text, float(similarity[i]))
            for i, passage in enumerate(evidence)
        ]
        # Support first: a passage that agrees outweighs a sibling window that disagrees.
        agreeing = [i for i, conflict in enumerate(conflicting) if not conflict]
        support = 0.0
        if agreeing:
            best = max(agreeing, key=lambda i: float(similarity[i]))
            support = self.curve(float(similarity[best]))
            if support >= supported_at:
                return Verdict(SupportLabel.SUPPORTED, support, list(evidence), best)
        conflicts = [i for i, conflict in enumerate(conflicting) if conflict]
        if conflicts:
            worst = max(conflicts, key=lambda i: float(similarity[i]))
            # How related the disagreeing passage is decides a contradiction; the fitted curve
            # measures support, which a disagreeing passage does not give.
            contradiction = UNCALIBRATED(float(similarity[worst]))
            if contradiction >= contradicted_at:
                return Verdict(
                    SupportLabel.CONTRADICTED, 1.0 - contradiction, list(evidence), worst
                )
        return Verdict(SupportLabel.UNVERIFIABLE, support, list(evidence), None)


def similarities(encoder: Encoder, claim: Claim, evidence: Sequence[Passage]) -> np.ndarray:
    """Cosine of the claim and each passage: the search's own when every passage carries it
    (the claim was the query), else from embedding them here."""
    carried = [p.similarity for p in evidence]
    if all(s is not None for s in carried):
        return np.array(carried, dtype=np.float32)
    claim_vector, passage_vectors = embeddings(encoder, claim, evidence)
    similarity: np.ndarray = passage_vectors @ claim_vector
    return similarity


def embeddings(
    encoder: Encoder, claim: Claim, evidence: Sequence[Passage]
) -> tuple[np.ndarray, np.ndarray]:
    """The claim's unit vector and each passage's: the search's own where a passage carries
    it, else embedded here, all in one ``encode`` call."""
    missing = [p.text for p in evidence if p.vector is None]
    vectors = encoder.encode([claim.text, *missing])
    fresh = iter(vectors[1:])
    passages = np.stack([p.vector if p.vector is not None else next(fresh) for p in evidence])
    return vectors[0], passages


def disagrees(claim: str, passage: str, similarity: float) -> bool:
    """True when a related passage states different numbers or the opposite polarity."""
    if similarity < _RELATED:
        return False
    claim_numbers = _numbers(claim)
    passage_numbers = _numbers(passage)
    only_claim = claim_numbers - passage_numbers
    only_passage = passage_numbers - claim_numbers
    # A number the passage lacks is a conflict only if the passage gives another of its kind
    # (a year for a year): a passage that is silent on the year does not contradict it.
    if {_is_year(n) for n in only_claim} & {_is_year(n) for n in only_passage}:
        return True
    if similarity < _NEGATION_RELATED:
        return False
    return bool(_NEGATION.search(claim)) != bool(_NEGATION.search(passage))


def _numbers(text: str) -> set[str]:
    quantities = _IDENTIFIER.sub(" ", text)
    return {m.group().replace(",", "") for m in _NUMBER.finditer(quantities)}


def _is_year(number: str) -> bool:
    return number.isdigit() and len(number) == 4 and 1000 <= int(number) <= 2100
