"""Claim extraction: exact spans, markdown handling, checkability."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.claims import SentenceClaimExtractor, not_checkable_reason


@pytest.fixture(scope="module")
def extractor() -> SentenceClaimExtractor:
    return SentenceClaimExtractor()


def test_sentences_become_claims_with_exact_spans(extractor: SentenceClaimExtractor) -> None:
    answer = "Marie Curie won two Nobel Prizes.  She was born in Warsaw in 1867."
    claims = extractor.extract(answer)
    assert [c.text for c in claims] == [
        "Marie Curie won two Nobel Prizes.",
        "She was born in Warsaw in 1867.",
    ]
    for claim in claims:
        assert answer[claim.start : claim.end] == claim.text
        assert claim.checkable


def test_markdown_markers_are_outside_spans_and_code_is_skipped(
    extractor: SentenceClaimExtractor,
) -> None:
    answer = (
        "## Facts\n"
        "- Water boils at 100 degrees Celsius at sea level.\n"
        "2. The Moon orbits the Earth.\n"
        "> Light travels faster than sound.\n"
        "```python\nprint('Paris is in Spain.')\n```\n"
    )
    claims = extractor.extract(answer)
    texts = [c.text for c in claims]
    assert texts == [
        "Facts",
        "Water boils at 100 degrees Celsius at sea level.",
        "The Moon orbits the Earth.",
        "Light travels faster than sound.",
    ]
    assert claims[0].not_checkable_reason == "heading"
    assert all(answer[c.start : c.end] == c.text for c in claims)


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("What else would you like to know?", "question"),
        ("As an AI language model, I cannot verify that.", "statement about the assistant"),
        ("Hello!", "greeting"),
        ("Paris is the capital of France.", ""),
    ],
)
def test_checkability(sentence: str, reason: str) -> None:
    assert not_checkable_reason(sentence) == reason


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_spans_that_map_back(text: str) -> None:
    extractor = _shared_extractor()
    for claim in extractor.extract(text):
        assert 0 <= claim.start < claim.end <= len(text)
        assert text[claim.start : claim.end] == claim.text
        assert claim.text == claim.text.strip()


_EXTRACTOR = SentenceClaimExtractor()


def _shared_extractor() -> SentenceClaimExtractor:
    # Hypothesis forbids function-scoped fixtures in @given tests; spaCy loads once here.
    return _EXTRACTOR
