"""Citation extraction: identifiers, reference lists and inline mentions, with exact spans."""

from __future__ import annotations

from retrieval.citations.extract import extract, parse_reference
from service.citations.stage import claim_sentence


def test_finds_each_identifier_kind_with_exact_spans() -> None:
    text = (
        "See doi:10.1038/nature12373. The preprint arXiv:1706.03762v5 and "
        "https://doi.org/10.1000/xyz123, PMID: 31712796, PMCID: PMC6140287, "
        "ISBN 978-0-306-40615-7, arxiv.org/abs/hep-th/9901001v2 and https://example.org/page."
    )
    found = extract(text)
    assert [(f.kind, f.identifier) for f in found] == [
        ("doi", "10.1038/nature12373"),
        ("arxiv", "1706.03762v5"),
        ("doi", "10.1000/xyz123"),
        ("pmid", "31712796"),
        ("pmcid", "PMC6140287"),
        ("isbn", "9780306406157"),
        ("arxiv", "hep-th/9901001v2"),
        ("url", "https://example.org/page"),
    ]
    for f in found:
        assert text[f.start : f.end] == f.raw


def test_doi_keeps_its_own_brackets_but_not_the_enclosing_ones() -> None:
    [found] = extract("(doi:10.1016/S0140-6736(20)30183-5).")
    assert found.raw == "doi:10.1016/S0140-6736(20)30183-5"
    assert found.identifier == "10.1016/s0140-6736(20)30183-5"


def test_text_without_citations() -> None:
    assert extract("No references here, just 10.5 degrees in 2020.") == []


TEXT = (
    "Transformers changed NLP [1]. Retrieval helps (Lewis et al., 2020).\n\nReferences\n"
    "[1] Ashish Vaswani, Noam Shazeer, and Niki Parmar. 2017. Attention is all you need. "
    "In NeurIPS. doi:10.5555/3295222.3295349\n"
    "[2] Lewis, P., Perez, E., & Piktus, A. (2020). Retrieval-augmented generation for "
    "knowledge-intensive NLP tasks. Advances in Neural Information Processing Systems, 33, "
    "9459-9474.\n"
)


def test_reference_entries_are_parsed_and_mentions_linked() -> None:
    found = extract(TEXT)
    entries = [f for f in found if f.in_reference_list]
    assert [(e.kind, e.identifier) for e in entries] == [
        ("doi", "10.5555/3295222.3295349"),
        ("reference", "Retrieval-augmented generation for knowledge-intensive NLP tasks"),
    ]
    first = entries[0].cited
    assert first.title == "Attention is all you need"
    assert first.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")
    assert (first.year, first.venue) == (2017, "NeurIPS")
    second = entries[1].cited
    assert second.authors == ("Lewis, P", "Perez, E", "Piktus, A")
    assert second.venue == "Advances in Neural Information Processing Systems"
    mentions = [f for f in found if f.inline]
    assert [
        (m.raw, found[m.linked_to].identifier) for m in mentions if m.linked_to is not None
    ] == [
        ("[1]", "10.5555/3295222.3295349"),
        ("(Lewis et al., 2020)", entries[1].identifier),
    ]
    for f in found:
        assert TEXT[f.start : f.end] == f.raw


def test_reference_styles() -> None:
    ieee = parse_reference(
        'J. Devlin, M. Chang, K. Lee, and K. Toutanova, "BERT: Pre-training of deep '
        'bidirectional transformers for language understanding," in NAACL, 2019.'
    )
    assert ieee.title.startswith("BERT: Pre-training")
    assert ieee.authors[0] == "J. Devlin" and ieee.year == 2019 and ieee.venue == "NAACL"
    truncated = parse_reference("Smith, J. et al. (2021). A study of coral reefs. Nature.")
    assert truncated.authors_truncated and truncated.authors == ("Smith, J",)
    assert truncated.title == "A study of coral reefs"


def test_an_abbreviated_venue_is_kept_whole_and_an_empty_one_stays_empty() -> None:
    apa = parse_reference(
        "Henderson, P., & Liang, P. (2023). Foundation models and fair use. "
        "J. Mach. Learn. Res., 24(400), 1-79."
    )
    assert apa.title == "Foundation models and fair use"
    assert apa.venue == "J. Mach. Learn. Res"
    acl = parse_reference(
        "Ann Lee. 2021. A title of some length. In IEEE Trans. Pattern Anal. Mach. Intell."
    )
    assert acl.venue == "IEEE Trans. Pattern Anal. Mach. Intell"
    empty = parse_reference("Peter J Barclay. 2026. A rule-based model of morphology. In .")
    assert empty.title == "A rule-based model of morphology" and empty.venue == ""


def test_an_unlinked_author_year_mention_is_kept_without_a_title() -> None:
    [found] = extract("Reefs are bleaching (Hughes et al., 2018).")
    assert found.kind == "reference" and found.cited.year == 2018 and not found.cited.title


def test_claim_sentence_cuts_the_citation_out() -> None:
    text = "Intro. Coral reefs bleach when the water warms [2]. Next sentence."
    start = text.index("[2]")
    assert claim_sentence(text, start, start + 3) == "Coral reefs bleach when the water warms."


def test_new_citation_fields_reach_the_sdk() -> None:
    from service.transport.convert import citation_to_proto
    from service.types import Citation, CitationKind, CitationStatus, SupportLabel
    from veracity_client import _convert
    from veracity_client.types import SupportLabel as SdkSupportLabel

    citation = Citation(
        raw="[1]",
        start=10,
        end=13,
        kind=CitationKind.DOI,
        identifier="10.1/x",
        status=CitationStatus.MISMATCHED,
        linked_reference="Roe, J. (2020). A title. Nature.",
        claim="Reefs bleach.",
        claim_support=SupportLabel.SUPPORTED,
        claim_support_score=0.75,
    )
    sdk = _convert.citation(citation_to_proto(citation))
    assert sdk.linked_reference == citation.linked_reference and sdk.claim == "Reefs bleach."
    assert sdk.claim_support is SdkSupportLabel.SUPPORTED and sdk.claim_support_score == 0.75
    unchecked = _convert.citation(
        citation_to_proto(
            Citation(
                raw="x",
                start=0,
                end=1,
                kind=CitationKind.URL,
                identifier="x",
                status=CitationStatus.UNAVAILABLE,
            )
        )
    )
    assert unchecked.claim_support is None
