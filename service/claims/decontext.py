"""Decontextualisation: make each claim checkable on its own.

A claim like "She won it in 1911" means nothing to a retriever. The tracker follows the
entities of the question and the answer, sentence by sentence, and rewrites pronouns and
definite descriptions ("the company", "the film") as the entity they point to, and gives a
subjectless list item ("Born in Warsaw in 1867") the entity the answer is about.

Salience is simple and explicit: a mention earlier in the same sentence wins, then the subject
of the latest sentence, then the latest entity of a fitting type. Nothing is rewritten when no
candidate fits, or when the claim already names the candidate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from service.claims.draft import Draft, Piece

_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers"})
_THING_PRONOUNS = frozenset({"it", "its"})
_PLURAL_PRONOUNS = frozenset({"they", "them", "their"})
_POSSESSIVES = frozenset({"his", "its", "their"})
_THINGS = frozenset(
    {"ORG", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "NORP", "NP"}
)
_PERSON = frozenset({"PERSON"})
#: Definite descriptions and the entity types they can point to.
# fmt: off
_DESCRIPTIONS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ["company", "firm", "corporation", "organization", "organisation", "startup",
         "agency", "university", "institute", "band", "team", "party", "club", "group"],
        frozenset({"ORG"}),
    ),
    **dict.fromkeys(
        ["film", "movie", "book", "novel", "album", "song", "series", "show", "play",
         "painting", "poem", "game", "opera", "symphony", "article", "paper"],
        frozenset({"WORK_OF_ART", "PRODUCT", "ORG"}),
    ),
    **dict.fromkeys(
        ["city", "country", "town", "capital", "state", "nation", "region", "village",
         "island", "province", "county", "continent"],
        frozenset({"GPE", "LOC"}),
    ),
    **dict.fromkeys(
        ["river", "mountain", "lake", "reef", "sea", "ocean", "desert", "volcano", "peak",
         "building", "tower", "bridge", "museum", "monument", "stadium", "cathedral"],
        frozenset({"LOC", "FAC", "GPE", "ORG", "NP"}),
    ),
    **dict.fromkeys(
        ["war", "battle", "revolution", "treaty", "election", "pandemic", "conference"],
        frozenset({"EVENT", "LAW"}),
    ),
    **dict.fromkeys(
        ["scientist", "physicist", "chemist", "president", "author", "writer", "actor",
         "actress", "singer", "painter", "composer", "inventor", "king", "queen", "emperor",
         "player", "director", "artist", "mathematician", "politician", "philosopher",
         "founder", "explorer", "poet", "novelist", "economist"],
        _PERSON,
    ),
}
# fmt: on


@dataclass(frozen=True)
class Mention:
    text: str
    label: str
    plural: bool = False


class EntityTracker:
    """The entities seen so far in one question + answer, most recent last."""

    def __init__(self) -> None:
        self._mentions: list[Mention] = []
        self._subject: Mention | None = None

    # -- reading ------------------------------------------------------------------------------

    def observe_question(self, question: Doc) -> None:
        """Entities of the question; its main entity becomes the topic."""
        self._observe_entities(question.ents)
        subject = _subject(question[:]) if len(question) else None
        named = next((e for e in question.ents if e.label_ in _PERSON | _THINGS), None)
        if named is not None:
            self._subject = Mention(named.text, named.label_)
        elif subject is not None and subject.lower_ not in _WH_WORDS:
            self._subject = _mention(subject)

    def observe_heading(self, heading: Doc) -> None:
        """A heading that names an entity ("## Marie Curie") sets the topic."""
        if heading.ents:
            entity = heading.ents[0]
            self._mentions.append(Mention(entity.text, entity.label_))
            self._subject = self._mentions[-1]

    def observe(self, sent: Span, resolved_subject: str | None) -> None:
        """After a sentence: its entities, and its subject as rewritten (if it was)."""
        self._observe_entities(sent.ents)
        # A bare name ("Marie Curie:" before a list) is what the sentences after it are about.
        subject = _subject(sent) or (sent.root if sent.root.pos_ == "PROPN" else None)
        if subject is None or subject.tag_ in {"WDT", "WP", "EX", "DT"}:
            return
        mention = _mention(subject)
        if resolved_subject is not None:
            mention = Mention(resolved_subject, mention.label, mention.plural)
        if mention.text.lower() not in _PERSON_PRONOUNS | _THING_PRONOUNS | _PLURAL_PRONOUNS:
            self._subject = mention
            self._mentions.append(mention)

    def _observe_entities(self, ents: Iterable[Span]) -> None:
        for entity in ents:
            if entity.label_ in _PERSON | _THINGS:
                self._mentions.append(Mention(entity.text, entity.label_))

    # -- rewriting ----------------------------------------------------------------------------

    def resolve(self, draft: Draft, sent: Span) -> str | None:
        """Rewrite the draft's pronouns and definite descriptions in place; return the text
        its subject now has when the subject was rewritten."""
        subject_text = None
        claim_words = " ".join(p.text for p in draft.pieces)
        rewritten: list[Piece] = []
        dropped: set[int] = set()
        for piece in draft.pieces:
            token = piece.token
            if token is None or piece.text != token.text:
                rewritten.append(piece)
                continue
            target, determiner = self._referent(token, sent, draft.pieces)
            if target is None or target in claim_words:
                rewritten.append(piece)
                continue
            if token.lower_ in _POSSESSIVES or (token.lower_ == "her" and token.tag_ == "PRP$"):
                target += "'s"
            rewritten.append(Piece(target, token, determiner))
            if determiner is not None:
                dropped.add(determiner.i)
            if token.dep_ in {"nsubj", "nsubjpass"}:
                subject_text = target
        draft.pieces = [p for p in rewritten if p.token is None or p.token.i not in dropped]
        if draft.subjectless and self._subject is not None:
            draft.pieces[:0] = _subject_for(draft, self._subject)
        return subject_text

    def _referent(
        self, token: Token, sent: Span, pieces: list[Piece]
    ) -> tuple[str | None, Token | None]:
        lower = token.lower_
        if token.tag_ in {"PRP", "PRP$"}:
            if lower in _PERSON_PRONOUNS:
                # An untyped proper name (NER missed it) is a person's as often as not.
                return self._latest(_PERSON | {"PROPN"}, sent, token), None
            if lower in _THING_PRONOUNS:
                return self._latest(_THINGS, sent, token), None
            if lower in _PLURAL_PRONOUNS:
                plural = self._subject if self._subject and self._subject.plural else None
                return (plural.text if plural else None), None
            return None, None
        labels = _DESCRIPTIONS.get(token.lemma_.lower())
        modifiers = [c for c in token.children if c.dep_ not in {"det", "punct"}]
        determiner = next(
            (p.token for p in pieces if p.token is not None and p.token.head == token), None
        )
        if labels is None or modifiers or determiner is None or determiner.lower_ != "the":
            return None, None
        return self._latest(labels, sent, token), determiner

    def _latest(self, labels: frozenset[str], sent: Span, before: Token) -> str | None:
        same_sentence = [e for e in sent.ents if e.end <= before.i and e.label_ in labels]
        if same_sentence:
            return same_sentence[-1].text
        subject = _subject(sent)
        if (
            subject is not None
            and subject.i < before.i
            and not any(t.tag_ in _PRONOUN_TAGS for t in subject.subtree)
        ):
            mention = _mention(subject)
            if mention.label in labels:
                return mention.text
        if self._subject is not None and self._subject.label in labels:
            return self._subject.text
        return next((m.text for m in reversed(self._mentions) if m.label in labels), None)


_PRONOUN_TAGS = frozenset({"PRP", "PRP$", "WDT", "WP", "EX", "DT"})
_WH_WORDS = frozenset({"who", "what", "which", "when", "where", "why", "how"})


def _subject(sent: Span) -> Token | None:
    root = sent.root
    return next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)


def _mention(subject: Token) -> Mention:
    """A subject as a mention: its entity when it heads one, else its noun phrase."""
    if subject.ent_type_:
        entity = next(e for e in subject.doc.ents if e.start <= subject.i < e.end)
        return Mention(entity.text, entity.label_)
    words = [t for t in subject.subtree if t.dep_ not in {"relcl", "appos", "punct"}]
    label = "PROPN" if subject.pos_ == "PROPN" else "NP"
    phrase = (
        subject.doc[words[0].i : words[-1].i + 1]
        if words
        else subject.doc[subject.i : subject.i + 1]
    )
    return Mention(phrase.text, label, subject.tag_ in {"NNS", "NNPS"})


def _subject_for(draft: Draft, topic: Mention) -> list[Piece]:
    """The topic as the subject of a subjectless fragment, with "was" before a bare
    participle ("Born in Warsaw" -> "Marie Curie was born in Warsaw", but "Discovered
    polonium" -> "Marie Curie discovered polonium")."""
    pieces = [Piece(topic.text)]
    first = draft.pieces[0] if draft.pieces else None
    if first is None or first.token is None:
        return pieces
    token = first.token
    following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    takes_object = following is not None and following.pos_ in _OBJECT_STARTS
    if token.tag_ == "VBN" and not takes_object:
        pieces.append(Piece("were" if topic.plural else "was"))
    if _common(token):
        draft.pieces[0] = Piece(first.text[:1].lower() + first.text[1:], token)
    return pieces


_OBJECT_STARTS = frozenset({"NOUN", "PROPN", "DET", "NUM", "PRON", "ADJ"})


def _common(token: Token) -> bool:
    return token.pos_ not in {"PROPN"} and not token.ent_type_
