"""Aggregate per-claim verdicts and per-citation statuses into an answer-level summary."""

from __future__ import annotations

from collections.abc import Sequence

from service.types import (
    FABRICATED_STATUSES,
    Assertiveness,
    Citation,
    ClaimResult,
    Summary,
    SupportLabel,
)


def summarize(claims: Sequence[ClaimResult], citations: Sequence[Citation]) -> Summary:
    """Count labels and derive the answer's label.

    One contradicted claim makes the whole answer CONTRADICTED; the answer is SUPPORTED only
    when every checkable claim is; with no checkable claim the answer has no label. Unsupported
    (contradicted or unverifiable) claims are also counted by assertiveness, so a confident
    hallucination is told apart from an uncertainty the answer admitted.
    """
    labels = [c.verdict.label for c in claims if c.verdict is not None]
    unsupported = [
        c.claim.assertiveness
        for c in claims
        if c.verdict is not None and c.verdict.label is not SupportLabel.SUPPORTED
    ]
    checkable = len(labels)
    supported = labels.count(SupportLabel.SUPPORTED)
    contradicted = labels.count(SupportLabel.CONTRADICTED)
    answer_label: SupportLabel | None
    if contradicted:
        answer_label = SupportLabel.CONTRADICTED
    elif checkable and supported == checkable:
        answer_label = SupportLabel.SUPPORTED
    elif checkable:
        answer_label = SupportLabel.UNVERIFIABLE
    else:
        answer_label = None
    return Summary(
        claims_total=len(claims),
        checkable=checkable,
        supported=supported,
        contradicted=contradicted,
        unverifiable=labels.count(SupportLabel.UNVERIFIABLE),
        not_checkable=len(claims) - checkable,
        factual_precision=supported / checkable if checkable else 0.0,
        citations_total=len(citations),
        # An inline mention repeats its reference entry's verdict: count each work once.
        fabricated_citations=sum(
            c.status in FABRICATED_STATUSES and not c.linked_reference for c in citations
        ),
        answer_label=answer_label,
        unsupported_asserted=unsupported.count(Assertiveness.ASSERTED),
        unsupported_hedged=unsupported.count(Assertiveness.HEDGED),
    )
