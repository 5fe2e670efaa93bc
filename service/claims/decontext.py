"""Decontextualisation: make each claim checkable on its own.

A claim like "She won it in 1911" means nothing to a retriever. The tracker follows the
entities of the question and the answer, sentence by sentence, and rewrites pronouns and
definite descriptions ("the company", "the film") as the entity they point to, and gives a
subjectless list item ("Born in Warsaw in 1867") the entity the answer is about.

A wrong rewrite makes a true sentence read false, so the rules prefer none to a doubtful one:

* "the X" is replaced only when X is a singular type word (company, film, city, ...) and the
  antecedent a named entity of a fitting type; "the oceans" or "the reef" of ordinary text stay;
* a list item gets the topic as subject only when it opens with its verb ("Born in ...");
* "he"/"she" resolve only to PERSON entities;
* "it"/"its" resolve only to one singular, non-person candidate: earlier in the same sentence,
  else in the latest sentence (its clause subjects first). Two candidates are told apart only by
  a shared verb ("If the ice sheet melted, ... it was melting"); otherwise "it" stays.

Nothing is rewritten when the claim already names the candidate.
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
        ["river", "mountain", "lake", "reef", "sea", "ocean", "desert", "volcano", "peak"],
        frozenset({"LOC", "FAC", "GPE"}),
    ),
    **dict.fromkeys(
        ["building", "tower", "bridge", "museum", "monument", "stadium", "cathedral"],
        frozenset({"FAC", "ORG"}),
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
    """An entity or noun phrase seen so far. ``subject`` marks the subject of a clause and
    ``predicate`` is the lemma of that clause's verb, which tells two subjects apart."""

    text: str
    label: str
    plural: bool = False
    subject: bool = False
    predicate: str = ""
    head: str = ""


class EntityTracker:
    """The entities seen so far in one question + answer, most recent last."""

    def __init__(self) -> None:
        self._mentions: list[Mention] = []
        self._subject: Mention | None = None
        #: What the latest sentence (or question, or heading) offers "it" to point back to.
        self._recent: list[Mention] = []

    # -- reading ------------------------------------------------------------------------------

    def observe_question(self, question: Doc) -> None:
        """Entities of the question; its main entity becomes the topic."""
        # "Who directed Jaws?": the person asked for is the answer's "he", not a person the
        # question names (nor a title NER took for one).
        asks_person = any(t.lower_ == "who" and t.dep_ in {"nsubj", "nsubjpass"} for t in question)
        labels = _THINGS if asks_person else _PERSON | _THINGS
        self._observe_entities(e for e in question.ents if e.label_ in labels)
        subject = _subject(question[:]) if len(question) else None
        named = next((e for e in question.ents if e.label_ in labels), None)
        if named is not None:
            self._subject = Mention(named.text, named.label_)
        elif subject is not None and subject.lower_ not in _WH_WORDS:
            self._subject = _mention(subject)
        self._recent = _candidates(question[:]) if len(question) else []
        if named is not None and not self._recent:
            self._recent = [Mention(named.text, named.label_)]

    def observe_heading(self, heading: Doc) -> None:
        """A heading that names an entity ("## Marie Curie") sets the topic."""
        if heading.ents:
            entity = heading.ents[0]
            self._mentions.append(Mention(entity.text, entity.label_))
            self._subject = self._mentions[-1]
            self._recent = [self._subject]

    def observe(self, sent: Span, resolved_subject: str | None) -> None:
        """After a sentence: its entities, and its subject as rewritten (if it was)."""
        self._observe_entities(sent.ents)
        self._recent = _candidates(sent, resolved_subject)
        # A bare name ("Marie Curie:" before a list) is what the sentences after it are about.
        subject = _subject(sent) or (sent.root if sent.root.pos_ == "PROPN" else None)
        topic = _about(sent)
        if topic is not None and (subject is None or subject.lemma_.lower() in _TOPIC_NOUNS):
            self._subject = topic
            return
        if subject is None or subject.tag_ in {"WDT", "WP", "EX", "DT"}:
            return
        mention = _subject_mention(subject, resolved_subject)
        if mention.text.lower() not in _PERSON_PRONOUNS | _THING_PRONOUNS | _PLURAL_PRONOUNS:
            self._subject = mention
            self._mentions.append(mention)
        elif subject.lower_ in _THING_PRONOUNS:
            # An "it" left unresolved: what the text is about is unclear from here on.
            self._subject = None

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
                return self._latest(_PERSON, sent, token), None
            if lower in _THING_PRONOUNS:
                return self._thing(sent, token), None
            if lower in _PLURAL_PRONOUNS:
                plural = self._subject if self._subject and self._subject.plural else None
                return (plural.text if plural else None), None
            return None, None
        labels = _DESCRIPTIONS.get(token.lemma_.lower())
        modifiers = [c for c in token.children if c.dep_ not in {"det", "punct"}]
        determiner = next(
            (p.token for p in pieces if p.token is not None and p.token.head == token), None
        )
        if (
            labels is None
            or modifiers
            or token.tag_ != "NN"  # "the oceans", "the companies": no named antecedent
            or determiner is None
            or determiner.lower_ != "the"
        ):
            return None, None
        return self._latest(labels, sent, token), determiner

    def _thing(self, sent: Span, pronoun: Token) -> str | None:
        """What "it"/"its" points to: a single singular, non-person candidate earlier in the
        same sentence, else in the latest sentence (its clause subjects before its other
        arguments). Two candidates that nothing tells apart leave the pronoun as it is; a
        subject whose verb is the pronoun's own ("If the ice sheet melted, ... it was melting")
        is told apart."""
        possessed = pronoun.head.lemma_.lower() if pronoun.tag_ == "PRP$" else ""

        def fits(m: Mention) -> bool:
            return (
                m.label in _THINGS
                and not m.plural
                and m.text.lower() not in _ALL_PRONOUNS
                and (not possessed or m.head != possessed)  # not "its concentration" itself
            )

        earlier = [
            m for m in _candidates(sent, before=pronoun) if fits(m) and m.text != pronoun.text
        ]
        pool = earlier or [m for m in self._recent if fits(m)]
        if not earlier and not self._recent and self._subject is not None:
            pool = [self._subject] if fits(self._subject) else []
        subjects = [m for m in pool if m.subject]
        pool = subjects or pool
        texts = list(dict.fromkeys(m.text for m in pool))
        if len(texts) == 1:
            return texts[0]
        verbs = _verbs(pronoun)
        parallel = list(dict.fromkeys(m.text for m in pool if m.predicate in verbs))
        return parallel[0] if len(parallel) == 1 else None

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
_ALL_PRONOUNS = _PERSON_PRONOUNS | _THING_PRONOUNS | _PLURAL_PRONOUNS
#: Where a named entity is an argument of its clause, not an adjunct ("since the Revolution")
#: or a modifier ("Greenland ice sheet").
_ARGUMENTS = frozenset({"nsubj", "nsubjpass", "dobj", "attr", "dative", "appos", "oprd"})


def _candidates(
    span: Span, resolved: str | None = None, before: Token | None = None
) -> list[Mention]:
    """The antecedents a span offers "it": the subject of each clause (the main one as
    rewritten, when it was) and the named entities that are arguments of a verb."""
    end = before.i if before is not None else span.end
    out: list[Mention] = []
    for token in span:
        if token.i >= end:
            break
        if token.dep_ not in {"nsubj", "nsubjpass"}:
            continue
        rewritten = resolved if resolved is not None and token.head == span.root else None
        if rewritten is None and token.tag_ in _PRONOUN_TAGS:
            continue
        mention = _subject_mention(token, rewritten)
        out.append(
            Mention(
                mention.text,
                mention.label,
                mention.plural,
                subject=True,
                predicate=token.head.lemma_.lower(),
                head=token.lemma_.lower(),
            )
        )
    topic = _about(span)
    if topic is not None:
        out = [m for m in out if m.head not in _TOPIC_NOUNS] + [topic]
    for entity in span.ents:
        root = entity.root
        role = root.dep_ if root.dep_ != "conj" else root.head.dep_
        if entity.end > end or role not in _ARGUMENTS or root.dep_ in {"nsubj", "nsubjpass"}:
            continue
        if entity.label_ in _PERSON | _THINGS:
            out.append(Mention(entity.text, entity.label_, head=root.lemma_.lower()))
    return out


#: Nouns that introduce what follows: "Key facts about the Amazon rainforest:".
_TOPIC_NOUNS = frozenset(
    {"fact", "thing", "information", "overview", "summary", "detail", "point", "note"}
)


def _about(span: Span) -> Mention | None:
    """The topic an introduction names ("(Here are) some facts about X"), as a subject."""
    for token in span:
        if (
            token.lemma_.lower() in _TOPIC_NOUNS
            and token.dep_ in {"ROOT", "nsubj", "attr"}
            and (token.dep_ == "ROOT" or token.head == span.root)
        ):
            for prep in token.children:
                objects = [c for c in prep.children if c.dep_ == "pobj"]
                if prep.lower_ == "about" and len(objects) == 1:
                    noun = objects[0]
                    mention = _mention(noun)
                    words = [t for t in noun.subtree if t.dep_ not in {"relcl", "appos", "punct"}]
                    text = noun.doc[words[0].i : words[-1].i + 1].text  # with its "the"
                    return Mention(text, mention.label, mention.plural, True, head=noun.lemma_)
    return None


def _verbs(pronoun: Token) -> set[str]:
    """The lemmas of the verb a pronoun belongs to and of the verbs it governs ("was estimated
    to be melting" -> estimate, melt)."""
    verbs = {pronoun.head.lemma_.lower()}
    frontier = [pronoun.head]
    while frontier:
        verb = frontier.pop()
        for child in verb.children:
            if child.dep_ in {"xcomp", "ccomp"}:
                verbs.add(child.lemma_.lower())
                frontier.append(child)
    return verbs


_WH_WORDS = frozenset({"who", "what", "which", "when", "where", "why", "how"})


def _subject(sent: Span) -> Token | None:
    root = sent.root
    return next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)


def _subject_mention(subject: Token, resolved: str | None) -> Mention:
    """A subject as a mention, as its claim rewrote it when it did: a resolved "she" or "the
    physicist" is still a person, a resolved "they" still plural."""
    mention = _mention(subject)
    if resolved is None:
        return mention
    lower = subject.lower_
    person = lower in _PERSON_PRONOUNS or _DESCRIPTIONS.get(subject.lemma_.lower()) == _PERSON
    label = "PERSON" if person else mention.label
    return Mention(resolved, label, mention.plural or lower in _PLURAL_PRONOUNS)


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
