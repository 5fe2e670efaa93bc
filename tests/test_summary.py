"""Answer-level aggregation of claim verdicts and citation statuses."""

from __future__ import annotations

from service.pipeline.summary import summarize
from service.types import (
    Citation,
    CitationKind,
    CitationStatus,
    Claim,
    ClaimResult,
    SupportLabel,
    Verdict,
)


def _claim(index: int, label: SupportLabel | None) -> ClaimResult:
    claim = Claim(f"claim {index}", 0, 7, checkable=label is not None)
    verdict = None if label is None else Verdict(label, 0.5, [])
    return ClaimResult(index, claim, verdict)


def _citation(status: CitationStatus) -> Citation:
    return Citation("doi:10.1/x", 0, 10, CitationKind.DOI, "10.1/x", status)


def test_one_contradicted_claim_makes_the_answer_contradicted() -> None:
    claims = [
        _claim(0, SupportLabel.SUPPORTED),
        _claim(1, SupportLabel.CONTRADICTED),
        _claim(2, None),
    ]
    summary = summarize(claims, [])
    assert summary.answer_label is SupportLabel.CONTRADICTED
    assert (summary.claims_total, summary.checkable, summary.not_checkable) == (3, 2, 1)
    assert summary.factual_precision == 0.5


def test_supported_only_when_every_checkable_claim_is() -> None:
    both = [_claim(0, SupportLabel.SUPPORTED), _claim(1, SupportLabel.SUPPORTED), _claim(2, None)]
    assert summarize(both, []).answer_label is SupportLabel.SUPPORTED
    mixed = [_claim(0, SupportLabel.SUPPORTED), _claim(1, SupportLabel.UNVERIFIABLE)]
    assert summarize(mixed, []).answer_label is SupportLabel.UNVERIFIABLE


def test_nothing_checkable_has_no_label_and_zero_precision() -> None:
    summary = summarize([_claim(0, None)], [])
    assert summary.answer_label is None
    assert summary.factual_precision == 0.0


def test_fabricated_citations_count_not_found_and_mismatched_only() -> None:
    citations = [_citation(s) for s in CitationStatus]
    summary = summarize([], citations)
    assert summary.citations_total == len(CitationStatus)
    assert summary.fabricated_citations == 2


def test_unsupported_claims_are_counted_apart_by_assertiveness() -> None:
    from service.types import Assertiveness

    def result(index: int, label: SupportLabel, hedged: bool) -> ClaimResult:
        level = Assertiveness.HEDGED if hedged else Assertiveness.ASSERTED
        claim = Claim(f"claim {index}", 0, 7, assertiveness=level)
        return ClaimResult(index, claim, Verdict(label, 0.5, []))

    claims = [
        result(0, SupportLabel.SUPPORTED, hedged=True),
        result(1, SupportLabel.CONTRADICTED, hedged=False),
        result(2, SupportLabel.UNVERIFIABLE, hedged=False),
        result(3, SupportLabel.UNVERIFIABLE, hedged=True),
        _claim(4, None),
    ]
    summary = summarize(claims, [])
    assert (summary.unsupported_asserted, summary.unsupported_hedged) == (2, 1)
