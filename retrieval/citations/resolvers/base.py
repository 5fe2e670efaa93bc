"""What every resolver shares: the question/answer shape and the HTTP, JSON and XML plumbing.

A resolver answers ``lookup(kind, value)`` for the kinds it knows (doi, arxiv, pmid, pmcid,
isbn, title, author: an author's works) with a Lookup: FOUND with records, NOT_FOUND when the
source says it has no such work, or ERROR when no answer could be had. Subclasses only build
the request and map the payload.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from retrieval.citations.http import HttpClient, Reply, Unavailable
from retrieval.citations.types import Lookup, Outcome, WorkRecord


class Resolver(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def kinds(self) -> frozenset[str]: ...

    def lookup(self, kind: str, value: str) -> Lookup: ...


class NoSuchWork(Exception):
    """The source answered that it has no such work."""


class ApiResolver:
    """A resolver over one HTTP API rooted at ``base_url``."""

    name: ClassVar[str]
    kinds: ClassVar[frozenset[str]]
    #: Statuses that mean "no such work" for an identifier look-up.
    missing: ClassVar[frozenset[int]] = frozenset({404, 410})

    def __init__(
        self, http: HttpClient, base_url: str, params: Mapping[str, str] | None = None
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.params = dict(params or {})

    def lookup(self, kind: str, value: str) -> Lookup:
        query = f"{kind}:{value}"
        try:
            records = tuple(self.fetch(kind, value))
        except NoSuchWork as reason:
            return Lookup(self.name, query, Outcome.NOT_FOUND, detail=str(reason))
        except Unavailable as error:
            return Lookup(self.name, query, Outcome.ERROR, detail=str(error))
        if not records:
            return Lookup(self.name, query, Outcome.NOT_FOUND)
        return Lookup(self.name, query, Outcome.FOUND, records)

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        """The records for one question; raise NoSuchWork or Unavailable otherwise."""
        raise NotImplementedError

    def get(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        missing: frozenset[int] | None = None,
    ) -> Reply:
        """The 2xx reply; NoSuchWork on a ``missing`` status (default ``self.missing``),
        Unavailable on any other."""
        reply = self.http.get(
            f"{self.base_url}{path}", {**self.params, **(params or {})}, self.headers()
        )
        if reply.status in (self.missing if missing is None else missing):
            raise NoSuchWork(f"HTTP {reply.status}")
        if not 200 <= reply.status < 300:
            raise Unavailable(f"{self.name}: HTTP {reply.status}")
        return reply

    def headers(self) -> dict[str, str]:
        return {}

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        reply = self.get(path, params)
        try:
            return json.loads(reply.body)
        except ValueError as error:
            raise Unavailable(f"{self.name}: malformed JSON") from error

    def get_xml(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        missing: frozenset[int] | None = None,
    ) -> ET.Element:
        reply = self.get(path, params, missing)
        try:
            return ET.fromstring(reply.body)
        except ET.ParseError as error:
            raise Unavailable(f"{self.name}: malformed XML") from error


def plain(text: str | None) -> str:
    """Markup-free, whitespace-collapsed text (JATS abstracts carry tags)."""
    if not text:
        return ""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def first(values: Any) -> str:
    """The first string of a list of strings, or the string itself."""
    if isinstance(values, list):
        return str(values[0]) if values else ""
    return str(values or "")


def year_of(value: Any) -> int:
    """A year out of an int, a date string ('2016-05-01', 'November 18, 2016'), or
    Crossref's date-parts."""
    if isinstance(value, dict):
        value = (value.get("date-parts") or [[None]])[0][0]
    match = re.search(r"\d{4}", str(value or ""))
    return int(match.group(0)) if match else 0


def bare_doi(value: str) -> str:
    return re.sub(r"^https?://(?:dx\.)?doi\.org/", "", value or "", flags=re.I).lower()
