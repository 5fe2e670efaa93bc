"""Crossref: DOI metadata (``/works/{doi}``), bibliographic search, and retractions."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from retrieval.citations.resolvers.base import ApiResolver, first, plain, year_of
from retrieval.citations.types import WorkRecord

_RETRACTION_TYPES = frozenset({"retraction", "withdrawal", "removal"})


class CrossrefResolver(ApiResolver):
    name = "crossref"
    kinds = frozenset({"doi", "title"})

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        if kind == "doi":
            return [work(self.get_json(f"/works/{quote(value, safe='/:;()[]')}")["message"])]
        items = self.get_json("/works", {"query.bibliographic": value, "rows": "5"})
        return [work(item) for item in items["message"]["items"]]


def work(message: dict[str, Any]) -> WorkRecord:
    authors = tuple(
        plain(" ".join(p for p in (a.get("given", ""), a.get("family", "")) if p))
        or plain(a.get("name"))
        for a in message.get("author", [])
    )
    issued = next(
        (
            message[k]
            for k in ("issued", "published", "published-print", "published-online")
            if year_of(message.get(k))
        ),
        None,
    )
    return WorkRecord(
        source="crossref",
        title=plain(first(message.get("title"))),
        authors=authors,
        year=year_of(issued),
        venue=plain(first(message.get("container-title"))),
        doi=str(message.get("DOI", "")).lower(),
        url=str(message.get("URL", "")),
        abstract=plain(message.get("abstract")),
        retraction=_retraction(message),
    )


def _retraction(message: dict[str, Any]) -> str:
    """Crossref marks a retracted work with an ``updated-by`` notice (Retraction Watch data
    included), and some publishers prefix the title."""
    for update in message.get("updated-by", []) + message.get("relation", {}).get(
        "is-retracted-by", []
    ):
        if str(update.get("type", "retraction")).lower() in _RETRACTION_TYPES:
            notice = update.get("DOI") or update.get("id") or ""
            return f"{update.get('type', 'retraction')} notice {notice}".strip()
    if first(message.get("title")).upper().startswith(("RETRACTED", "WITHDRAWN")):
        return "the title marks the work as retracted"
    return ""
