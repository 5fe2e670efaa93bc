"""Citation finding, first cut: DOIs, arXiv ids, PMIDs and URLs by pattern, no look-ups.

Every citation found is reported UNAVAILABLE ("not looked up"): without a resolver nothing can
be called verified or fabricated, and a citation that was not checked must never read as fake.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from service.types import Citation, CitationKind, CitationStatus

_TRAILING = ".,;:!?)]}>'\""
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)", re.I)
_DOI = re.compile(r"\b(?:doi:\s*)?(10\.\d{4,9}/[^\s\"<>]+)", re.I)
_ARXIV = re.compile(
    r"\barxiv(?:\.org/(?:abs|pdf)/|:\s*)((?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)",
    re.I,
)
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
_URL = re.compile(r"https?://[^\s<>\"']+", re.I)

NOT_LOOKED_UP = "found by pattern; not looked up (no resolver is configured)"


class RegexCitationChecker:
    version = "regex-nolookup-v0"

    def check(self, text: str) -> list[Citation]:
        found: list[Citation] = []
        taken: list[tuple[int, int]] = []
        # Specific forms first, so that a doi.org or arxiv.org URL is not also a plain URL.
        for kind, pattern in (
            (CitationKind.DOI, _DOI_URL),
            (CitationKind.ARXIV, _ARXIV),
            (CitationKind.DOI, _DOI),
            (CitationKind.PMID, _PMID),
            (CitationKind.URL, _URL),
        ):
            for start, end, identifier in _matches(pattern, text, kind):
                if any(s < end and start < e for s, e in taken):
                    continue
                taken.append((start, end))
                found.append(
                    Citation(
                        raw=text[start:end],
                        start=start,
                        end=end,
                        kind=kind,
                        identifier=identifier,
                        status=CitationStatus.UNAVAILABLE,
                        detail=NOT_LOOKED_UP,
                    )
                )
        return sorted(found, key=lambda c: c.start)


def _matches(
    pattern: re.Pattern[str], text: str, kind: CitationKind
) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, normalised identifier), trailing punctuation cut off the match."""
    for match in pattern.finditer(text):
        start, end = match.start(), match.end()
        while end > start and text[end - 1] in _TRAILING and not _balanced(text[start:end]):
            end -= 1
        group = match.lastindex or 0
        value = text[match.start(group) : min(end, match.end(group))]
        yield start, end, _normalise(kind, value)


def _balanced(candidate: str) -> bool:
    """Keep a closing bracket that closes one opened inside the citation (DOIs have them)."""
    closing = candidate[-1]
    opening = {")": "(", "]": "[", "}": "{"}.get(closing)
    return opening is not None and candidate.count(opening) >= candidate.count(closing)


def _normalise(kind: CitationKind, value: str) -> str:
    if kind in (CitationKind.DOI, CitationKind.ARXIV):
        return value.lower()
    return value
