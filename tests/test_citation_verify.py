"""Verdicts end to end: the service's citation checker against a fake API server on 127.0.0.1
that replays the recorded responses in ../shared/fixtures/bibapi plus crafted ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bibapi import fixtures_or_skip, settings_for

from service.citations.stage import LiveCitationChecker
from service.types import CitationKind, CitationStatus, SupportLabel
from tools.fake_bibapi import (
    FakeBibServer,
    Request,
    Response,
    cassette_route,
    json_response,
    load_cassettes,
)

RETRACTED_DOI = "10.9999/retracted.1"
ABSTRACT = "Coral reefs bleach when sea water warms. Bleaching kills corals."


def crafted(request: Request) -> Response | None:
    """What the recordings lack: a retraction, a title search, links, failures."""
    path = request.path
    if path == f"/crossref/works/{RETRACTED_DOI}":
        return json_response(
            {
                "message": {
                    "DOI": RETRACTED_DOI,
                    "title": ["Warm water and coral bleaching"],
                    "author": [{"given": "Ann", "family": "Hughes"}],
                    "issued": {"date-parts": [[2018]]},
                    "container-title": ["Nature"],
                    "abstract": f"<jats:p>{ABSTRACT}</jats:p>",
                    "updated-by": [{"type": "retraction", "DOI": "10.9999/notice"}],
                }
            }
        )
    if path == "/crossref/works" and "query.bibliographic" in request.query:
        if "coral" in request.query["query.bibliographic"].lower():
            return json_response(
                {
                    "message": {
                        "items": [
                            {
                                "DOI": "10.9999/coral",
                                "title": ["Global warming and recurrent mass bleaching of corals"],
                                "author": [
                                    {"given": "Terry", "family": "Hughes"},
                                    {"given": "J", "family": "Kerry"},
                                ],
                                "issued": {"date-parts": [[2017]]},
                                "container-title": ["Nature"],
                            }
                        ]
                    }
                }
            )
        return json_response({"message": {"items": []}})
    if path in ("/semanticscholar/paper/search/match", "/openalex/works"):
        return json_response({"data": [], "results": []}) if path.startswith("/open") else None
    if path == "/web/page":
        return Response(200, b"<html>ok</html>", {"Content-Type": "text/html"})
    if path == "/web/moved":
        return Response(301, headers={"Location": "/web/page"})
    if path == "/web/to-metadata":
        return Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    if path.startswith("/crossref/works/10.5555/broken"):
        return Response(500, b"oops")
    if path.startswith("/crossref/works/10.5555/garbled"):
        return Response(200, b"{not json", {"Content-Type": "application/json"})
    if path.startswith("/crossref/works/10.5555/slow"):
        return Response(200, b"{}", delay=1.5)
    return None


PREPRINTS = {  # arXiv DOI -> title; DataCite answers for each as it does for arXiv's DOIs
    "10.48550/arxiv.2401.00001": "Sparse probes for reef acoustics",
    "10.48550/arxiv.2401.00002": "Tidal songs of reef fish",
    "10.48550/arxiv.2401.00003": "Storm surges over reef flats",
}


def preprints(request: Request) -> Response | None:
    """arXiv DOIs at DataCite (publisher arXiv), and a title search that knows the published
    version of the first, only the preprint of the second, and fails for the third."""
    doi = request.path.removeprefix("/datacite/dois/").lower()
    authors = [{"given": "Ann", "family": "Lee"}, {"given": "Bo", "family": "Chen"}]
    if doi in PREPRINTS:
        attributes = {
            "doi": doi,
            "titles": [{"title": PREPRINTS[doi]}],
            "creators": [{"givenName": a["given"], "familyName": a["family"]} for a in authors],
            "publicationYear": 2024,
            "publisher": "arXiv",
            "types": {"resourceTypeGeneral": "Preprint"},
        }
        return json_response({"data": {"attributes": attributes}})
    query = request.query.get("query.bibliographic", "").lower()
    if request.path != "/crossref/works" or not query:
        return None
    if query.startswith("sparse probes"):
        published = {
            "DOI": "10.5555/icml.2024.1",
            "title": ["Sparse Probes for Reef Acoustics"],
            "author": authors,
            "issued": {"date-parts": [[2024]]},
            "container-title": [
                "Proceedings of the 41st International Conference on Machine Learning"
            ],
        }
        return json_response({"message": {"items": [published]}})
    if query.startswith("tidal songs"):
        preprint = {
            "DOI": "10.48550/arxiv.2401.00002",
            "title": ["Tidal songs of reef fish"],
            "author": authors,
            "issued": {"date-parts": [[2024]]},
            "container-title": ["arXiv"],
        }
        return json_response({"message": {"items": [preprint]}})
    if query.startswith("storm surges"):
        return Response(500, b"oops")
    return None


@pytest.fixture(scope="module")
def server() -> Iterator[FakeBibServer]:
    interactions = load_cassettes(fixtures_or_skip())
    with FakeBibServer([preprints, crafted, cassette_route(interactions)]) as fake:
        yield fake


def checker(server: FakeBibServer, tmp_path: Path, **overrides: object) -> LiveCitationChecker:
    return LiveCitationChecker.from_settings(settings_for(server, **overrides), tmp_path)


def test_recorded_identifiers_resolve(server: FakeBibServer, tmp_path: Path) -> None:
    text = (
        "See doi:10.1371/journal.pone.0033693, arXiv:1605.08386, PMID: 31712796 "
        "and doi:10.5281/zenodo.48440."
    )
    citations = checker(server, tmp_path).check(text)
    assert [c.status for c in citations] == [CitationStatus.VERIFIED] * 4
    doi, arxiv, pmid, zenodo = citations
    assert doi.resolved is not None and doi.resolved.source == "crossref"
    assert "Methylphenidate" in doi.resolved.title or doi.resolved.title
    assert arxiv.resolved is not None and arxiv.resolved.source == "arxiv"
    assert pmid.resolved is not None and pmid.resolved.source == "pubmed" and pmid.resolved.title
    # Zenodo DOIs are DataCite's: Crossref answers 404 first, and both are listed.
    assert zenodo.resolved is not None and zenodo.resolved.source == "datacite"
    assert [s.split()[0] for s in zenodo.checked_sources] == ["crossref", "datacite"]


def test_unknown_identifiers_are_not_found(server: FakeBibServer, tmp_path: Path) -> None:
    citations = checker(server, tmp_path).check(
        "As shown in doi:10.1371/notarealdoi and arXiv:0000.0000, ISBN 978-0-306-40615-8."
    )
    assert [(c.kind, c.status) for c in citations] == [
        (CitationKind.DOI, CitationStatus.NOT_FOUND),
        (CitationKind.ARXIV, CitationStatus.NOT_FOUND),
        (CitationKind.ISBN, CitationStatus.NOT_FOUND),
    ]
    assert [s.split()[0] for s in citations[0].checked_sources] == [
        "crossref",
        "datacite",
        "doi.org",
    ]


def test_a_doi_cited_with_another_works_metadata_is_mismatched(
    server: FakeBibServer, tmp_path: Path
) -> None:
    text = (
        "[1] Jane Roe and Max Muster. 2012. Deep learning for protein folding. "
        "In NeurIPS. doi:10.1371/journal.pone.0033693\n"
    )
    [citation] = checker(server, tmp_path).check(text)
    assert citation.status is CitationStatus.MISMATCHED
    assert "another work" in citation.detail


def test_a_venue_cited_for_an_arxiv_doi_is_looked_for_in_the_published_version(
    server: FakeBibServer, tmp_path: Path
) -> None:
    entry = "[{n}] Ann Lee and Bo Chen. 2024. {title}. In {venue}. doi:{doi}\n"
    sparse, tidal, storm = PREPRINTS
    text = "References\n" + "".join(
        entry.format(n=n, title=PREPRINTS[doi], venue=venue, doi=doi)
        for n, (doi, venue) in enumerate(
            [
                (sparse, "ICML"),  # published there: Crossref has the proceedings version
                (sparse, "CVPR"),  # published elsewhere
                (tidal, "Journal of Reef Acoustics"),  # known only as a preprint
                (tidal, "arXiv preprint"),  # cited as what it is
                (storm, "Nature"),  # the title search fails
            ],
            start=1,
        )
    )
    citations = checker(server, tmp_path, max_retries=0).check(text)
    assert [c.status for c in citations] == [
        CitationStatus.VERIFIED,
        CitationStatus.MISMATCHED,
        CitationStatus.MISMATCHED,
        CitationStatus.VERIFIED,
        CitationStatus.UNAVAILABLE,
    ]
    icml, cvpr, unknown, preprint, failed = citations
    assert "International Conference on Machine Learning" in icml.detail
    # Found in the first title source: the slower ones are not asked.
    assert [s.split()[0] for s in icml.checked_sources] == ["datacite", "crossref"]
    assert "cited in 'CVPR'" in cvpr.detail
    assert "no source knows it in 'Journal of Reef Acoustics'" in unknown.detail
    assert not any(s.startswith("crossref title") for s in preprint.checked_sources)
    assert "could not be checked" in failed.detail and "HTTP 500" in failed.detail


def test_retraction_and_claim_support(server: FakeBibServer, tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []

    def support(claim: str, abstract: str) -> tuple[SupportLabel, float]:
        seen.append((claim, abstract))
        return SupportLabel.SUPPORTED, 0.9

    resolver_settings = settings_for(server, check_claim_support=True)
    live = LiveCitationChecker.from_settings(resolver_settings, tmp_path, support=support)
    [citation] = live.check(f"Coral reefs bleach when the sea warms (doi:{RETRACTED_DOI}).")
    assert citation.status is CitationStatus.RETRACTED
    assert citation.claim == "Coral reefs bleach when the sea warms."
    assert citation.claim_support is SupportLabel.SUPPORTED and citation.claim_support_score == 0.9
    assert seen == [(citation.claim, ABSTRACT)]


def test_references_are_searched_by_title(server: FakeBibServer, tmp_path: Path) -> None:
    text = (
        "Reefs bleach [1]. Reefs are old [2]. Reefs sing [3].\n\nReferences\n"
        "[1] Terry Hughes and J Kerry. 2017. Global warming and recurrent mass bleaching of "
        "corals. Nature.\n"
        "[2] Terry Hughes and J Kerry. 2017. Global warming and rare mass bleaching of "
        "corals. Nature.\n"
        "[3] Ann Other. 2019. Songs of the deep ocean floor in winter. Science.\n"
    )
    citations = checker(server, tmp_path).check(text)
    entries = [c for c in citations if not c.linked_reference]
    assert [c.status for c in entries] == [
        CitationStatus.VERIFIED,
        CitationStatus.MISMATCHED,  # an altered title: the closest work's title differs
        CitationStatus.NOT_FOUND,
    ]
    mentions = [c for c in citations if c.linked_reference]
    assert [(m.raw, m.status) for m in mentions] == [
        ("[1]", CitationStatus.VERIFIED),
        ("[2]", CitationStatus.MISMATCHED),
        ("[3]", CitationStatus.NOT_FOUND),
    ]
    assert mentions[0].linked_reference.startswith("Terry Hughes")


def test_failures_are_unavailable_never_fabricated(server: FakeBibServer, tmp_path: Path) -> None:
    citations = checker(server, tmp_path, read_timeout=0.3, max_retries=0).check(
        "A doi:10.5555/broken.1 and doi:10.5555/garbled.1 and doi:10.5555/slow.1 here."
    )
    assert [c.status for c in citations] == [CitationStatus.UNAVAILABLE] * 3
    assert "HTTP 500" in citations[0].detail
    assert "malformed JSON" in citations[1].detail
    assert "Timeout" in citations[2].detail


def test_links(server: FakeBibServer, tmp_path: Path) -> None:
    base = server.url
    citations = checker(server, tmp_path).check(
        f"Live {base}/web/page and moved {base}/web/moved and gone {base}/web/gone "
        f"and {base}/web/to-metadata end."
    )
    assert [c.status for c in citations] == [
        CitationStatus.VERIFIED,
        CitationStatus.VERIFIED,
        CitationStatus.DEAD_LINK,
        CitationStatus.UNAVAILABLE,
    ]
    assert citations[1].resolved is not None and citations[1].resolved.url.endswith("/web/page")
    assert "169.254.169.254" in citations[3].detail and "metadata" in citations[3].detail


def test_a_private_address_is_refused_without_the_allowlist(
    server: FakeBibServer, tmp_path: Path
) -> None:
    before = len(server.requests)
    [citation] = checker(server, tmp_path, url_allowlist=()).check(
        f"See {server.url}/web/page now."
    )
    assert citation.status is CitationStatus.UNAVAILABLE
    assert "loopback" in citation.detail
    assert len(server.requests) == before  # refused before any connection


def test_lookups_are_made_once_and_cached_across_runs(
    server: FakeBibServer, tmp_path: Path
) -> None:
    text = "Twice: doi:10.1371/journal.pone.0033693 and again doi:10.1371/journal.pone.0033693."
    before = len(server.requests)
    first = checker(server, tmp_path).check(text)
    assert len(server.requests) == before + 1
    assert [c.status for c in first] == [CitationStatus.VERIFIED] * 2
    # A new checker (a new process) reads the SQLite cache; offline it needs nothing else.
    again = checker(server, tmp_path, offline=True).check(text)
    assert [c.status for c in again] == [CitationStatus.VERIFIED] * 2
    assert len(server.requests) == before + 1


def test_offline_uses_the_local_bibliography_and_never_says_fabricated(
    server: FakeBibServer, tmp_path: Path
) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{hughes2017, title = {Global warming and recurrent mass bleaching of corals},"
        " author = {Hughes, Terry and Kerry, James}, year = 2017, journal = {Nature},"
        " doi = {10.1038/nature21707}}\n",
        encoding="utf-8",
    )
    before = len(server.requests)
    live = checker(server, tmp_path, offline=True, bibliography=str(bib))
    citations = live.check(
        "Known doi:10.1038/nature21707 and unknown doi:10.1038/nothing.here.\n\nReferences\n"
        "[1] Hughes, T. and Kerry, J. (2017). Global warming and recurrent mass bleaching of "
        "corals. Nature.\n"
    )
    assert [c.status for c in citations] == [
        CitationStatus.VERIFIED,
        CitationStatus.UNAVAILABLE,
        CitationStatus.VERIFIED,
    ]
    assert len(server.requests) == before


def test_offline_a_link_not_in_the_cache_is_unavailable(
    server: FakeBibServer, tmp_path: Path
) -> None:
    before = len(server.requests)
    [link] = checker(server, tmp_path, offline=True).check(
        "See https://example.org/report.html for details."
    )
    assert link.status is CitationStatus.UNAVAILABLE
    assert len(server.requests) == before
