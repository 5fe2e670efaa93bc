"""Does a source's record match what the text says of the cited work?

Titles are compared after normalisation (accents folded, case and punctuation dropped) with
rapidfuzz's ratio; authors by family name; years with a tolerance of one (preprint versus
proceedings); venues through a table of common acronyms, then fuzzy and abbreviation matching.
The thresholds were chosen on the HALLMARK dev set (``make bench-citations``):

* ``title_same`` 0.97: at or above, the same title. The dev set's altered titles ("towards"
  for "for", a word swapped) score 0.80-0.995 against their originals; 0.97 and 0.98 catch
  the same 42 of 52 there, and 0.95 only 29. The dev set cannot show the cost (real records
  whose titles differ from the citation by a spelling variant), so the looser 0.97 is kept.
* ``title_related`` 0.75: below, the record is another work altogether.
* ``author_overlap`` 0.8: the share of cited family names that the record must list.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from retrieval.citations.extract import family_name
from retrieval.citations.types import CitedWork, WorkRecord


@dataclass(frozen=True)
class MatchThresholds:
    title_same: float = 0.97
    title_related: float = 0.75
    author_overlap: float = 0.8
    year_tolerance: int = 1


@dataclass(frozen=True)
class Match:
    """The disagreements between the text and a record; none means the record matches."""

    title_similarity: float
    disagreements: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return not self.disagreements


# Canonical venue -> the phrases that name it; more specific names first (NAACL before ACL).
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
    "arxiv": ("arxiv", "corr", "preprint"),
}


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9]+", " ", folded.lower())).strip()


def title_similarity(cited: str, recorded: str) -> float:
    """Similarity in [0, 1]; a title cited without its subtitle counts as the same."""
    a, b = normalise(cited), normalise(recorded)
    if not a or not b:
        return 0.0
    for short, raw_long in ((a, recorded), (b, cited)):
        if ":" in raw_long and len(short) > 12 and normalise(raw_long.split(":", 1)[0]) == short:
            return 1.0
    return fuzz.ratio(a, b) / 100.0


def compare(cited: CitedWork, record: WorkRecord, thresholds: MatchThresholds) -> Match:
    """Every way in which ``record`` disagrees with ``cited``."""
    problems: list[str] = []
    similarity = title_similarity(cited.title, record.title) if cited.title else 1.0
    if cited.title and record.title:
        if similarity < thresholds.title_related:
            problems.append(f"the record is another work: '{record.title}'")
        elif similarity < thresholds.title_same:
            problems.append(f"title altered (similarity {similarity:.2f}): '{record.title}'")
    if cited.authors and record.authors:
        problems += _author_problems(cited, record, thresholds)
    if cited.year:
        this_year = datetime.date.today().year
        if cited.year > this_year:
            problems.append(f"year {cited.year} is in the future")
        elif record.year and abs(cited.year - record.year) > thresholds.year_tolerance:
            problems.append(f"year {cited.year}; the record says {record.year}")
    if cited.venue and record.venue and not venues_match(cited.venue, record.venue):
        problems.append(f"venue '{cited.venue}'; the record says '{record.venue}'")
    return Match(similarity, tuple(problems))


def _author_problems(
    cited: CitedWork, record: WorkRecord, thresholds: MatchThresholds
) -> list[str]:
    recorded = [normalise(family_name(a)) for a in record.authors]
    named = [normalise(family_name(a)) for a in cited.authors]
    present = [n for n in named if any(_same_name(n, r) for r in recorded)]
    overlap = len(present) / len(named)
    if overlap < thresholds.author_overlap:
        listed = ", ".join(record.authors[:4]) + (" et al." if len(record.authors) > 4 else "")
        return [f"authors do not match ({overlap:.0%} of cited names); the record lists {listed}"]
    if not cited.authors_truncated and len(recorded) > len(named):
        return [f"{len(named)} of the record's {len(recorded)} authors cited, with no 'et al.'"]
    if named and recorded and not _same_name(named[0], recorded[0]) and overlap < 1.0:
        return [f"first author {cited.authors[0]}; the record's is {record.authors[0]}"]
    return []


def _same_name(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= 85)


def venues_match(cited: str, recorded: str) -> bool:
    a, b = normalise(cited), normalise(recorded)
    if not a or not b or a == b:
        return True
    ca, cb = _canonical_venue(a), _canonical_venue(b)
    if ca and cb:
        return ca == cb
    return _loose(a, b)


def _canonical_venue(venue: str) -> str | None:
    padded = f" {venue} "
    for name, phrases in _VENUES.items():
        if any(f" {phrase} " in padded for phrase in phrases):
            return name
    return None


def _loose(a: str, b: str) -> bool:
    """Fuzzy equality, or every word of one abbreviating the next words of the other."""
    if fuzz.token_set_ratio(a, b) >= 85:
        return True
    short, long = sorted((a.split(), b.split()), key=len)
    words = iter(w for w in long if w not in {"of", "the", "and", "on", "in", "for"})
    return all(any(w.startswith(s) for w in words) for s in short)
