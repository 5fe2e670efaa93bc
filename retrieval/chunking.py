"""Splitting a document into overlapping passages of whole sentences, with exact spans.

Every passage keeps its ``[start, end)`` character span into the document, so that evidence can
be highlighted in the original text: ``text[start:end] == chunk.text`` always holds, and a span
never starts or ends with whitespace. The sentence splitter is a regex rather than a parser
because it runs on every stored document and on every request's context documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? (or an ellipsis) plus any closing quotes/brackets, followed by
# whitespace and something that can start a sentence; a blank line always ends one.
_BOUNDARY = re.compile(
    r"""(?<=[.!?\u2026])(?P<close>["'\u201d\u2019)\]]*)\s+"""
    r"""(?=["'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u00dd])"""
    r"|\n[ \t]*\n\s*",
)
# Words whose trailing period rarely ends a sentence.
_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e"),
        *("cf", "fig", "no", "vol", "pp", "approx", "inc", "ltd", "co", "corp"),
    }
)
_LAST_WORD = re.compile(r"(\S+)\.\W*$")
_NON_SPACE = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    """One passage: ``text`` is exactly ``document_text[start:end]``."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[tuple[int, int]]:
    """The ``[start, end)`` spans of the sentences of ``text``, without surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        close = boundary.end("close")  # -1 for a blank line
        if close >= 0 and _ends_with_abbreviation(text[start : boundary.start()]):
            continue
        spans.extend(_strip(text, start, max(close, boundary.start())))
        start = boundary.end()
    spans.extend(_strip(text, start, len(text)))
    return spans


def chunk_text(text: str, window: int = 3, stride: int = 2, max_chars: int = 1000) -> list[Chunk]:
    """Windows of ``window`` sentences, starting every ``stride`` sentences.

    A window is shortened when it would exceed ``max_chars``, and then the next window starts
    right after it so that no sentence is skipped; a sentence longer than ``max_chars`` is cut at
    whitespace (or, for one huge token, anywhere) into pieces of at most ``max_chars``.
    """
    if window < 1 or stride < 1 or stride > window or max_chars < 1:
        raise ValueError("need 1 <= stride <= window and max_chars >= 1")
    units = [piece for s, e in split_sentences(text) for piece in _cap(text, s, e, max_chars)]
    chunks: list[Chunk] = []
    first = 0
    while first < len(units):
        last = first
        while (
            last + 1 < len(units)
            and last + 1 - first < window
            and units[last + 1][1] - units[first][0] <= max_chars
        ):
            last += 1
        start, end = units[first][0], units[last][1]
        chunks.append(Chunk(start, end, text[start:end]))
        if last == len(units) - 1:
            break
        first += min(stride, last - first + 1)
    return chunks


def _ends_with_abbreviation(sentence: str) -> bool:
    """Whether ``sentence`` ends with a known abbreviation or a single initial ("J.")."""
    match = _LAST_WORD.search(sentence)
    if match is None:
        return False
    word = match.group(1).lower().lstrip("(\"'")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _strip(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span with surrounding whitespace removed; nothing when it is all whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if start < end else []


def _cap(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split the span ``[start, end)`` at whitespace into pieces of at most ``max_chars``."""
    if end - start <= max_chars:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = piece_end = -1
    for token in _NON_SPACE.finditer(text, start, end):
        t_start, t_end = token.span()
        if piece_start >= 0 and t_end - piece_start <= max_chars:
            piece_end = t_end
            continue
        if piece_start >= 0:
            pieces.append((piece_start, piece_end))
        # A token longer than max_chars on its own is cut into max_chars slices.
        while t_end - t_start > max_chars:
            pieces.append((t_start, t_start + max_chars))
            t_start += max_chars
        piece_start, piece_end = t_start, t_end
    pieces.append((piece_start, piece_end))
    return pieces
