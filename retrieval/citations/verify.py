"""From a found citation to a verdict: which sources to ask, in what order, and what their
answers add up to.

* An identifier goes to the sources that register it (arXiv DOIs, 10.48550, to DataCite
  first); the first record found is compared with what the text says of the work.
* A reference without an identifier is searched by title (at arXiv first when it names arXiv
  as its venue); the closest title decides. When no source knows the title, the cited
  authors' works are fetched (OpenAlex): if two or more cited authors have works together
  and none carries this title, real authors are cited under a title that is not theirs (a
  chimera), MISMATCHED; otherwise, or when that search fails, NOT_FOUND stands.
* An ISBN that fails its checksum is NOT_FOUND at once; a valid one is asked of Open Library.
* A record from a preprint server cannot confirm a journal or conference the text names, so
  the title sources are asked for the published version: its venue is compared instead, and
  when every source answered and none knows the work outside the preprint server, the cited
  venue is unconfirmed and the citation MISMATCHED (a preprint cited as published, or a made-up
  venue). A failed look-up there makes it UNAVAILABLE, as everywhere.
* NOT_FOUND needs every source asked to have answered "no such work"; one failed look-up
  makes the verdict UNAVAILABLE instead. Offline, only the cache and a local bibliography
  are asked and absence is never a verdict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial

from retrieval.citations.cache import LookupCache
from retrieval.citations.extract import family_name
from retrieval.citations.match import (
    MatchThresholds,
    author_overlap,
    compare,
    is_arxiv,
    is_preprint,
    same_title,
    title_similarity,
    venues_match,
)
from retrieval.citations.resolvers.base import Resolver
from retrieval.citations.types import CitedWork, Found, Lookup, Outcome, WorkRecord

VERIFIED = "verified"
MISMATCHED = "mismatched"
NOT_FOUND = "not_found"
DEAD_LINK = "dead_link"
UNAVAILABLE = "unavailable"
RETRACTED = "retracted"

_TITLE_SOURCES = ("crossref", "semanticscholar", "openalex")
_ABSTRACT_SOURCES = ("semanticscholar", "openalex")
_AUTHOR_SOURCES = ("openalex",)


@dataclass(frozen=True)
class CitationVerdict:
    status: str
    detail: str
    record: WorkRecord | None = None
    checked: tuple[str, ...] = ()


class CitationResolver:
    """Verifies citations against the configured sources through the look-up cache."""

    def __init__(
        self,
        sources: Mapping[str, Resolver],
        cache: LookupCache,
        thresholds: MatchThresholds | None = None,
        offline: bool = False,
        bibliography: Resolver | None = None,
    ) -> None:
        self.sources = dict(sources)
        self.cache = cache
        self.thresholds = thresholds or MatchThresholds()
        self.offline = offline
        self.bibliography = bibliography

    def verify(self, found: Found) -> CitationVerdict:
        if found.kind == "isbn" and not _isbn_valid(found.identifier):
            return CitationVerdict(
                NOT_FOUND, "the ISBN fails its checksum: no book has this number"
            )
        if found.kind == "url":
            return self._url(found.identifier)
        if found.kind == "reference":
            if not found.cited.title:
                return CitationVerdict(
                    UNAVAILABLE, "an author-year mention with no reference entry to look up"
                )
            return self._by_title(found.cited)
        return self._by_identifier(found.kind, found.identifier, found.cited)

    def abstract(self, record: WorkRecord) -> str:
        """The record's abstract, or one from a source that has abstracts, by DOI."""
        if record.abstract or not record.doi:
            return record.abstract
        for name in _ABSTRACT_SOURCES:
            for lookup in self._ask((name,), "doi", record.doi):
                if lookup.outcome is Outcome.FOUND and lookup.records[0].abstract:
                    return lookup.records[0].abstract
        return ""

    # -- plans --------------------------------------------------------------------------------

    def _by_identifier(self, kind: str, value: str, cited: CitedWork) -> CitationVerdict:
        plan = {
            "doi": ("datacite", "crossref", "doi.org")
            if value.startswith("10.48550/")
            else ("crossref", "datacite", "doi.org"),
            "arxiv": ("arxiv",),
            "pmid": ("pubmed",),
            "pmcid": ("pubmed",),
            "isbn": ("openlibrary",),
        }[kind]
        asked: list[Lookup] = []
        for lookup in self._ask(plan, kind, value):
            asked.append(lookup)
            if lookup.outcome is Outcome.FOUND:
                return self._judge(cited, lookup.records[0], asked, f"{kind} {value}")
        return self._absent(asked, f"no source knows {kind} {value}")

    def _by_title(self, cited: CitedWork) -> CitationVerdict:
        asked: list[Lookup] = []
        best: tuple[float, WorkRecord] | None = None
        # A reference that names arXiv as its venue is looked for there first.
        sources = ("arxiv", *_TITLE_SOURCES) if is_arxiv(cited.venue) else _TITLE_SOURCES
        for lookup in self._ask(sources, "title", cited.title):
            asked.append(lookup)
            for record in lookup.records:
                similarity = title_similarity(cited.title, record.title)
                if best is None or similarity > best[0]:
                    best = (similarity, record)
            if best and same_title(cited.title, best[1].title):
                break
        if best and best[0] >= self.thresholds.title_related:
            return self._judge(cited, best[1], asked, "the title")
        closest = f"; the closest title found is '{best[1].title}'" if best else ""
        absent = self._absent(asked, f"no source knows a work with this title{closest}")
        return self._by_authors(cited, absent, asked) if absent.status == NOT_FOUND else absent

    def _by_authors(
        self, cited: CitedWork, absent: CitationVerdict, asked: list[Lookup]
    ) -> CitationVerdict:
        """No source knows the title: do the cited authors have works together, none of them
        this one? Then real authors carry a title that is not theirs (a chimera), MISMATCHED.

        Only for two or more cited authors: one family name says too little of who is meant.
        The longest family name is searched, as the rarest-looking one. A failed or empty
        author search leaves the verdict NOT_FOUND, which every title source has answered."""
        if len(cited.authors) < 2:
            return absent
        name = max(cited.authors, key=lambda a: len(family_name(a)))
        searches = list(self._ask(_AUTHOR_SOURCES, "author", name))
        asked = [*asked, *searches]
        checked = tuple(lookup.describe() for lookup in asked)
        together = [
            record
            for lookup in searches
            for record in lookup.records
            if author_overlap(cited.authors, record.authors) >= self.thresholds.author_overlap
        ]
        if not together:
            return replace(absent, checked=checked)
        closest = max(together, key=lambda record: title_similarity(cited.title, record.title))
        if same_title(cited.title, closest.title):
            return self._judge(cited, closest, asked, "the title, among the authors' works,")
        return CitationVerdict(
            MISMATCHED,
            f"no source knows a work with this title, but {closest.source} lists "
            f"{len(together)} work(s) by these authors, none with it (the closest: "
            f"'{closest.title}', {closest.year}): real authors under a title not theirs",
            None,
            checked,
        )

    def _url(self, url: str) -> CitationVerdict:
        lookup = next(self._ask(("url",), "url", url), None)
        if lookup is None:  # offline, and the link is not in the cache
            return CitationVerdict(UNAVAILABLE, "offline: the link is not in the cache", None, ())
        checked = (lookup.describe(),)
        if lookup.outcome is Outcome.FOUND:
            return CitationVerdict(
                VERIFIED, f"the link answers ({lookup.detail})", lookup.records[0], checked
            )
        if lookup.outcome is Outcome.NOT_FOUND:
            return CitationVerdict(DEAD_LINK, f"the link answers {lookup.detail}", None, checked)
        return CitationVerdict(
            UNAVAILABLE, f"the link could not be checked: {lookup.detail}", None, checked
        )

    # -- asking and judging -------------------------------------------------------------------

    def _ask(self, names: tuple[str, ...], kind: str, value: str) -> Iterator[Lookup]:
        """Ask each named source in turn (through the cache), stopping at the first record
        for an identifier; offline, the cache and the local bibliography only.

        Lazily: a caller that has its answer stops asking, which spares the slow sources
        (keyless Semantic Scholar allows one request in 3 s)."""
        for name in names:
            source = self.sources.get(name)
            if source is None or kind not in source.kinds:
                continue
            key = f"{name}|{kind}|{value}"
            if self.offline:
                answer = self.cache.get(key)
                if answer is None:
                    continue
            else:
                answer = self.cache.get_or_fetch(key, partial(source.lookup, kind, value))
            yield answer
            if answer.outcome is Outcome.FOUND and kind != "title":
                return
        if self.bibliography is not None and kind in self.bibliography.kinds:
            local = self.bibliography.lookup(kind, value)
            if local.outcome is Outcome.FOUND:
                yield local

    def _judge(
        self, cited: CitedWork, record: WorkRecord, asked: list[Lookup], what: str
    ) -> CitationVerdict:
        checked = tuple(lookup.describe() for lookup in asked)
        if not (record.title or record.authors):
            return CitationVerdict(
                VERIFIED,
                f"{what} is registered ({record.source}); no metadata to compare",
                record,
                checked,
            )
        match = compare(cited, record, self.thresholds)
        if not match.matches:
            detail = f"{what} resolves ({record.source}) but " + "; ".join(match.disagreements)
            return CitationVerdict(MISMATCHED, detail, record, checked)
        if record.retraction:
            return CitationVerdict(RETRACTED, f"retracted: {record.retraction}", record, checked)
        if match.venue_unconfirmed:
            return self._published_venue(cited, record, asked, what)
        return CitationVerdict(VERIFIED, f"{what} matches {record.source}", record, checked)

    def _published_venue(
        self, cited: CitedWork, preprint: WorkRecord, asked: list[Lookup], what: str
    ) -> CitationVerdict:
        """The work matches a preprint record; is it known in the venue the text names?"""
        start = f"{what} matches a preprint ({preprint.source}, {preprint.venue})"
        searches: list[Lookup] = []
        published: list[WorkRecord] = []
        for lookup in self._ask(_TITLE_SOURCES, "title", cited.title):
            searches.append(lookup)
            for record in lookup.records:
                if not record.venue or is_preprint(record.venue):
                    continue
                if not compare(replace(cited, venue=""), record, self.thresholds).matches:
                    continue  # another work, or another version's authors or year
                if venues_match(cited.venue, record.venue):
                    return CitationVerdict(
                        VERIFIED,
                        f"{start}; {record.source} has it in '{record.venue}'",
                        preprint,
                        tuple(lookup.describe() for lookup in [*asked, *searches]),
                    )
                published.append(record)
        checked = tuple(lookup.describe() for lookup in [*asked, *searches])
        if published:
            others = "; ".join(f"{r.source} has it in '{r.venue}'" for r in published[:2])
            return CitationVerdict(
                MISMATCHED, f"{start} but is cited in '{cited.venue}': {others}", preprint, checked
            )
        errors = [lookup for lookup in searches if lookup.outcome is Outcome.ERROR]
        if self.offline or errors or not searches:
            why = "; ".join(f"{e.source}: {e.detail}" for e in errors)
            return CitationVerdict(
                UNAVAILABLE,
                f"{start}; whether it appeared in '{cited.venue}' could not be checked "
                f"({'offline' if self.offline else why or 'no title source configured'})",
                preprint,
                checked,
            )
        return CitationVerdict(
            MISMATCHED,
            f"{start}, but no source knows it in '{cited.venue}' or any venue but the preprint",
            preprint,
            checked,
        )

    def _absent(self, asked: list[Lookup], reason: str) -> CitationVerdict:
        checked = tuple(lookup.describe() for lookup in asked)
        if self.offline:
            return CitationVerdict(
                UNAVAILABLE, "offline: not in the cache or the local bibliography", None, checked
            )
        errors = [lookup for lookup in asked if lookup.outcome is Outcome.ERROR]
        if errors or not asked:
            why = "; ".join(f"{e.source}: {e.detail}" for e in errors) or "no source configured"
            return CitationVerdict(UNAVAILABLE, f"the look-up failed ({why})", None, checked)
        return CitationVerdict(NOT_FOUND, reason, None, checked)


def _isbn_valid(isbn: str) -> bool:
    """The ISBN-10 or ISBN-13 checksum: a number that fails it cannot name a book."""
    if len(isbn) == 10 and isbn[:9].isdigit() and (isbn[9].isdigit() or isbn[9] == "X"):
        digits = [10 if c == "X" else int(c) for c in isbn]
        return sum((10 - i) * d for i, d in enumerate(digits)) % 11 == 0
    if len(isbn) == 13 and isbn.isdigit():
        return sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(isbn)) % 10 == 0
    return False
