"""A claim while it is being built: words in order, each tied to the parsed token it came from.

Decomposition picks tokens, decontextualisation substitutes words for some of them, and the
extractor finally renders the text and maps the source tokens back to answer spans. Keeping
the token on every piece is what lets a rewritten claim still point at exact answer text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Token

_NO_SPACE_BEFORE = frozenset(
    {",", ".", ";", ":", "!", "?", ")", "]", "%", "'s", "\u2019s", "'", "n't"}
)
_NO_SPACE_AFTER = frozenset({"(", "[", "$", "£", "€"})
_SEPARATORS = frozenset(
    {",", ";", ":", "-", "\u2013", "\u2014", "and", "but", "or", "while", "whereas"}
)


@dataclass(frozen=True)
class Piece:
    """One word of a claim; ``token`` is None for a word the extractor inserted ("was").

    ``also`` is a further source token the word stands for ("the" of "the company" when both
    are rewritten as "Apple"), so the claim's spans still cover it.
    """

    text: str
    token: Token | None = None
    also: Token | None = None


@dataclass
class Draft:
    """The words of one claim and what the later stages need to know about it.

    ``subjectless`` marks a predicate with no subject of its own (a list-item fragment such as
    "Born in Warsaw in 1867"), which decontextualisation completes with the topic entity.
    """

    pieces: list[Piece]
    subjectless: bool = False
    hedge_tokens: list[Token] = field(default_factory=list)

    @classmethod
    def of(cls, tokens: list[Token], subjectless: bool = False) -> Draft:
        return cls([Piece(t.text, t) for t in sorted(tokens, key=lambda t: t.i)], subjectless)


def tidy(pieces: list[Piece]) -> list[Piece]:
    """Drop separators left dangling at the edges or doubled by removals, unbalanced or empty
    brackets, and a sentence's full stop that no longer follows the word it ended."""
    out: list[Piece] = []
    for piece in pieces:
        if piece.text in _SEPARATORS and (not out or out[-1].text in _SEPARATORS | {"("}):
            continue
        if piece.text == ")" and out and out[-1].text == "(":
            out.pop()
            continue
        out.append(piece)
    while out and out[-1].text in _SEPARATORS | {"(", '"'}:
        out.pop()
    if sum(p.text == "(" for p in out) != sum(p.text == ")" for p in out):
        out = [p for p in out if p.text not in {"(", ")"}]
    if len(out) > 1 and out[-1].text in {".", "!"} and not _follows(out[-2], out[-1]):
        out.pop()
    return out


def render(pieces: list[Piece]) -> str:
    """The claim text: original spacing between neighbouring tokens, one space elsewhere,
    a capital first letter and a final full stop."""
    parts: list[str] = []
    for i, piece in enumerate(pieces):
        if i:
            prev = pieces[i - 1]
            if _follows(prev, piece):
                assert prev.token is not None
                parts.append(prev.token.whitespace_)
            elif piece.text not in _NO_SPACE_BEFORE and prev.text not in _NO_SPACE_AFTER:
                parts.append(" ")
        parts.append(piece.text)
    text = "".join(parts).strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    if text[-1] not in ".!?":
        text += "."
    return text


def _follows(prev: Piece, piece: Piece) -> bool:
    return (
        prev.token is not None
        and piece.token is not None
        and piece.token.i == prev.token.i + 1
        and prev.text == prev.token.text
        and piece.text == piece.token.text
    )
