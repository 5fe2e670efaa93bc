"""The citation stage: find citations, resolve them live, give each a verdict, and check the
sentence carrying a citation against the cited work's abstract.

The pieces live in ``retrieval.citations`` (extraction, resolvers, matching, politeness,
cache, SSRF guard); this module composes them from ``CitationSettings`` and turns their
verdicts into the pipeline's ``Citation`` records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from retrieval.citations.cache import LookupCache
from retrieval.citations.extract import extract
from retrieval.citations.http import HttpClient, HttpPolicy
from retrieval.citations.resolvers.arxiv import ArxivResolver
from retrieval.citations.resolvers.base import Resolver
from retrieval.citations.resolvers.crossref import CrossrefResolver
from retrieval.citations.resolvers.datacite import DataCiteResolver
from retrieval.citations.resolvers.doi import DoiHandleResolver
from retrieval.citations.resolvers.openalex import OpenAlexResolver
from retrieval.citations.resolvers.openlibrary import OpenLibraryResolver
from retrieval.citations.resolvers.pubmed import PubMedResolver
from retrieval.citations.resolvers.semanticscholar import SemanticScholarResolver
from retrieval.citations.resolvers.urls import UrlChecker
from retrieval.citations.safety import UrlGuard
from retrieval.citations.types import Found, WorkRecord
from retrieval.citations.verify import CitationResolver, CitationVerdict
from retrieval.types import Origin, Passage
from service.config import CitationSettings
from service.stages import Thresholds, Verifier
from service.types import (
    Citation,
    CitationKind,
    CitationRecord,
    CitationStatus,
    Claim,
    SupportLabel,
)

#: Judges a claim against an abstract: (label, support score).
ClaimSupport = Callable[[str, str], tuple[SupportLabel, float]]

_SENTENCE_END = re.compile(r"(?<!\bal)(?<!\d)[.!?](?=\s)|\n\s*\n")


class Lookups(Protocol):
    """What the checker asks of the sources: a verdict per citation, an abstract per record.

    CitationResolver asks them live; a batch on Ray answers from a table of look-ups made
    once for the whole dataset (service.batch.ray_engine).
    """

    def verify(self, found: Found) -> CitationVerdict: ...

    def abstract(self, record: WorkRecord) -> str: ...


def lookup_target(found: list[Found], item: Found) -> Found:
    """The citation whose look-up decides ``item``: for an inline mention, its entry."""
    return found[item.linked_to] if item.linked_to is not None else item


def lookup_key(target: Found) -> Hashable:
    """Citations with the same key get one look-up (an entry and its mentions, a repeated id)."""
    return (target.kind, target.identifier, target.cited)


class LiveCitationChecker:
    version = "live-resolvers-v1"

    def __init__(self, resolver: Lookups, support: ClaimSupport | None = None) -> None:
        self.resolver = resolver
        self.support = support

    @classmethod
    def from_settings(
        cls, settings: CitationSettings, data_dir: Path, support: ClaimSupport | None = None
    ) -> LiveCitationChecker:
        return cls(
            build_resolver(settings, data_dir), support if settings.check_claim_support else None
        )

    def check(self, text: str) -> list[Citation]:
        found = extract(text)
        verdicts: dict[Hashable, CitationVerdict] = {}
        citations = []
        for item in found:
            target = lookup_target(found, item)
            key = lookup_key(target)
            if key not in verdicts:
                verdicts[key] = self.resolver.verify(target)
            citations.append(self._citation(text, item, found, verdicts[key]))
        return sorted(citations, key=lambda c: (c.start, c.end))

    def _citation(
        self, text: str, item: Found, found: list[Found], verdict: CitationVerdict
    ) -> Citation:
        claim, label, score = "", None, 0.0
        if verdict.record is not None and self.support is not None and not item.in_reference_list:
            claim = claim_sentence(text, item.start, item.end)
            abstract = self.resolver.abstract(verdict.record) if claim else ""
            if abstract:
                label, score = self.support(claim, abstract)
            else:
                claim = ""
        linked = found[item.linked_to].raw if item.linked_to is not None else ""
        return Citation(
            raw=item.raw,
            start=item.start,
            end=item.end,
            kind=CitationKind(item.kind),
            identifier=item.identifier,
            status=CitationStatus(verdict.status),
            detail=verdict.detail,
            resolved=_record(verdict.record) if verdict.record else None,
            checked_sources=list(verdict.checked),
            linked_reference=linked,
            claim=claim,
            claim_support=label,
            claim_support_score=score,
        )


def claim_sentence(text: str, start: int, end: int) -> str:
    """The sentence around [start, end), the citation itself cut out; '' if nothing is left."""
    left = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        left = match.end()
    following = _SENTENCE_END.search(text, end)
    right = following.end() if following else len(text)
    sentence = text[left:start] + text[end:right]
    sentence = re.sub(r"\(\s*\)|\[\s*\]", "", sentence)
    sentence = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", sentence)).strip()
    return sentence if len(re.findall(r"\w+", sentence)) >= 4 else ""


def abstract_support(verifier: Verifier) -> ClaimSupport:
    """Claim support through the pipeline's verifier, the abstract's sentences as evidence."""

    def support(claim: str, abstract: str) -> tuple[SupportLabel, float]:
        passages = []
        start = 0
        for sentence in re.split(r"(?<=[.!?])\s+", abstract):
            start = abstract.find(sentence, start)
            passages.append(
                Passage(
                    "cited-abstract", sentence, start, start + len(sentence), origin=Origin.CONTEXT
                )
            )
        verdict = verifier.verify(Claim(claim, 0, len(claim)), passages, Thresholds())
        return verdict.label, verdict.support_score

    return support


def _record(record: WorkRecord) -> CitationRecord:
    return CitationRecord(
        title=record.title,
        authors=list(record.authors),
        year=record.year,
        venue=record.venue,
        doi=record.doi,
        url=record.url,
        source=record.source,
    )


# -- composition --------------------------------------------------------------------------------

#: Minimum seconds between requests, per source, as each asks (Crossref: 1/s, 3/s with mailto).
_INTERVALS = {
    "crossref": 1.0,
    "datacite": 0.2,
    "doi": 0.2,
    "arxiv": 3.0,
    "pubmed": 1 / 3,
    "openalex": 0.1,
    "semanticscholar": 3.0,
    "openlibrary": 1.0,
}


def build_resolver(settings: CitationSettings, data_dir: Path) -> CitationResolver:
    """Every source over one pooled, rate-limited HTTP client, behind the SQLite cache."""
    urls = {
        "crossref": settings.crossref_url,
        "datacite": settings.datacite_url,
        "doi": settings.doi_url,
        "arxiv": settings.arxiv_url,
        "pubmed": settings.pubmed_url,
        "openalex": settings.openalex_url,
        "semanticscholar": settings.semanticscholar_url,
        "openlibrary": settings.openlibrary_url,
    }
    intervals = dict(_INTERVALS)
    if settings.mailto:
        intervals["crossref"] = 1 / 3
    if settings.semanticscholar_api_key:
        intervals["semanticscholar"] = 1.0
    by_host: dict[str, float] = {}
    for name, url in urls.items():
        host = urlsplit(url).hostname or ""
        by_host[host] = max(by_host.get(host, 0.0), intervals[name] * settings.rate_limit_scale)
    policy = HttpPolicy(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_retries=settings.max_retries,
        backoff=settings.retry_backoff,
        intervals=by_host,
        user_agent="veracity-citations/1"
        + (f" (mailto:{settings.mailto})" if settings.mailto else ""),
    )
    http = HttpClient(policy)
    polite = {"mailto": settings.mailto} if settings.mailto else {}
    ncbi = {"tool": "veracity", **({"email": settings.mailto} if settings.mailto else {})}
    sources: dict[str, Resolver] = {
        "crossref": CrossrefResolver(http, settings.crossref_url, polite),
        "datacite": DataCiteResolver(http, settings.datacite_url),
        "doi.org": DoiHandleResolver(http, settings.doi_url),
        "arxiv": ArxivResolver(http, settings.arxiv_url),
        "pubmed": PubMedResolver(http, settings.pubmed_url, ncbi),
        "openalex": OpenAlexResolver(http, settings.openalex_url, polite),
        "semanticscholar": SemanticScholarResolver(
            http, settings.semanticscholar_url, api_key=settings.semanticscholar_api_key
        ),
        "openlibrary": OpenLibraryResolver(http, settings.openlibrary_url),
        "url": UrlChecker(policy, UrlGuard(settings.url_allowlist)),
    }
    bibliography = None
    if settings.bibliography:
        from retrieval.citations.bibliography import Bibliography

        bibliography = Bibliography.load(Path(settings.bibliography))
    cache = LookupCache(
        data_dir / "citations-cache.sqlite", settings.cache_ttl_s, settings.not_found_ttl_s
    )
    return CitationResolver(sources, cache, offline=settings.offline, bibliography=bibliography)
