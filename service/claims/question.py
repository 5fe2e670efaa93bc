"""Short answers: "First for Women" to "Which magazine was started first, Arthur's Magazine or
First for Women?" is checkable only together with its question.

``declarative`` rewrites question + short answer as one statement with templates for the
usual question shapes (alternatives, wh-subject, wh-object with do-support, when/where,
how many/much, how + adjective, yes/no). When no template fits it still returns a statement
that carries both, so retrieval sees the question's words.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Token

_ALTERNATIVES = re.compile(r"^(?P<stem>.+?),\s*(?:either\s+)?(?P<a>.+?)\s+or\s+(?P<b>.+?)\s*\??$")
_BEFORE = {"first", "earlier", "sooner", "before"}
_AFTER = {"last", "later", "most recently", "second"}
_WH = {"who", "what", "which", "whose"}
_TIME_NOUNS = {"year", "month", "day", "date", "century", "decade", "time"}
_DO = {"do", "does", "did"}
_FINITE = {"VBD", "VBZ", "VBP", "MD"}
_NUMBER_WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "about", "around",
    "approximately", "roughly", "over", "under", "nearly", "almost", "more", "less",
}  # fmt: skip
_IRREGULAR_PAST = {
    "be": "was", "begin": "began", "build": "built", "buy": "bought", "come": "came",
    "do": "did", "draw": "drew", "drive": "drove", "eat": "ate", "fall": "fell",
    "find": "found", "fly": "flew", "get": "got", "give": "gave", "go": "went",
    "have": "had", "hold": "held", "know": "knew", "lead": "led", "leave": "left",
    "lose": "lost", "make": "made", "meet": "met", "pay": "paid", "put": "put",
    "run": "ran", "say": "said", "see": "saw", "sell": "sold", "send": "sent",
    "set": "set", "sing": "sang", "sit": "sat", "speak": "spoke", "spend": "spent",
    "stand": "stood", "take": "took", "teach": "taught", "tell": "told", "think": "thought",
    "win": "won", "write": "wrote", "become": "became", "bear": "bore", "grow": "grew",
    "rise": "rose", "shoot": "shot", "sink": "sank", "strike": "struck", "swim": "swam",
    "throw": "threw", "wear": "wore", "break": "broke", "choose": "chose", "hit": "hit",
}  # fmt: skip


def is_short_answer(doc: Doc) -> bool:
    """A fragment that says nothing without its question: no finite verb and at most 12
    words, or a bare yes/no."""
    words = [t for t in doc if not t.is_punct and not t.is_space]
    if not words or len(words) > 12:
        return False
    if words[0].lower_ in {"yes", "no"}:
        return len(words) <= 3 or words[1].is_punct
    return not any(t.tag_ in _FINITE for t in words)


def declarative(question: Doc, answer: str) -> str:
    """The statement that ``answer`` makes as a reply to ``question``."""
    answer = answer.strip().rstrip(".!")
    if answer.split() and answer.split()[0].lower() in _NUMBER_WORDS:
        answer = answer[0].lower() + answer[1:]
    statement = (
        _alternatives(question, answer)
        or _yes_no(question, answer)
        or _wh(question, answer)
        or f'The answer to "{question.text.strip()}" is {answer}'
    )
    statement = re.sub(r"\s+", " ", statement).strip()
    return statement[0].upper() + statement[1:] + "."


def _alternatives(question: Doc, answer: str) -> str | None:
    """ "Which X was started first, A or B?" + "B" -> "B was started before A"."""
    if not question or question[0].lower_ not in _WH:
        return None
    match = _ALTERNATIVES.match(question.text.strip())
    if match is None:
        return None
    options = [match["a"].strip(), match["b"].strip().rstrip("?")]
    chosen = _pick(options, answer)
    if chosen is None:
        return None
    other = options[1 - chosen]
    stem = _predicate(question, match.end("stem"))
    words = stem.split()
    if words and words[-1].lower() in _BEFORE:
        stem = " ".join(words[:-1]) + f" before {other}"
    elif words and words[-1].lower() in _AFTER:
        stem = " ".join(words[:-1]) + f" after {other}"
    elif any(t.tag_ in {"JJR", "RBR"} for t in question if t.idx < match.end("stem")):
        stem += f" than {other}"
    else:
        stem += f", not {other}"
    return f"{options[chosen]} {stem}"


def _pick(options: list[str], answer: str) -> int | None:
    lowered = answer.lower()
    for i, option in enumerate(options):
        if option.lower() in lowered or lowered in option.lower():
            return i
    return None


def _predicate(question: Doc, end: int) -> str:
    """The question's words after its wh-phrase, up to character ``end``."""
    verb = next((t for t in question if t.pos_ in {"VERB", "AUX"}), None)
    if verb is None:
        return ""
    return question.text[verb.idx : end].strip()


def _yes_no(question: Doc, answer: str) -> str | None:
    """ "Is Paris the capital of France?" + "Yes" -> "Paris is the capital of France"."""
    first = answer.split()[0].strip(",.!").lower() if answer.split() else ""
    if first not in {"yes", "no"} or not question or question[0].pos_ != "AUX":
        return None
    aux = question[0]
    subject = _subject_after(question, aux)
    if subject is None:
        return None
    rest = _rest(question, subject[-1].i + 1)
    negation = "" if first == "yes" else " not"
    if aux.lower_ in _DO:
        verb = next((t for t in question[subject[-1].i + 1 :] if t.pos_ == "VERB"), None)
        if verb is None:
            return None
        after = _rest(question, verb.i + 1)
        if first == "no":
            return f"{_text(subject)} {aux.lower_} not {verb.text} {after}"
        return f"{_text(subject)} {_inflect(verb.lemma_, aux.lower_)} {after}"
    return f"{_text(subject)} {aux.lower_}{negation} {rest}"


def _wh(question: Doc, answer: str) -> str | None:
    words = [t for t in question if not t.is_punct]
    if len(words) > 1 and words[0].pos_ == "ADP" and words[1].lower_ in _WH:
        words = words[1:]  # "In what year did ..."
    if not words:
        return None
    head = words[0].lower_
    if head in _WH:
        return _wh_phrase(question, words, answer)
    if head in {"when", "where"}:
        preposition = (
            "in"
            if head == "where" or not re.search(r"\d{1,2}\D+\d{4}|\d{4}\D+\d{1,2}\b", answer)
            else "on"
        )
        if len(words) < 2 or words[1].pos_ != "AUX":
            return None
        clause = _clause_after(question, words[1])
        return f"{clause} {preposition} {answer}" if clause else None
    if head == "how" and len(words) > 2:
        return _how(question, words, answer)
    return None


def _wh_phrase(question: Doc, words: list[Token], answer: str) -> str | None:
    """Wh-subject ("Who wrote Hamlet?") or wh-object ("What did Curie discover?")."""
    verb_at = next((i for i, t in enumerate(words) if t.pos_ in {"VERB", "AUX"}), None)
    if verb_at is None:
        return None
    phrase, verb = words[:verb_at], words[verb_at]
    if verb.lower_ in _DO or (verb.pos_ == "AUX" and _subject_after(question, verb)):
        nouns = {t.lower_ for t in phrase}
        clause = _clause_after(question, verb if verb.lower_ in _DO else phrase[-1])
        if clause is None:
            return None
        if nouns & _TIME_NOUNS:
            return f"{clause} in {answer}"
        return f"{clause} {answer}" if verb.lower_ in _DO else None
    return f"{answer} {_rest(question, verb.i)}"


def _how(question: Doc, words: list[Token], answer: str) -> str | None:
    """ "How many moons does Mars have?" -> "Mars has 2 moons"; "How tall is X?" -> "X is
    8,849 m tall"."""
    second = words[1]
    if second.lower_ in {"many", "much"}:
        verb_at = next((i for i, t in enumerate(words) if t.pos_ in {"VERB", "AUX"}), None)
        if verb_at is None:
            return None
        noun = " ".join(t.text for t in words[2:verb_at])
        verb = words[verb_at]
        if verb.lower_ in _DO:
            clause = _clause_after(question, verb, object_words=f"{answer} {noun}")
            return clause
        if (
            verb.lower_ in {"are", "were", "is", "was"}
            and verb_at + 1 < len(words)
            and words[verb_at + 1].lower_ == "there"
        ):
            return f"there {verb.lower_} {answer} {noun} {_rest(question, words[verb_at + 2].i)}"
        return f"{answer} {noun} {_rest(question, verb.i)}"
    if second.pos_ in {"ADJ", "ADV"} and len(words) > 3 and words[2].pos_ == "AUX":
        subject = _subject_after(question, words[2])
        if subject is None:
            return None
        return f"{_text(subject)} {words[2].lower_} {answer} {second.text}"
    return None


def _clause_after(question: Doc, aux: Token, object_words: str = "") -> str | None:
    """The statement order of "<aux> <subject> <rest>": "did Curie discover" -> "Curie
    discovered"; "was Curie born" -> "Curie was born"."""
    subject = _subject_after(question, aux)
    if subject is None and aux.lower_ in _DO:
        subject = _subject_before_verb(question, aux)
    if subject is None:
        return None
    tail = question[subject[-1].i + 1 :]
    if aux.lower_ in _DO:
        verb = next((t for t in tail if t.pos_ in {"VERB", "AUX"}), None)
        verb = verb or next((t for t in tail if not t.is_punct), None)
        if verb is None:
            return None
        inflected = _inflect(verb.lemma_ if verb.pos_ == "VERB" else verb.lower_, aux.lower_)
        rest = _rest(question, verb.i + 1)
        return " ".join(w for w in (_text(subject), inflected, object_words, rest) if w)
    return " ".join(
        w for w in (_text(subject), aux.lower_, _rest(question, subject[-1].i + 1)) if w
    )


def _subject_after(question: Doc, aux: Token) -> list[Token] | None:
    """The subject noun phrase that follows an inverted auxiliary."""
    candidates = [t for t in question if t.dep_ in {"nsubj", "nsubjpass", "expl"} and t.i > aux.i]
    if not candidates:
        return None
    subject = candidates[0]
    words = list(subject.subtree)
    return words


def _subject_before_verb(question: Doc, aux: Token) -> list[Token] | None:
    """When the parse found no subject ("did Alexander Fleming discover", with "discover"
    taken for a noun): the words between the auxiliary and the last word."""
    tail = [t for t in question[aux.i + 1 :] if not t.is_punct]
    verb_at = next((i for i, t in enumerate(tail) if i and t.pos_ == "VERB"), len(tail) - 1)
    return tail[:verb_at] or None


def _rest(question: Doc, start: int) -> str:
    return "".join(t.text_with_ws for t in question[start:] if t.text != "?").strip()


def _text(tokens: list[Token]) -> str:
    return "".join(t.text_with_ws for t in tokens).strip()


def _inflect(lemma: str, do: str) -> str:
    """The verb as "do", "does" or "did" would carry it: did + discover -> discovered."""
    lemma = lemma.lower()
    if do == "do":
        return lemma
    if do == "does":
        if lemma == "have":
            return "has"
        if lemma.endswith(("s", "sh", "ch", "x", "z", "o")):
            return lemma + "es"
        if lemma.endswith("y") and lemma[-2:-1] not in set("aeiou"):
            return lemma[:-1] + "ies"
        return lemma + "s"
    if lemma in _IRREGULAR_PAST:
        return _IRREGULAR_PAST[lemma]
    if lemma.endswith("e"):
        return lemma + "d"
    if lemma.endswith("y") and lemma[-2:-1] not in set("aeiou"):
        return lemma[:-1] + "ied"
    return lemma + "ed"
