"""OpenAlex: works by DOI and title search; abstracts rebuilt from the inverted index."""

from __future__ import annotations

from typing import Any

from retrieval.citations.resolvers.base import ApiResolver, bare_doi, plain
from retrieval.citations.types import WorkRecord


class OpenAlexResolver(ApiResolver):
    name = "openalex"
    kinds = frozenset({"doi", "title"})

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        if kind == "doi":
            return [self._work(self.get_json(f"/works/https://doi.org/{value}"))]
        answer = self.get_json("/works", {"search": value, "per-page": "5"})
        return [self._work(w) for w in answer.get("results", [])]

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
