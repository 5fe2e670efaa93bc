"""Claim extraction by an LLM, when one is configured, with the offline extractor behind it.

The LLM is asked for strict JSON: each claim's standalone text and the exact answer text it
came from. Its output is never trusted as is: the JSON must have the expected shape, and every
source must be found in the answer (exactly, else ignoring case and spacing), because spans
are the contract. Any failure (unreachable endpoint, timeout, malformed or unanchored reply)
falls back to the offline extractor for that answer, so a check never fails because of it.
"""

from __future__ import annotations

import logging
import re

from service.claims.checkability import not_checkable_reason
from service.claims.hedging import assertiveness, hedge_cues, words_of
from service.llm import ChatClient, LLMError, reply_json
from service.stages import ClaimExtractor
from service.types import Claim

log = logging.getLogger(__name__)

_SYSTEM = """You split an assistant's answer into atomic, standalone factual claims.
Rules:
- One fact per claim; split coordinated clauses, predicates, objects, appositions and
  non-restrictive relative clauses into separate claims.
- Replace pronouns and definite references ("she", "the company") with the entity they mean,
  using the answer and the question, so that each claim can be checked alone.
- A short answer to a question becomes one declarative sentence that includes the question's
  content.
- Keep questions, greetings, statements about the assistant, instructions, opinions and
  advice as claims with "checkable": false and a short "reason".
- Ignore code blocks.
- "source" lists the exact substrings of the answer the claim was built from, copied verbatim.
Reply with JSON only: {"claims": [{"text": str, "source": [str, ...], "checkable": bool,
"reason": str}]}"""


class ExtractionError(ValueError):
    """The LLM's reply is not a usable claim list."""


class LLMClaimExtractor:
    """Asks the endpoint for claims; on any failure, answers with ``fallback``."""

    def __init__(self, client: ChatClient, fallback: ClaimExtractor) -> None:
        self.client = client
        self.fallback = fallback
        self.version = f"llm-claims-v1:{client.model or 'default'}+{fallback.version}"

    def extract(self, answer: str, question: str = "") -> list[Claim]:
        user = f"Question: {question}\n\nAnswer:\n{answer}" if question else f"Answer:\n{answer}"
        messages = [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]
        try:
            reply = self.client.complete(messages, json_object=True)
            return parse_claims(reply, answer)
        except (LLMError, ExtractionError) as exc:
            log.warning("LLM claim extraction failed, using %s: %s", self.fallback.version, exc)
            return self.fallback.extract(answer, question)


def parse_claims(reply: str, answer: str) -> list[Claim]:
    """Claims from the LLM's JSON reply, every source re-anchored in ``answer``.

    Raises ExtractionError for anything but the documented shape, or a source not in the
    answer.
    """
    try:
        payload = reply_json(reply)
    except ValueError as exc:
        raise ExtractionError(str(exc)) from None
    items = payload.get("claims") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise ExtractionError('the reply has no "claims" list')
    claims = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise ExtractionError(f"claim {n} is not an object")
        text, sources = item.get("text"), item.get("source")
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(text, str) or not text.strip():
            raise ExtractionError(f"claim {n} has no text")
        if (
            not isinstance(sources, list)
            or not sources
            or not all(isinstance(s, str) for s in sources)
        ):
            raise ExtractionError(f"claim {n} has no source strings")
        spans = sorted(_anchor(source, answer, n) for source in sources)
        checkable = item.get("checkable", True)
        if not isinstance(checkable, bool):
            raise ExtractionError(f"claim {n}: checkable is not a boolean")
        reason = str(item.get("reason") or "") if not checkable else ""
        reason = reason or ("" if checkable else "not checkable")
        cues = hedge_cues(words_of(" ".join(answer[s:e] for s, e in spans)))
        claims.append(
            Claim(
                text.strip(),
                spans[0][0],
                spans[-1][1],
                checkable=checkable and not not_checkable_reason(text),
                not_checkable_reason=reason or not_checkable_reason(text),
                spans=tuple(spans),
                assertiveness=assertiveness(cues),
                hedge_cues=tuple(dict.fromkeys(cues)),
            )
        )
    return claims


def _anchor(source: str, answer: str, n: int) -> tuple[int, int]:
    """Where ``source`` is in the answer: verbatim, else with case and spacing ignored."""
    source = source.strip()
    if not source:
        raise ExtractionError(f"claim {n} has an empty source")
    at = answer.find(source)
    if at >= 0:
        return at, at + len(source)
    words = words_of(source)
    if words:
        pattern = r"\W+".join(re.escape(w) for w in words)
        match = re.search(pattern, answer, re.I)
        if match:
            return match.start(), match.end()
    raise ExtractionError(f"claim {n}: source {source[:60]!r} is not in the answer")
