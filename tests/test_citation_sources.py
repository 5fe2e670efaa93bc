"""The look-ups the recordings in ../shared/fixtures/bibapi do not cover: an author's works at
OpenAlex (chimeras), books by ISBN at Open Library, and arXiv's title search. The fake server
on 127.0.0.1 answers them with crafted responses in each API's real shape: OpenAlex
``/authors`` and ``/works`` list pages (``results`` of author and work objects), the Open
Library Books API's ``{"ISBN:...": {...}}`` object (``{}`` for an unknown ISBN), and an arXiv
Atom feed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bibapi import settings_for

from service.citations.stage import LiveCitationChecker
from service.config import CitationSettings
from service.types import Citation, CitationStatus
from tools.fake_bibapi import FakeBibServer, Request, Response, json_response

LINDQVIST = "https://openalex.org/A5001"
NAMESAKE = "https://openalex.org/A5002"  # Per Lindqvist: same family name, other initial


def _work(title: str, year: int, venue: str, *authors: str) -> dict[str, Any]:
    return {
        "id": f"https://openalex.org/W{abs(hash(title)) % 10**9}",
        "doi": None,
        "display_name": title,
        "publication_year": year,
        "authorships": [{"author": {"id": LINDQVIST, "display_name": a}} for a in authors],
        "primary_location": {"source": {"display_name": venue}},
        "is_retracted": False,
    }


LINDQVIST_WORKS = [
    _work("Coral acoustics in warm water", 2021, "Nature", "Ann Lindqvist", "Bo Chen"),
    _work("Sea urchin choruses", 2022, "Nature", "Ann Lindqvist", "Bo Chen"),
    _work("Kelp forests at night", 2019, "Science", "Ann Lindqvist", "Eva Holm"),
]

DEEP_LEARNING = {
    "url": "https://openlibrary.org/books/OL26342440M/Deep_Learning",
    "key": "/books/OL26342440M",
    "title": "Deep Learning",
    "authors": [
        {
            "url": "https://openlibrary.org/authors/OL7476208A/Ian_Goodfellow",
            "name": "Ian Goodfellow",
        },
        {
            "url": "https://openlibrary.org/authors/OL7108405A/Yoshua_Bengio",
            "name": "Yoshua Bengio",
        },
        {
            "url": "https://openlibrary.org/authors/OL7476209A/Aaron_Courville",
            "name": "Aaron Courville",
        },
    ],
    "identifiers": {"isbn_13": ["9780262035613"], "openlibrary": ["OL26342440M"]},
    "publishers": [{"name": "The MIT Press"}],
    "publish_date": "November 18, 2016",
    "number_of_pages": 775,
}

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query: search_query=ti:"Reef fish tidal harmonics"</title>
  <entry>
    <id>http://arxiv.org/abs/2301.01234v2</id>
    <published>2023-01-03T18:00:00Z</published>
    <title>Reef Fish: Tidal Harmonics</title>
    <summary>Reef fish sing with the tides.</summary>
    <author><name>Ann Lee</name></author>
    <author><name>Bo Chen</name></author>
  </entry>
</feed>"""
EMPTY_FEED = '<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query</title></feed>'


def crafted(request: Request) -> Response | None:
    path, query = request.path, request.query
    if path == "/crossref/works":  # the title searches know none of these references
        return json_response({"message": {"items": []}})
    if path == "/openalex/works" and "search" in query:
        return json_response({"meta": {"count": 0}, "results": []})
    if path == "/openalex/authors":
        name = query.get("search", "").lower()
        if "failington" in name:
            return Response(500, b"oops")
        if "lindqvist" not in name:
            return json_response({"meta": {"count": 0}, "results": []})
        profiles = [
            {"id": LINDQVIST, "display_name": "Ann Lindqvist", "works_count": 3},
            {"id": NAMESAKE, "display_name": "Per Lindqvist", "works_count": 40},
        ]
        return json_response({"meta": {"count": 2}, "results": profiles})
    if path == "/openalex/works" and query.get("filter") == "author.id:A5001":
        return json_response({"meta": {"count": 3}, "results": LINDQVIST_WORKS})
    if path == "/openlibrary/api/books":
        key = query.get("bibkeys", "")
        if key == "ISBN:9781492032649":
            return Response(503, b"busy")
        return json_response({key: DEEP_LEARNING} if key == "ISBN:9780262035613" else {})
    if path == "/arxiv/query" and "search_query" in query:
        phrase = query["search_query"]
        if phrase == 'ti:"Reef fish tidal harmonics"':
            return Response(200, FEED.encode(), {"Content-Type": "application/atom+xml"})
        if "Storm" in phrase:  # 400 means "no such preprint" for an id, not for a search
            return Response(400, b"bad query")
        return Response(200, EMPTY_FEED.encode(), {"Content-Type": "application/atom+xml"})
    return None


@pytest.fixture(scope="module")
def server() -> Iterator[FakeBibServer]:
    with FakeBibServer([crafted]) as fake:
        yield fake


def check(server: FakeBibServer, tmp_path: Path, text: str) -> list[Citation]:
    settings = settings_for(server, max_retries=0)
    citations = LiveCitationChecker.from_settings(settings, tmp_path).check(text)
    return [c for c in citations if not c.linked_reference]


def test_real_authors_under_a_title_not_theirs_are_mismatched(
    server: FakeBibServer, tmp_path: Path
) -> None:
    before = len(server.requests)
    [chimera] = check(
        server,
        tmp_path,
        "[1] Bo Chen and Ann Lindqvist. 2021. Deep reef acoustics at scale. In Nature.\n",
    )
    assert chimera.status is CitationStatus.MISMATCHED
    assert "2 work(s) by these authors" in chimera.detail
    assert chimera.checked_sources[-1] == "openalex author:Ann Lindqvist: found"
    # The longer family name is searched, and only the profile with the cited initial is read.
    asked = server.requests[before:]
    [search] = [r for r in asked if r.path == "/openalex/authors"]
    assert search.query["search"] == "Ann lindqvist"
    [works] = [r for r in asked if "filter" in r.query]
    assert works.query["filter"] == "author.id:A5001"


def test_an_author_search_never_turns_absence_into_a_chimera_on_weak_evidence(
    server: FakeBibServer, tmp_path: Path
) -> None:
    citations = check(
        server,
        tmp_path,
        "References\n"
        "[1] Ann Lindqvist. 2021. Deep reef acoustics at scale. In Nature.\n"
        "[2] Ann Lindqvist and Zed Quorra. 2021. Deep reef acoustics at scale. In Nature.\n"
        "[3] Bo Chen and Cy Failington. 2021. Deep reef acoustics at scale. In Nature.\n",
    )
    assert [c.status for c in citations] == [CitationStatus.NOT_FOUND] * 3
    single, strangers, failed = citations
    assert not any("author" in s for s in single.checked_sources)  # one name: not searched
    assert strangers.checked_sources[-1] == "openalex author:Ann Lindqvist: found"
    assert "HTTP 500" in failed.checked_sources[-1]  # failed: NOT_FOUND stands, never mismatched


def test_a_title_the_search_missed_is_found_among_the_authors_works(
    server: FakeBibServer, tmp_path: Path
) -> None:
    [citation] = check(
        server, tmp_path, "[1] Ann Lindqvist and Bo Chen. 2022. Sea Urchin Choruses. Nature.\n"
    )
    assert citation.status is CitationStatus.VERIFIED
    assert citation.resolved is not None and citation.resolved.source == "openalex"


def test_isbns_are_looked_up_at_open_library(server: FakeBibServer, tmp_path: Path) -> None:
    before = len(server.requests)
    citations = check(
        server,
        tmp_path,
        "Read ISBN 978-0-262-03561-3, ISBN 978-0-306-40615-7, ISBN 978-1-4920-3264-9 "
        "and ISBN 978-0-262-03561-4.",
    )
    assert [c.status for c in citations] == [
        CitationStatus.VERIFIED,
        CitationStatus.NOT_FOUND,  # a valid number that Open Library does not know
        CitationStatus.UNAVAILABLE,  # Open Library answered 503
        CitationStatus.NOT_FOUND,  # fails its checksum: not asked
    ]
    book = citations[0].resolved
    assert book is not None and book.source == "openlibrary"
    assert (book.title, book.year) == ("Deep Learning", 2016)
    assert book.authors == ["Ian Goodfellow", "Yoshua Bengio", "Aaron Courville"]
    assert "checksum" in citations[3].detail
    asked = [r.query.get("bibkeys") for r in server.requests[before:]]
    assert asked == ["ISBN:9780262035613", "ISBN:9780306406157", "ISBN:9781492032649"]


def test_a_reference_with_an_isbn_is_checked_against_the_book(
    server: FakeBibServer, tmp_path: Path
) -> None:
    citations = check(
        server,
        tmp_path,
        "References\n"
        "[1] Ian Goodfellow, Yoshua Bengio, and Aaron Courville. 2016. Deep Learning. "
        "MIT Press. ISBN 978-0-262-03561-3\n"
        "[2] Jane Roe and Max Muster. 2016. Deep Learning. MIT Press. ISBN 978-0-262-03561-3\n",
    )
    assert [c.status for c in citations] == [CitationStatus.VERIFIED, CitationStatus.MISMATCHED]
    assert "authors do not match" in citations[1].detail


def test_a_reference_naming_arxiv_is_searched_there_by_title(
    server: FakeBibServer, tmp_path: Path
) -> None:
    citations = check(
        server,
        tmp_path,
        "References\n"
        "[1] Ann Lee and Bo Chen. 2023. Reef fish: tidal harmonics. arXiv preprint.\n"
        "[2] Ann Lee and Bo Chen. 2023. Reef fish: tidal harmonics. In Nature.\n"
        "[3] Ann Lee and Bo Chen. 2023. Storm surges over reef flats. CoRR.\n"
        "[4] Ann Lee and Bo Chen. 2023. Songs of the abyss. arXiv preprint.\n",
    )
    assert [c.status for c in citations] == [
        CitationStatus.VERIFIED,
        CitationStatus.NOT_FOUND,  # not cited as arXiv: arXiv is not asked
        CitationStatus.UNAVAILABLE,  # arXiv's search failed (HTTP 400)
        CitationStatus.NOT_FOUND,  # arXiv's feed is empty and no other source knows it
    ]
    found, elsewhere, failed, unknown = citations
    assert found.resolved is not None and found.resolved.source == "arxiv"
    assert found.checked_sources == ["arxiv title:Reef fish: tidal harmonics: found"]
    assert not any(s.startswith("arxiv") for s in elsewhere.checked_sources)
    assert "HTTP 400" in failed.detail
    assert unknown.checked_sources[0] == "arxiv title:Songs of the abyss: not_found"


def test_the_open_library_root_is_configurable() -> None:
    env = {"VERACITY_OPENLIBRARY_URL": "http://books.internal"}
    assert CitationSettings.from_env(env).openlibrary_url == "http://books.internal"
    assert CitationSettings.from_env({}).openlibrary_url == "https://openlibrary.org"
