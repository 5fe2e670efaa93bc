"""The doi.org handle API: whether a DOI is registered at all, with any agency.

It holds no bibliographic metadata, so a DOI found only here can be said to exist but not to
match what the text says of it.
"""

from __future__ import annotations

from urllib.parse import quote

from retrieval.citations.resolvers.base import ApiResolver, NoSuchWork
from retrieval.citations.types import WorkRecord


class DoiHandleResolver(ApiResolver):
    name = "doi.org"
    kinds = frozenset({"doi"})

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        answer = self.get_json(f"/api/handles/{quote(value, safe='/:;()[]')}")
        if answer.get("responseCode") != 1:
            raise NoSuchWork(f"handle response code {answer.get('responseCode')}")
        urls = [
            v.get("data", {}).get("value", "")
            for v in answer.get("values", [])
            if v.get("type") == "URL"
        ]
        return [WorkRecord(source=self.name, doi=value, url=str(urls[0]) if urls else "")]
