"""Plain records of the citation subsystem: what the text cites and what a source says."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class CitedWork:
    """What the text itself says of a cited work (parsed from a reference entry)."""

    title: str = ""
    authors: tuple[str, ...] = ()
    # True when the author list was cut short ("et al.", "and others"): a subset is fine then.
    authors_truncated: bool = False
    year: int = 0
    venue: str = ""

    def is_empty(self) -> bool:
        return not (self.title or self.authors or self.year or self.venue)


@dataclass(frozen=True)
class Found:
    """One citation found in a text, with its [start, end) span.

    ``kind`` is one of doi, arxiv, pmid, pmcid, isbn, url, reference. A reference-list entry
    that carries an identifier is reported once, under the identifier's kind, with the entry's
    metadata in ``cited`` so that the identifier can be checked against what is said of it.
    ``linked_to`` indexes the reference entry an inline mention ("[3]", "(Smith et al., 2020)")
    points at, in the list returned with it.
    """

    kind: str
    identifier: str
    start: int
    end: int
    raw: str
    cited: CitedWork = field(default_factory=CitedWork)
    inline: bool = False
    linked_to: int | None = None
    # True for the entry of a reference list itself (no claim is made in a reference list).
    in_reference_list: bool = False


@dataclass(frozen=True)
class WorkRecord:
    """What a bibliographic source says of a work."""

    source: str
    title: str = ""
    authors: tuple[str, ...] = ()
    year: int = 0
    venue: str = ""
    doi: str = ""
    url: str = ""
    abstract: str = ""
    # Non-empty when the source says the work was retracted (the notice, in words).
    retraction: str = ""


class Outcome(Enum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    ERROR = "error"


@dataclass(frozen=True)
class Lookup:
    """One question put to one source, and its answer.

    FOUND carries the records (one for an identifier, candidates for a title search);
    NOT_FOUND means the source answered that it has no such work; ERROR means no answer
    could be had, which must never be read as "fabricated".
    """

    source: str
    query: str
    outcome: Outcome
    records: tuple[WorkRecord, ...] = ()
    detail: str = ""

    def describe(self) -> str:
        suffix = f" ({self.detail})" if self.detail and self.outcome is Outcome.ERROR else ""
        return f"{self.source} {self.query}: {self.outcome.value}{suffix}"
