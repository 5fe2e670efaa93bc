"""Decomposition: one parsed sentence -> atomic claims, from the dependency parse.

Rules, each a common way a sentence packs several facts:

* coordinated predicates ("founded A in 1998 and sold it in 2005") become one claim each; a
  predicate without its own subject, auxiliary or object takes the one it shares;
* coordinated objects, attributes and prepositional objects ("won the prize in Physics and
  Chemistry") become one claim per conjunct, unless the relation needs both ("between A and
  B", "married", named entities such as "Procter and Gamble");
* appositions and non-restrictive relative or participle clauses (set off by a comma) become
  claims of their own ("Curie, a Polish physicist, ..." -> "Curie was a Polish physicist");
  restrictive ones stay, since they narrow what the noun means;
* an epistemic frame ("I think that ...", "It is believed that ...") is peeled off: the claim
  is its complement, and the frame's words are kept as hedge cues.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc, Span, Token

from service.claims.draft import Draft, Piece
from service.claims.hedging import hedge_cues

_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_AUXILIARIES = frozenset({"aux", "auxpass", "neg"})
_LEADING = frozenset({"prep", "advmod", "npadvmod", "advcl"})
_SPLITTABLE = frozenset({"dobj", "attr", "acomp", "oprd", "dative", "pobj", "appos"})
_NOUNISH = frozenset({"NOUN", "PROPN", "PRON", "NUM", "ADJ", "X"})
_PREDICATES = frozenset({"VERB", "AUX"})
#: Prepositions and verbs that relate their coordinated arguments to each other.
_JOINT_PREPOSITIONS = frozenset({"between", "among", "amongst", "from", "by", "with", "including"})
#: Subordinators whose clause is a second, independent fact: "X, while Y".
_CONTRASTIVE = frozenset({"while", "whereas"})
_JOINT_VERBS = frozenset(
    {"marry", "combine", "mix", "connect", "link", "compare", "merge", "unite", "separate"}
)
_FRAME_VERBS = frozenset(
    {"think", "believe", "suppose", "guess", "assume", "suspect", "seem", "appear", "reckon"}
    | {"feel", "say", "report", "rumor", "rumour", "claim", "suggest", "speculate", "estimate"}
)
_FRAME_SUBJECTS = frozenset(
    {"i", "we", "it", "some", "many", "study", "studies", "research", "evidence", "source"}
    | {"sources", "report", "reports", "expert", "experts", "historian", "historians"}
)
#: Verbs whose past tense is never a passive participle: "was born ... and died in 1934".
_INTRANSITIVE = frozenset(
    {"die", "live", "arrive", "happen", "occur", "remain", "stay", "work", "move", "return"}
    | {"emigrate", "retire", "serve", "graduate", "travel", "rise", "fall", "go", "come"}
    | {"become", "grow", "begin", "continue", "succeed", "fail", "appear", "exist", "last"}
)
_MAX_VARIANTS = 8


def decompose(sent: Span) -> list[Draft]:
    """The atomic claims of ``sent``: its clauses first, then the claims split off nouns."""
    root, frame = _unframe(sent.root)
    scope = {t.i for t in root.subtree} - {t.i for t in root.children if t.dep_ == "mark"}
    scope -= {t.i for t in frame}
    past = any(t.tag_ == "VBD" for t in sent)
    side: list[Draft] = []
    for token in root.subtree:
        if token.i not in scope:
            continue
        extracted = _side_claim(token, scope, past)
        if extracted is not None:
            draft, gone = extracted
            side.append(draft)
            scope -= gone
    drafts = _clauses(root, scope) + side
    for draft in drafts:
        draft.hedge_tokens.extend(frame)
    return drafts


def _unframe(root: Token) -> tuple[Token, list[Token]]:
    """The complement of an epistemic frame and the frame's tokens; or the root and the
    tokens of a sentence-opening hedge ("As far as I know, ...", "Probably, ...")."""
    complement = next((c for c in root.children if c.dep_ == "ccomp"), None)
    if complement is None or root.lemma_.lower() not in _FRAME_VERBS:
        return root, _opening_hedge(root)
    subject = next((c for c in root.children if c.dep_ in _SUBJECTS), None)
    passive = any(c.dep_ == "auxpass" for c in root.children)
    if subject is not None and not passive and subject.lower_ not in _FRAME_SUBJECTS:
        return root, []  # "Einstein said that ..." is a claim about Einstein
    inner = {t.i for t in complement.subtree}
    frame = [t for t in root.subtree if t.i not in inner and not t.is_punct]
    return complement, frame


def _opening_hedge(root: Token) -> list[Token]:
    subjects = _children(root, _SUBJECTS)
    if not subjects:
        return []
    first = min(s.left_edge.i for s in subjects)
    for child in root.children:
        if child.i < first and child.dep_ in {"advcl", "advmod", "prep"}:
            words = list(child.subtree)
            if hedge_cues([t.text for t in words]):
                return words
    return []


# -- clauses ----------------------------------------------------------------------------------


def _clauses(root: Token, scope: set[int]) -> list[Draft]:
    group = [root]
    if root.pos_ in _PREDICATES:
        group += [c for c in root.conjuncts if c.pos_ in _PREDICATES and c.i in scope]
        group += [c for c in root.children if _contrastive(c) and c.i in scope]
    members = {p.i for p in group}
    doc = root.doc
    drafts = []
    for predicate in group:
        tokens = _own(predicate, scope, members)
        subjectless = _subjectless(predicate)
        if predicate != root:
            donor = predicate.head if predicate.head.i in members else root
            tokens |= _inherited(predicate, donor, scope)
            subjectless = subjectless and not _children(donor, _SUBJECTS)
        tokens |= _shared_object(predicate, group, scope)
        for variant in _split_coordination(tokens, doc):
            drafts.append(Draft.of([doc[i] for i in variant], subjectless))
    return drafts


def _contrastive(token: Token) -> bool:
    """An adverbial clause with its own subject, opened by "while" or "whereas"."""
    marks = [c.lower_ for c in token.children if c.dep_ == "mark"]
    return (
        token.dep_ == "advcl"
        and bool(_children(token, _SUBJECTS))
        and bool(marks)
        and marks[0] in _CONTRASTIVE
    )


def _subjectless(predicate: Token) -> bool:
    """A fragment with no subject at all: it opens with its verb ("Born in Warsaw in 1867",
    "Discovered polonium and radium", "Also won ..."), and the verb has no subject and is not
    an imperative. An item with a subject after an opening phrase ("In 2016, bleaching ...
    killed ...") is never one, however the parser attached that subject."""
    first = _opening_word(predicate.sent)
    if first is None or first.tag_ not in {"VBN", "VBD", "VBG", "VBZ", "VBP"}:
        return False
    if predicate.pos_ in _PREDICATES:
        return not _children(predicate, _SUBJECTS) and predicate.tag_ != "VB"
    return first.tag_ in {"VBN", "VBD"} and any(t.i == first.i for t in predicate.subtree)


def _opening_word(sent: Span) -> Token | None:
    """The sentence's first word, past punctuation, list markup and adverbs ("also")."""
    return next(
        (t for t in sent if not (t.is_punct or t.is_space or t.tag_ in {"RB", "RBR", "RBS"})),
        None,
    )


def _own(predicate: Token, scope: set[int], members: set[int]) -> set[int]:
    tokens = {predicate.i}
    for child in predicate.children:
        if child.i in members or child.dep_ in {"cc", "preconj"}:
            continue
        if child.dep_ == "mark" and child.lower_ in _CONTRASTIVE:
            continue
        if child.dep_ == "punct" and child.text not in {".", "!"}:
            continue
        tokens |= {t.i for t in child.subtree}
    return tokens & scope


def _inherited(predicate: Token, donor: Token, scope: set[int]) -> set[int]:
    """What a coordinated predicate shares with the one it is coordinated with."""
    tokens: set[int] = set()
    subjects = _children(donor, _SUBJECTS)
    if not _children(predicate, _SUBJECTS):
        for subject in subjects:
            tokens |= {t.i for t in subject.subtree}
    auxiliaries = _children(donor, _AUXILIARIES)
    passive = any(a.dep_ == "auxpass" for a in auxiliaries)
    has_object = bool(_children(predicate, {"dobj"}))
    participle = predicate.tag_ in {"VB", "VBN", "VBG"} or (
        passive and not has_object and predicate.lemma_.lower() not in _INTRANSITIVE
    )
    if not _children(predicate, _AUXILIARIES) and participle:
        tokens |= {a.i for a in auxiliaries}
    if subjects and not _children(predicate, _LEADING):
        first = min(s.left_edge.i for s in subjects)
        for child in _children(donor, _LEADING):
            if child.i < first:
                tokens |= {t.i for t in child.subtree}
    return tokens & scope


def _shared_object(predicate: Token, group: list[Token], scope: set[int]) -> set[int]:
    """Right-node raising: "founded and led the company" shares the object after both."""
    if _children(predicate, {"dobj"}):
        return set()
    last = max(p.i for p in group)
    for other in group:
        for obj in _children(other, {"dobj"}):
            if obj.i > last and other != predicate:
                return {t.i for t in obj.subtree} & scope
    return set()


def _children(token: Token, deps: Iterable[str]) -> list[Token]:
    wanted = set(deps)
    return [c for c in token.children if c.dep_ in wanted]


def _split_coordination(tokens: set[int], doc: Doc) -> list[set[int]]:
    """One token set per conjunct of the first splittable coordination (recursively)."""
    for i in sorted(tokens):
        token = doc[i]
        conjuncts = [c for c in token.conjuncts if c.i in tokens and c.i > token.i]
        coordinated = token.dep_ in _SPLITTABLE or (token.dep_ == "ROOT" and token.pos_ != "VERB")
        if not coordinated or not conjuncts or not _splittable(token):
            continue
        phrase = {t.i for t in token.subtree} & tokens
        shared = _shared_verb(token) & tokens
        variants = []
        for member in [token, *conjuncts]:
            variant = (tokens - phrase) | shared | (_conjunct(member) & tokens)
            variants.extend(_split_coordination(variant, doc))
        return variants[:_MAX_VARIANTS]
    return [tokens]


def _shared_verb(token: Token) -> set[int]:
    """The verb opening a fragment that the parser hung on its first noun: "Discovered" in
    "Discovered polonium and radium" belongs to every conjunct."""
    first = token.doc[token.left_edge.i]
    if token.dep_ == "ROOT" and first.head == token and first.tag_ in {"VBN", "VBD"}:
        return {first.i}
    return set()


def _splittable(token: Token) -> bool:
    if token.pos_ not in _NOUNISH:
        return False
    coordinator = next((c for c in token.subtree if c.dep_ == "cc"), None)
    if coordinator is not None and coordinator.ent_type_:
        return False  # "Procter and Gamble", "Pride and Prejudice"
    governor = token.head
    if token.dep_ == "pobj":
        if governor.lower_ in _JOINT_PREPOSITIONS:
            return False
        governor = governor.head
    return governor.lemma_.lower() not in _JOINT_VERBS


def _conjunct(member: Token) -> set[int]:
    """The member's own words: its subtree without the conjuncts and separators after it."""
    tokens = {t.i for t in member.subtree}
    for child in member.children:
        if child.dep_ in {"conj", "cc", "preconj"} or (
            child.dep_ == "punct" and child.i > member.i
        ):
            tokens -= {t.i for t in child.subtree}
    return tokens


# -- claims split off nouns -------------------------------------------------------------------


def _side_claim(token: Token, scope: set[int], past: bool) -> tuple[Draft, set[int]] | None:
    """An apposition or non-restrictive clause on a noun as its own claim, and the tokens to
    take out of the main claim (the phrase and the commas around it)."""
    noun = token.head
    if noun.pos_ not in {"NOUN", "PROPN"} or noun.i not in scope or token.i not in scope:
        return None
    if token.dep_ == "appos" and _set_off(token) and _is_nominal_appos(token, noun):
        body = [Piece(t.text, t) for t in _phrase(token, scope)]
        pieces = [*_core(noun, scope), Piece(_copula(noun, past)), *body]
    elif token.dep_ in {"relcl", "acl"} and _set_off(token):
        pieces = _clause_about(token, noun, scope, past)
        if not pieces:
            return None
    else:
        return None
    phrase = {t.i for t in token.subtree}
    gone = phrase | _commas_around(token, phrase)
    return Draft(pieces), gone


def _is_nominal_appos(token: Token, noun: Token) -> bool:
    """A descriptive apposition; not "Queensland, Australia" (a place and its region) nor
    one inside a relative phrase ("whose book, X, ...")."""
    words = [t for t in token.subtree if not t.is_punct]
    places = {"GPE", "LOC"}
    if token.ent_type_ in places and noun.ent_type_ in places:
        return False
    if any(t.tag_ in {"WDT", "WP", "WP$"} for t in noun.subtree if t.i < noun.i):
        return False
    return token.pos_ in {"NOUN", "PROPN"} and any(t.is_alpha for t in words)


def _set_off(token: Token) -> bool:
    """True for a clause set off by a comma or bracket, i.e. non-restrictive."""
    before = token.left_edge.i - 1
    return before >= 0 and token.doc[before].text in {",", "(", "\u2014", "\u2013"}


def _clause_about(clause: Token, noun: Token, scope: set[int], past: bool) -> list[Piece]:
    """The clause restated about its noun: "which was completed in 1889" -> "The Eiffel Tower
    was completed in 1889"; "where she was born" -> "she was born in Warsaw"."""
    core = _core(noun, scope)
    words = _phrase(clause, scope)
    relative = next((t for t in words if t.tag_ in {"WDT", "WP", "WP$", "WRB"}), None)
    if relative is None:
        if clause.dep_ != "acl" or clause.tag_ != "VBN":
            return []
        return [*core, Piece(_copula(noun, past)), *(Piece(t.text, t) for t in words)]
    pieces: list[Piece] = []
    for t in words:
        if t != relative:
            pieces.append(Piece(t.text, t))
            if t == clause and relative.dep_ == "dobj":
                pieces.extend(core)
        elif relative.dep_ in {"nsubj", "nsubjpass"}:
            pieces.extend(core)
        elif relative.tag_ == "WP$":
            pieces.extend(core)
            pieces.append(Piece("'s"))
        elif relative.dep_ != "dobj" and relative.tag_ != "WRB":
            return []  # "in which", "to whom": no faithful restatement
    if relative.tag_ == "WRB":
        pieces += [Piece("in"), *core]
    return pieces


def _core(noun: Token, scope: set[int]) -> list[Piece]:
    """The noun phrase without its appositions, set-off clauses, conjuncts and punctuation."""
    tokens = {t.i for t in noun.subtree}
    for child in noun.children:
        if child.dep_ in {"appos", "conj", "cc", "punct"} or (
            child.dep_ in {"relcl", "acl"} and _set_off(child)
        ):
            tokens -= {t.i for t in child.subtree}
    doc = noun.doc
    return [Piece(doc[i].text, doc[i]) for i in sorted(tokens)]


def _phrase(token: Token, scope: set[int]) -> list[Token]:
    """The token's subtree inside scope, without its own set-off parts and punctuation."""
    tokens = {t.i for t in token.subtree} & scope
    for child in token.children:
        if child.dep_ == "appos" or (child.dep_ in {"relcl", "acl"} and _set_off(child)):
            tokens -= {t.i for t in child.subtree}
    doc = token.doc
    return [doc[i] for i in sorted(tokens) if not doc[i].is_punct or doc[i].text in {"-", "%"}]


def _commas_around(token: Token, phrase: set[int]) -> set[int]:
    doc = token.doc
    gone = set()
    before, after = min(phrase) - 1, max(phrase) + 1
    if before >= 0 and doc[before].text in {",", "(", "\u2014", "\u2013"}:
        gone.add(before)
    if after < len(doc) and doc[after].text in {",", ")", "\u2014", "\u2013"}:
        gone.add(after)
    return gone


def _copula(noun: Token, past: bool) -> str:
    plural = noun.tag_ in {"NNS", "NNPS"}
    if past:
        return "were" if plural else "was"
    return "are" if plural else "is"
