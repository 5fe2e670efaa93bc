"""Citation finding by pattern: kinds, identifiers, spans, and the no-lookup status."""

from __future__ import annotations

from service.citations import RegexCitationChecker
from service.types import CitationKind, CitationStatus


def test_finds_each_kind_with_exact_spans() -> None:
    text = (
        "See doi:10.1038/nature12373. The preprint arXiv:1706.03762v5 and "
        "https://doi.org/10.1000/xyz123, PMID: 31712796, and https://example.org/page."
    )
    citations = RegexCitationChecker().check(text)
    assert [(c.kind, c.identifier) for c in citations] == [
        (CitationKind.DOI, "10.1038/nature12373"),
        (CitationKind.ARXIV, "1706.03762v5"),
        (CitationKind.DOI, "10.1000/xyz123"),
        (CitationKind.PMID, "31712796"),
        (CitationKind.URL, "https://example.org/page"),
    ]
    for c in citations:
        assert text[c.start : c.end] == c.raw


def test_doi_keeps_its_own_brackets_but_not_the_enclosing_ones() -> None:
    [citation] = RegexCitationChecker().check("(doi:10.1016/S0140-6736(20)30183-5).")
    assert citation.raw == "doi:10.1016/S0140-6736(20)30183-5"
    assert citation.identifier == "10.1016/s0140-6736(20)30183-5"


def test_unchecked_citations_are_never_called_fabricated() -> None:
    [citation] = RegexCitationChecker().check("As shown in doi:10.9999/made.up.2024.")
    assert citation.status is CitationStatus.UNAVAILABLE
    assert citation.identifier == "10.9999/made.up.2024"


def test_text_without_citations() -> None:
    assert RegexCitationChecker().check("No references here, just 10.5 degrees.") == []
