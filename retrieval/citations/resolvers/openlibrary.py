"""Open Library: books by ISBN, through the Books API (``/api/books?jscmd=data``).

The Books API rather than ``/isbn/{isbn}.json``: that edition record names its authors only
by key (one more request each) and answers with a redirect, while ``jscmd=data`` gives the
names in one answer. An unknown ISBN is an empty object, not a 404.
"""

from __future__ import annotations

from typing import Any

from retrieval.citations.resolvers.base import ApiResolver, NoSuchWork, plain, year_of
from retrieval.citations.types import WorkRecord


class OpenLibraryResolver(ApiResolver):
    name = "openlibrary"
    kinds = frozenset({"isbn"})

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        key = f"ISBN:{value}"
        answer = self.get_json("/api/books", {"bibkeys": key, "format": "json", "jscmd": "data"})
        book: dict[str, Any] | None = answer.get(key)
        if not book:
            raise NoSuchWork("no edition with this ISBN")
        title = plain(book.get("title"))
        subtitle = plain(book.get("subtitle"))
        return [
            WorkRecord(
                source=self.name,
                title=f"{title}: {subtitle}" if subtitle else title,
                authors=tuple(plain(a.get("name")) for a in book.get("authors", [])),
                year=year_of(book.get("publish_date")),
                # No venue: a reference names a book's publisher or place too variously
                # (imprints, "Press", cities) for a comparison to mean anything.
                url=str(book.get("url") or ""),
            )
        ]
