"""Claim extraction: an answer -> atomic, standalone claims with exact answer spans.

``SpacyClaimExtractor`` is the offline extractor; ``LLMClaimExtractor`` asks an
OpenAI-compatible endpoint when one is configured and falls back to the offline one.
"""

from __future__ import annotations

from service.claims.checkability import not_checkable_reason
from service.claims.extractor import SpacyClaimExtractor
from service.config import LLMSettings
from service.stages import ClaimExtractor


def make_extractor(llm: LLMSettings) -> ClaimExtractor:
    """The LLM extractor over the offline one when an endpoint is configured, else offline."""
    offline = SpacyClaimExtractor()
    if not llm.url:
        return offline
    from service.claims.llm_extractor import LLMClaimExtractor
    from service.llm import ChatClient

    return LLMClaimExtractor(ChatClient(llm), fallback=offline)


__all__ = ["SpacyClaimExtractor", "make_extractor", "not_checkable_reason"]
