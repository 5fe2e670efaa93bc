"""The arXiv export API (Atom): preprints by id, versions included."""

from __future__ import annotations

from retrieval.citations.resolvers.base import ApiResolver, NoSuchWork, plain, year_of
from retrieval.citations.types import WorkRecord

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


class ArxivResolver(ApiResolver):
    name = "arxiv"
    kinds = frozenset({"arxiv"})
    # arXiv answers 400 to an id of the wrong form: no such preprint can exist.
    missing = frozenset({400, 404, 410})

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        feed = self.get_xml("/query", {"id_list": value, "max_results": "1"})
        records = []
        for entry in feed.iter(f"{_ATOM}entry"):
            entry_id = entry.findtext(f"{_ATOM}id", "")
            if "/api/errors" in entry_id:
                raise NoSuchWork(plain(entry.findtext(f"{_ATOM}summary")))
            journal = entry.findtext(f"{_ARXIV}journal_ref") or ""
            records.append(
                WorkRecord(
                    source=self.name,
                    title=plain(entry.findtext(f"{_ATOM}title")),
                    authors=tuple(
                        plain(a.findtext(f"{_ATOM}name")) for a in entry.iter(f"{_ATOM}author")
                    ),
                    year=year_of(entry.findtext(f"{_ATOM}published")),
                    venue=plain(journal) or "arXiv",
                    doi=(entry.findtext(f"{_ARXIV}doi") or "").lower(),
                    url=entry_id,
                    abstract=plain(entry.findtext(f"{_ATOM}summary")),
                )
            )
        return records
