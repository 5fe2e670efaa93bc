"""Grounding signals of one claim against one passage, as a fixed-length feature vector.

A claim is supported when a passage says it, and similarity alone cannot tell "says it" from
"is about it". These signals measure what similarity misses: how much of the claim's content
the passage covers (words, word pairs, names, numbers), and whether the passage disagrees
(another number of the same kind, the opposite polarity, an antonym). They are cheap (regex,
a stemmer, set arithmetic) so that every retrieved passage of every claim can be scored; the
learned combiner in service.verification.signal_verifier weighs them.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import snowballstemmer
from rapidfuzz import fuzz
from spacy.lang.en.stop_words import STOP_WORDS

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d+(?:[.,]\d+)*%?")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
# Identifiers hold digits that are not quantities (DOIs, URLs, arXiv ids).
_IDENTIFIER = re.compile(r"\b(?:https?://|www\.|doi:|arxiv:)\S+|\b10\.\d{4,9}/\S+", re.I)
_NEGATION = frozenset(
    {"not", "no", "never", "none", "neither", "nor", "cannot", "without", "nothing", "nobody"}
)
_NUMBER_WORDS = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "thousand",
        "million",
        "billion",
        "trillion",
        "half",
        "third",
        "quarter",
    ]
)
# Stop words that still carry the claim's meaning: polarity, quantity and comparison.
_KEPT = _NEGATION | _NUMBER_WORDS | {"more", "less", "most", "least", "only", "all", "few"}
_STOP = frozenset(w for w in STOP_WORDS if w not in _KEPT)

# Pairs of opposites whose swap turns a supported claim into a contradicted one.
_ANTONYM_PAIRS = (
    ("increase", "decrease"), ("increase", "reduce"), ("rise", "fall"), ("rise", "decline"),
    ("grow", "shrink"), ("higher", "lower"), ("more", "less"), ("more", "fewer"),
    ("larger", "smaller"), ("bigger", "smaller"), ("greater", "smaller"), ("above", "below"),
    ("warm", "cool"), ("warmer", "cooler"), ("warming", "cooling"), ("hot", "cold"),
    ("positive", "negative"), ("gain", "loss"), ("win", "lose"), ("won", "lost"),
    ("before", "after"), ("first", "last"), ("maximum", "minimum"), ("most", "least"),
    ("true", "false"), ("accept", "reject"), ("allow", "forbid"), ("allow", "prohibit"),
    ("include", "exclude"), ("success", "failure"), ("safe", "dangerous"), ("alive", "dead"),
    ("born", "died"), ("open", "closed"), ("north", "south"), ("east", "west"),
    ("male", "female"), ("man", "woman"), ("boy", "girl"), ("young", "old"), ("new", "old"),
    ("early", "late"), ("long", "short"), ("fast", "slow"), ("high", "low"), ("strong", "weak"),
    ("rich", "poor"), ("always", "never"), ("all", "none"), ("increased", "decreased"),
    ("expand", "contract"), ("accelerate", "slow"), ("benefit", "harm"),
    ("effective", "ineffective"),
    ("cause", "prevent"), ("support", "oppose"), ("agree", "disagree"), ("same", "different"),
    ("inside", "outside"), ("up", "down"), ("majority", "minority"), ("import", "export"),
)  # fmt: skip

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def _antonyms() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for a, b in _ANTONYM_PAIRS:
        table.setdefault(_stem(a), set()).add(_stem(b))
        table.setdefault(_stem(b), set()).add(_stem(a))
    return {word: frozenset(opposites) for word, opposites in table.items()}


_ANTONYMS = _antonyms()


@dataclass(frozen=True)
class TextSignals:
    """What the signals need of one text, computed once per text."""

    content: frozenset[str]  # stems of content words
    bigrams: frozenset[tuple[str, str]]  # consecutive content stems
    names: frozenset[str]  # lower-cased capitalised words not opening a sentence
    numbers: frozenset[str]
    negated: bool
    words: frozenset[str]  # every word, lower-cased
    stems: frozenset[str]  # every word's stem, stop words included

    @classmethod
    def of(cls, text: str) -> TextSignals:
        words = _WORD.findall(text)
        content = [_stem(w.lower()) for w in words if w.lower() not in _STOP]
        names = {
            w.lower()
            for i, w in enumerate(words)
            if w[0].isupper() and i > 0 and words[i - 1] not in {".", "!", "?"}
        }
        lowered = {w.lower() for w in words}
        return cls(
            content=frozenset(content),
            bigrams=frozenset(itertools.pairwise(content)),
            names=frozenset(names - STOP_WORDS),
            numbers=_numbers(text),
            negated=bool(lowered & _NEGATION) or "n't" in text,
            words=frozenset(lowered),
            stems=frozenset(_stem(w) for w in lowered),
        )


@lru_cache(maxsize=16384)
def text_signals(text: str) -> TextSignals:
    """TextSignals of ``text``, cached: one passage is compared with many claims."""
    return TextSignals.of(text)


FEATURE_NAMES: tuple[str, ...] = (
    "similarity",
    "content_coverage",
    "bigram_coverage",
    "uncovered_content",
    "name_coverage",
    "claim_has_names",
    "number_coverage",
    "claim_has_numbers",
    "number_conflict",
    "negation_mismatch",
    "antonym_conflict",
    "token_set_ratio",
    "partial_ratio",
    "claim_length",
    "passage_length",
)


def pair_features(claim: str, passage: str, similarity: float) -> np.ndarray:
    """The signals of ``claim`` against ``passage``, in FEATURE_NAMES order."""
    c, p = text_signals(claim), text_signals(passage)
    covered = c.content & p.content
    only_claim = c.numbers - p.numbers
    only_passage = p.numbers - c.numbers
    number_conflict = bool({_is_year(n) for n in only_claim} & {_is_year(n) for n in only_passage})
    antonym = any(
        (_ANTONYMS.get(stem, frozenset()) & p.stems) and stem not in p.stems for stem in c.stems
    )
    return np.array(
        [
            similarity,
            _share(covered, c.content),
            _share(c.bigrams & p.bigrams, c.bigrams),
            math.log1p(len(c.content - p.content)),
            _share(c.names & p.words, c.names),
            float(bool(c.names)),
            _share(c.numbers & p.numbers, c.numbers),
            float(bool(c.numbers)),
            float(number_conflict),
            float(c.negated != p.negated),
            float(antonym),
            fuzz.token_set_ratio(claim.lower(), passage.lower()) / 100.0,
            fuzz.partial_ratio(claim.lower(), passage.lower()) / 100.0,
            math.log1p(len(c.content)),
            math.log1p(len(p.content)),
        ],
        dtype=np.float32,
    )


def _share(part: frozenset[object] | set[object], whole: frozenset[object]) -> float:
    """|part| / |whole|, 1.0 when ``whole`` is empty (nothing to cover is fully covered)."""
    return len(part) / len(whole) if whole else 1.0


def _numbers(text: str) -> frozenset[str]:
    quantities = _IDENTIFIER.sub(" ", text)
    return frozenset(m.group().replace(",", "") for m in _NUMBER.finditer(quantities))


def _is_year(number: str) -> bool:
    return number.isdigit() and len(number) == 4 and 1000 <= int(number) <= 2100
