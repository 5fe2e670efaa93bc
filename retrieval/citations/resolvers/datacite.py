"""DataCite: metadata for DOIs Crossref does not register (arXiv's 10.48550, Zenodo, ...)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from retrieval.citations.resolvers.base import ApiResolver, first, plain, year_of
from retrieval.citations.types import WorkRecord


class DataCiteResolver(ApiResolver):
    name = "datacite"
    kinds = frozenset({"doi"})

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        attributes: dict[str, Any] = self.get_json(f"/dois/{quote(value, safe='/:;()[]')}")["data"][
            "attributes"
        ]
        titles = [t.get("title", "") for t in attributes.get("titles", [])]
        abstracts = [
            d.get("description", "")
            for d in attributes.get("descriptions", [])
            if d.get("descriptionType") == "Abstract"
        ]
        container = attributes.get("container") or {}
        return [
            WorkRecord(
                source=self.name,
                title=plain(first(titles)),
                authors=tuple(_creator(c) for c in attributes.get("creators", [])),
                year=year_of(attributes.get("publicationYear")),
                venue=str(container.get("title") or attributes.get("publisher") or ""),
                doi=str(attributes.get("doi", value)).lower(),
                url=str(attributes.get("url") or ""),
                abstract=plain(first(abstracts)),
            )
        ]


def _creator(creator: dict[str, Any]) -> str:
    given, family = creator.get("givenName", ""), creator.get("familyName", "")
    return f"{given} {family}".strip() if family else str(creator.get("name", ""))
