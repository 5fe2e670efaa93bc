"""Does a source's record match what the text says of the cited work?

Titles: the same title when the words agree after normalisation (accents folded, case and
punctuation dropped, "&" read as "and", British and American spellings merged, compounds
joined: "pre-training" = "pretraining") or when one is the other without its subtitle. Any
other difference is an altered title, down to ``title_related`` (rapidfuzz ratio); below it
the record is another work. A ratio threshold cannot tell "Modelling"/"Modeling" (the same
title) from "Model"/"Models" or "Meta-Learning"/"Meta-Learnings" (the dev set's near-miss
fabrications, ratio 0.98-0.995): a ``title_same`` ratio of 0.97 let 5 of those 52 through,
the word rule 2, which differ from the real title only in a hyphen. Spelling variants and
hyphenation are what real records and citations disagree on; no dev entry shows a correct
citation that differs by more, so the rule's cost on real records is not measured.

Authors by family name; years with a tolerance of one (preprint versus proceedings).

Venues: a table of the common acronyms first ("ICML" = "Proceedings of the 39th International
Conference on Machine Learning"); otherwise every content word on each side must be matched,
in order, by a word on the other: equal, an ISO 4 style abbreviation ("Mach." machine, "Natl"
national: the letters in order, the first one shared), or an acronym of a run of words ("USA").
Generic words (proceedings, international, conference, volume, ordinals, years, IEEE, ACM) may
go unmatched, as may parenthesised acronyms and what follows a comma (a place, a date). So
"International Conference on Quantum Machine Learning" is not ICML ("quantum" is matched by
nothing) and "Mach. Learn." is not "Journal of Machine Learning Research". A preprint server's
record (arXiv, bioRxiv, SSRN) says nothing of where the work was published: its venue is not
compared with a cited journal or conference (see ``verify.py``, which looks for the published
version instead).

The other thresholds were chosen on the HALLMARK dev set (``make bench-citations``):
``title_related`` 0.75; ``author_overlap`` 0.8, the share of cited family names that the
record must list.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from retrieval.citations.extract import family_name, given_names
from retrieval.citations.types import CitedWork, WorkRecord


@dataclass(frozen=True)
class MatchThresholds:
    title_related: float = 0.75
    author_overlap: float = 0.8
    year_tolerance: int = 1


@dataclass(frozen=True)
class Match:
    """The disagreements between the text and a record; none means the record matches.

    ``venue_unconfirmed``: the work is cited in a journal or conference but the record is a
    preprint server's, which cannot say whether it was published there.
    """

    title_similarity: float
    same_title: bool
    disagreements: tuple[str, ...]
    venue_unconfirmed: bool = False

    @property
    def matches(self) -> bool:
        return not self.disagreements


# Canonical venue -> the phrases that name it; more specific names first (NAACL before ACL,
# bioRxiv before arXiv's "preprint").
_VENUES: dict[str, tuple[str, ...]] = {
    "naacl": ("naacl", "north american chapter of the association for computational"),
    "eacl": ("eacl", "european chapter of the association for computational"),
    "emnlp": ("emnlp", "empirical methods in natural language processing"),
    "tacl": ("tacl", "transactions of the association for computational linguistics"),
    "acl": ("acl", "annual meeting of the association for computational linguistics"),
    "neurips": ("neurips", "nips", "neural information processing systems"),
    "icml": ("icml", "international conference on machine learning"),
    "iclr": ("iclr", "international conference on learning representations"),
    "cvpr": ("cvpr", "computer vision and pattern recognition"),
    "iccv": ("iccv", "international conference on computer vision"),
    "eccv": ("eccv", "european conference on computer vision"),
    "aaai": ("aaai",),
    "ijcai": ("ijcai", "international joint conference on artificial intelligence"),
    "uai": ("uai", "uncertainty in artificial intelligence"),
    "aistats": ("aistats", "artificial intelligence and statistics"),
    "colt": ("colt", "conference on learning theory"),
    "kdd": ("kdd", "knowledge discovery and data mining"),
    "sigir": ("sigir", "research and development in information retrieval"),
    "www": ("www", "the web conference", "world wide web conference"),
    "jmlr": ("jmlr", "journal of machine learning research"),
    "tpami": ("tpami", "pattern analysis and machine intelligence"),
    "biorxiv": ("biorxiv",),
    "medrxiv": ("medrxiv",),
    "ssrn": ("ssrn", "social science research network"),
    "arxiv": ("arxiv", "corr", "preprint"),
}
_PREPRINT_SERVERS = frozenset({"arxiv", "biorxiv", "medrxiv", "ssrn"})

# British -> American endings, applied to both sides so that spelling never reads as altering.
_SPELLING = (
    (re.compile(r"(\w{2,})is(e|es|ed|ing|ation|ations|er|ers)$"), r"\1iz\2"),
    (re.compile(r"(\w{2,})ys(e|es|ed|ing)$"), r"\1yz\2"),
    (re.compile(r"(\w{2,})our(s|ed|ing)?$"), r"\1or\2"),
    (re.compile(r"(\w{2,})ell(ing|ed|er|ers)$"), r"\1el\2"),
    (re.compile(r"(\w{2,})tre(s?)$"), r"\1ter\2"),
    (re.compile(r"(\w{2,})ogue(s?)$"), r"\1og\2"),
)
# Words a venue name may carry or drop without naming another venue.
_FILLER = frozenset({"of", "the", "and", "on", "in", "for", "a", "an", "at", "to", "s"})
_GENERIC = frozenset(
    {"proceedings", "proc", "annual", "international", "intl", "conference", "conf"}
    | {"volume", "vol", "ieee", "acm", "cvf"}
)
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)?")


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9]+", " ", folded.lower())).strip()


def title_similarity(cited: str, recorded: str) -> float:
    """Similarity in [0, 1] for ranking candidates; 1.0 for the same title."""
    if same_title(cited, recorded):
        return 1.0
    a, b = normalise(cited), normalise(recorded)
    return fuzz.ratio(a, b) / 100.0 if a and b else 0.0


def same_title(cited: str, recorded: str) -> bool:
    """The same title, written alike or not (see the module docstring)."""
    a, b = _title_words(cited), _title_words(recorded)
    if not a or not b:
        return False
    if a == b or "".join(a) == "".join(b):
        return True
    for short, raw_long in ((a, recorded), (b, cited)):
        subtitled = ":" in raw_long and len("".join(short)) > 12
        if subtitled and _title_words(raw_long.split(":", 1)[0]) == short:
            return True
    return False


def _title_words(text: str) -> list[str]:
    words = normalise(text.replace("&", " and ")).split()
    return [_american(w) for w in words]


@lru_cache(maxsize=4096)
def _american(word: str) -> str:
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


def compare(cited: CitedWork, record: WorkRecord, thresholds: MatchThresholds) -> Match:
    """Every way in which ``record`` disagrees with ``cited``."""
    problems: list[str] = []
    same = same_title(cited.title, record.title) if cited.title and record.title else True
    similarity = 1.0 if same else title_similarity(cited.title, record.title)
    if not same:
        if similarity < thresholds.title_related:
            problems.append(f"the record is another work: '{record.title}'")
        else:
            problems.append(f"title altered (similarity {similarity:.2f}): '{record.title}'")
    if cited.authors and record.authors:
        problems += _author_problems(cited, record, thresholds)
    if cited.year:
        this_year = datetime.date.today().year
        if cited.year > this_year:
            problems.append(f"year {cited.year} is in the future")
        elif record.year and abs(cited.year - record.year) > thresholds.year_tolerance:
            problems.append(f"year {cited.year}; the record says {record.year}")
    unconfirmed = bool(cited.venue) and is_preprint(record.venue) and not is_preprint(cited.venue)
    if (
        cited.venue
        and record.venue
        and not unconfirmed
        and not venues_match(cited.venue, record.venue)
    ):
        problems.append(f"venue '{cited.venue}'; the record says '{record.venue}'")
    return Match(similarity, same, tuple(problems), unconfirmed)


def author_overlap(cited: tuple[str, ...], recorded: tuple[str, ...]) -> float:
    """The share of the cited family names that the recorded author list carries."""
    families = [normalise(family_name(a)) for a in recorded]
    named = [normalise(family_name(a)) for a in cited]
    present = [n for n in named if any(_same_name(n, r) for r in families)]
    return len(present) / len(named) if named else 0.0


def _author_problems(
    cited: CitedWork, record: WorkRecord, thresholds: MatchThresholds
) -> list[str]:
    recorded = [normalise(family_name(a)) for a in record.authors]
    named = [normalise(family_name(a)) for a in cited.authors]
    overlap = author_overlap(cited.authors, record.authors)
    if overlap < thresholds.author_overlap:
        listed = ", ".join(record.authors[:4]) + (" et al." if len(record.authors) > 4 else "")
        return [f"authors do not match ({overlap:.0%} of cited names); the record lists {listed}"]
    if not cited.authors_truncated and len(recorded) > len(named):
        return [f"{len(named)} of the record's {len(recorded)} authors cited, with no 'et al.'"]
    if named and recorded and not _same_name(named[0], recorded[0]) and overlap < 1.0:
        return [f"first author {cited.authors[0]}; the record's is {record.authors[0]}"]
    return []


def same_person(cited: str, recorded: str) -> bool:
    """The same family name, and the same first initial where both names give one."""
    if not _same_name(normalise(family_name(cited)), normalise(family_name(recorded))):
        return False
    a, b = normalise(given_names(cited))[:1], normalise(given_names(recorded))[:1]
    return not a or not b or a == b


def _same_name(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= 85)


def is_preprint(venue: str) -> bool:
    """A preprint server's name: arXiv (CoRR), bioRxiv, medRxiv, SSRN."""
    return _canonical_venue(normalise(venue)) in _PREPRINT_SERVERS


def is_arxiv(venue: str) -> bool:
    """arXiv itself ("arXiv preprint", "CoRR"), whose own title search can then be asked."""
    return _canonical_venue(normalise(venue)) == "arxiv"


def venues_match(cited: str, recorded: str) -> bool:
    """The same venue, however abbreviated (see the module docstring)."""
    a, b = normalise(cited), normalise(recorded)
    if not a or not b or a == b:
        return True
    ca, cb = _canonical_venue(a), _canonical_venue(b)
    if ca and cb:
        return ca == cb
    return any(
        _aligned(tuple(x.split()), tuple(y.split()))
        for x in _venue_forms(cited)
        for y in _venue_forms(recorded)
    )


def _canonical_venue(venue: str) -> str | None:
    padded = f" {venue} "
    for name, phrases in _VENUES.items():
        if any(f" {phrase} " in padded for phrase in phrases):
            return name
    return None


def _venue_forms(venue: str) -> set[str]:
    """The name, without parenthesised parts, and without what follows a comma or colon."""
    bare = re.sub(r"\([^)]*\)", " ", venue)
    forms = {venue, bare, re.split(r"[,:]", bare, maxsplit=1)[0]}
    return {" ".join(w for w in normalise(f).split() if w not in _FILLER) for f in forms} - {""}


@lru_cache(maxsize=4096)
def _aligned(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Every word of ``a`` and of ``b`` matched in order: word to word (equal or abbreviated),
    one word to the initials of a run of words, or a generic word left unmatched."""
    if not a or not b:
        return all(_generic(w) for w in a + b)
    if _generic(a[0]) and _aligned(a[1:], b):
        return True
    if _generic(b[0]) and _aligned(a, b[1:]):
        return True
    if _abbreviates(a[0], b[0]) and _aligned(a[1:], b[1:]):
        return True
    runs = range(2, max(len(a), len(b)) + 1)
    return any(
        (_initials(b[:n]) == a[0] and _aligned(a[1:], b[n:]))
        or (_initials(a[:n]) == b[0] and _aligned(a[n:], b[1:]))
        for n in runs
    )


def _initials(words: tuple[str, ...]) -> str:
    return "".join(w[0] for w in words)


def _generic(word: str) -> bool:
    return word in _GENERIC or bool(_ORDINAL.fullmatch(word))


def _abbreviates(x: str, y: str) -> bool:
    """Equal, or the shorter is an abbreviation of the longer: its letters in order, the first
    shared ("mach" machine, "natl" national, "j" journal); a one-letter slip in a long word."""
    short, long = sorted((x, y), key=len)
    if short == long or (len(short) >= 6 and fuzz.ratio(short, long) >= 90):
        return True
    if short[0] != long[0] or not short.isalpha():
        return False
    letters = iter(long)
    return all(c in letters for c in short)
