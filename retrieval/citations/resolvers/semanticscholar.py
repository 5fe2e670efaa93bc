"""Semantic Scholar Graph API: papers by DOI or arXiv id, and title match."""

from __future__ import annotations

from typing import Any

from retrieval.citations.resolvers.base import ApiResolver, NoSuchWork, plain
from retrieval.citations.types import WorkRecord

_FIELDS = "title,authors,year,venue,abstract,externalIds,url"


class SemanticScholarResolver(ApiResolver):
    name = "semanticscholar"
    kinds = frozenset({"doi", "arxiv", "title"})

    def __init__(self, *args: Any, api_key: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_key = api_key

    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.api_key} if self.api_key else {}

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        if kind == "title":
            answer = self.get_json("/paper/search/match", {"query": value, "fields": _FIELDS})
            return [self._paper(p) for p in answer.get("data", [])]
        paper_id = f"arXiv:{value}" if kind == "arxiv" else value
        paper = self.get_json(f"/paper/{paper_id}", {"fields": _FIELDS})
        if not paper.get("paperId") and not paper.get("title"):
            raise NoSuchWork("empty paper record")
        return [self._paper(paper)]

    def _paper(self, paper: dict[str, Any]) -> WorkRecord:
        ids = paper.get("externalIds") or {}
        return WorkRecord(
            source=self.name,
            title=plain(paper.get("title")),
            authors=tuple(str(a.get("name", "")) for a in paper.get("authors") or []),
            year=int(paper.get("year") or 0),
            venue=str(paper.get("venue") or ""),
            doi=str(ids.get("DOI") or "").lower(),
            url=str(paper.get("url") or ""),
            abstract=plain(paper.get("abstract")),
        )
