"""The arXiv export API (Atom): preprints by id, versions included, and title search."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from retrieval.citations.resolvers.base import ApiResolver, NoSuchWork, plain, year_of
from retrieval.citations.types import WorkRecord

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


class ArxivResolver(ApiResolver):
    name = "arxiv"
    kinds = frozenset({"arxiv", "title"})
    # arXiv answers 400 to an id of the wrong form: no such preprint can exist.
    missing = frozenset({400, 404, 410})

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        if kind == "title":
            # A phrase of the title's words only: quotes, colons or brackets in it would be
            # query syntax. An unmatched title is an empty feed, so any error status here is
            # a failed search, never "no such work".
            phrase = " ".join(re.findall(r"\w+", value))
            params = {"search_query": f'ti:"{phrase}"', "max_results": "5"}
            feed = self.get_xml("/query", params, missing=frozenset())
        else:
            feed = self.get_xml("/query", {"id_list": value, "max_results": "1"})
        return [self._entry(entry) for entry in feed.iter(f"{_ATOM}entry")]

    def _entry(self, entry: ET.Element) -> WorkRecord:
        entry_id = entry.findtext(f"{_ATOM}id", "")
        if "/api/errors" in entry_id:
            raise NoSuchWork(plain(entry.findtext(f"{_ATOM}summary")))
        journal = entry.findtext(f"{_ARXIV}journal_ref") or ""
        return WorkRecord(
            source=self.name,
            title=plain(entry.findtext(f"{_ATOM}title")),
            authors=tuple(plain(a.findtext(f"{_ATOM}name")) for a in entry.iter(f"{_ATOM}author")),
            year=year_of(entry.findtext(f"{_ATOM}published")),
            venue=plain(journal) or "arXiv",
            doi=(entry.findtext(f"{_ARXIV}doi") or "").lower(),
            url=entry_id,
            abstract=plain(entry.findtext(f"{_ATOM}summary")),
        )
