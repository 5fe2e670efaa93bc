"""Checkability: does a sentence or claim state something evidence could support?

Questions, greetings and pleasantries, statements about the assistant, instructions, advice
and opinions are kept (so the answer is fully accounted for) but marked not checkable with a
reason; they never count as hallucinations.
"""

from __future__ import annotations

import re

from spacy.tokens import Token

_GREETING = re.compile(
    r"^(hi|hello|hey|thanks|thank you|sure|certainly|of course|great question|glad to help"
    r"|good question|absolutely|happy to help)\b",
    re.I,
)
_PLEASANTRY = re.compile(
    r"\b(hope (this|that) helps|let me know|feel free|happy to help|glad (i|to) (could )?help"
    r"|have a (great|nice|good) day)\b",
    re.I,
)
_META = re.compile(
    r"\b(as an ai|i am an ai|i'm an ai|language model|i cannot browse|i can't browse"
    r"|i don't have access|i do not have access|my knowledge cutoff|my training data"
    r"|my last (update|training)|i (cannot|can't|am unable to|am not able to) (provide|verify"
    r"|confirm|access|give)|here (is|are) (a|an|some|the)\b|here's (a|an|some|the)\b"
    r"|in summary|to summari[sz]e|in conclusion)",
    re.I,
)
_ADVICE = re.compile(
    r"\b((you|one|we) (should|ought to|must|need to|may want to|might want to|could try)"
    r"|(it is|it's) (recommended|advisable|a good idea|best to|wise to|important to)"
    r"|make sure|be sure to|i (would )?(recommend|suggest|advise)|consider (consulting"
    r"|using|talking|checking|seeing|visiting|reading))\b",
    re.I,
)
_OPINION = re.compile(
    r"\b(in my (opinion|view)|personally|i (really )?(love|like|prefer|enjoy|adore)"
    r"|worth (visiting|a visit|seeing|reading|watching)|must-see"
    r"|beautiful|amazing|fascinating|wonderful|delicious|stunning|breathtaking|lovely"
    r"|awesome|incredible|charming|boring|overrated|underrated|impressive|gorgeous"
    r"|interesting|remarkable|magnificent|brilliant|terrible|awful)\b",
    re.I,
)
_IMPERATIVE = re.compile(
    r"^(note|remember|keep in mind|try|click|visit|check|see|use|open|go|install|run|add"
    r"|make|let's|preheat|mix|stir|avoid|don't|do not|please|ask|read|follow)\b",
    re.I,
)


def not_checkable_reason(text: str, root: Token | None = None) -> str:
    """Why ``text`` states nothing evidence could support; empty if it does.

    ``root``, the parsed sentence's root when there is one, finds imperatives beyond the
    word list: a bare verb with no subject that opens the sentence.
    """
    stripped = text.strip()
    if stripped.endswith("?"):
        return "question"
    if _META.search(stripped):
        return "statement about the assistant"
    if (_GREETING.match(stripped) and len(stripped.split()) <= 6) or _PLEASANTRY.search(stripped):
        return "greeting"
    if not any(ch.isalpha() for ch in stripped):
        return "no words"
    if _ADVICE.search(stripped):
        return "advice"
    if _is_instruction(stripped, root):
        return "instruction"
    if _opinion(stripped):
        return "opinion"
    return ""


def _is_instruction(text: str, root: Token | None) -> bool:
    if root is None:
        return bool(_IMPERATIVE.match(text))
    first = next((t for t in root.sent if not t.is_punct and not t.is_space), None)
    has_subject = any(c.dep_ in {"nsubj", "nsubjpass", "expl"} for c in root.children)
    return root.tag_ == "VB" and first is root and not has_subject


def _opinion(text: str) -> bool:
    """An evaluative word used as a common word: "a beautiful city", not "Great Barrier"."""
    for match in _OPINION.finditer(text):
        if match.start() == 0 or not match.group()[0].isupper():
            return True
    return False
