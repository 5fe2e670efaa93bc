"""OpenAlex: works by DOI and title search, an author's works, and abstracts rebuilt from the
inverted index."""

from __future__ import annotations

from typing import Any

from retrieval.citations.extract import family_name, given_names
from retrieval.citations.match import same_person
from retrieval.citations.resolvers.base import ApiResolver, NoSuchWork, bare_doi, plain
from retrieval.citations.types import WorkRecord

#: Author profiles whose works are fetched: OpenAlex often splits one person over several.
_PROFILES = 3
#: Works per author request (the API's largest page), newest first.
_WORKS = "200"
_WORK_FIELDS = "id,doi,display_name,publication_year,authorships,primary_location,is_retracted"


class OpenAlexResolver(ApiResolver):
    name = "openalex"
    kinds = frozenset({"doi", "title", "author"})

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        if kind == "doi":
            return [self._work(self.get_json(f"/works/https://doi.org/{value}"))]
        if kind == "author":
            return self._author_works(value)
        answer = self.get_json("/works", {"search": value, "per-page": "5"})
        return [self._work(w) for w in answer.get("results", [])]

    def _author_works(self, name: str) -> list[WorkRecord]:
        """The works of the profiles that can be the named person (same family name, same
        first initial): a name search, then one works request for those profiles."""
        query = f"{given_names(name)} {family_name(name)}".strip()
        found = self.get_json("/authors", {"search": query, "per-page": "10"}).get("results", [])
        ids = [
            str(a["id"]).rsplit("/", 1)[-1]
            for a in found
            if a.get("id") and same_person(name, str(a.get("display_name") or ""))
        ][:_PROFILES]
        if not ids:
            raise NoSuchWork(f"no author profile for '{name}'")
        works = self.get_json(
            "/works",
            {
                "filter": f"author.id:{'|'.join(ids)}",
                "sort": "publication_year:desc",
                "per-page": _WORKS,
                "select": _WORK_FIELDS,
            },
        )
        return [self._work(w) for w in works.get("results", [])]

    def _work(self, work: dict[str, Any]) -> WorkRecord:
        location = work.get("primary_location") or {}
        source = location.get("source") or {}
        return WorkRecord(
            source=self.name,
            title=plain(work.get("display_name") or work.get("title")),
            authors=tuple(
                str((a.get("author") or {}).get("display_name", ""))
                for a in work.get("authorships", [])
            ),
            year=int(work.get("publication_year") or 0),
            venue=str(source.get("display_name") or ""),
            doi=bare_doi(str(work.get("doi") or "")),
            url=str(work.get("id") or ""),
            abstract=_abstract(work.get("abstract_inverted_index")),
            retraction="OpenAlex: is_retracted" if work.get("is_retracted") else "",
        )


def _abstract(index: dict[str, list[int]] | None) -> str:
    if not index:
        return ""
    words = sorted((position, word) for word, positions in index.items() for position in positions)
    return " ".join(word for _, word in words)
