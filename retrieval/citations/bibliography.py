"""A local bibliography (BibTeX or CSL-JSON) as a source, for offline checking.

It answers identifier look-ups exactly and title look-ups with the closest titles. Absence
from a local file proves nothing about the world, so the orchestrator never turns its
NOT_FOUND into a fabrication verdict.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from retrieval.citations.extract import split_authors
from retrieval.citations.resolvers.base import bare_doi, plain, year_of
from retrieval.citations.types import Lookup, Outcome, WorkRecord

_ENTRY = re.compile(r"@(\w+)\s*\{\s*([^,\s]*)\s*,", re.M)
_FIELD = re.compile(r"(\w+)\s*=\s*", re.M)
_TITLE_CUTOFF = 80.0


class Bibliography:
    name = "bibliography"
    kinds = frozenset({"doi", "arxiv", "pmid", "pmcid", "title"})

    def __init__(self, records: list[tuple[WorkRecord, dict[str, str]]]) -> None:
        self._records = records
        self._by_id = {
            (kind, value.lower()): record
            for record, ids in records
            for kind, value in ids.items()
            if value
        }
        self._titles = [record.title.lower() for record, _ in records]

    @classmethod
    def load(cls, path: Path) -> Bibliography:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
            items = json.loads(text)
            return cls(
                [_from_csl(item) for item in (items if isinstance(items, list) else [items])]
            )
        return cls([_from_bibtex(fields) for fields in parse_bibtex(text)])

    def lookup(self, kind: str, value: str) -> Lookup:
        query = f"{kind}:{value}"
        if kind == "title":
            hits = process.extract(
                value.lower(), self._titles, scorer=fuzz.ratio, score_cutoff=_TITLE_CUTOFF, limit=5
            )
            records = tuple(self._records[index][0] for _, _, index in hits)
        else:
            record = self._by_id.get((kind, value.lower()))
            records = (record,) if record else ()
        outcome = Outcome.FOUND if records else Outcome.NOT_FOUND
        return Lookup(self.name, query, outcome, records)


def parse_bibtex(text: str) -> list[dict[str, str]]:
    """The fields of each entry; values in braces (nested) or quotes, or bare words."""
    entries = []
    for match in _ENTRY.finditer(text):
        fields: dict[str, str] = {"ENTRYTYPE": match.group(1).lower()}
        position = match.end()
        while True:
            field = _FIELD.match(text, _skip(text, position))
            if not field:
                break
            value, position = _value(text, field.end())
            value = value.replace("{", "").replace("}", "")
            fields[field.group(1).lower()] = re.sub(r"\s+", " ", value).strip()
            position = _skip(text, position)
            if position < len(text) and text[position] == ",":
                position += 1
        entries.append(fields)
    return entries


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _value(text: str, position: int) -> tuple[str, int]:
    """One field value starting at ``position``, and the position after it."""
    if text.startswith("{", position):
        depth = 0
        for index in range(position, len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                return text[position + 1 : index], index + 1
        return text[position + 1 :], len(text)
    if text.startswith('"', position):
        end = text.find('"', position + 1)
        end = len(text) if end < 0 else end
        return text[position + 1 : end], end + 1
    match = re.match(r"[^,}\s]+", text[position:])
    word = match.group(0) if match else ""
    return word, position + len(word)


def _from_bibtex(fields: dict[str, str]) -> tuple[WorkRecord, dict[str, str]]:
    names, _ = split_authors(fields.get("author", "").replace(" and ", "; "))
    eprint = (
        fields.get("eprint", "") if "arxiv" in fields.get("archiveprefix", "arxiv").lower() else ""
    )
    record = WorkRecord(
        source="bibliography",
        title=plain(fields.get("title")),
        authors=names,
        year=year_of(fields.get("year")),
        venue=fields.get("booktitle") or fields.get("journal") or "",
        doi=bare_doi(fields.get("doi", "")),
        url=fields.get("url", ""),
        abstract=plain(fields.get("abstract")),
    )
    ids = {"doi": record.doi, "arxiv": eprint, "pmid": fields.get("pmid", ""), "title": ""}
    return record, ids


def _from_csl(item: dict[str, Any]) -> tuple[WorkRecord, dict[str, str]]:
    authors = tuple(
        f"{a.get('given', '')} {a.get('family', '')}".strip() or str(a.get("literal", ""))
        for a in item.get("author", [])
    )
    record = WorkRecord(
        source="bibliography",
        title=plain(item.get("title")),
        authors=authors,
        year=year_of(item.get("issued")),
        venue=str(item.get("container-title") or ""),
        doi=bare_doi(str(item.get("DOI", ""))),
        url=str(item.get("URL", "")),
        abstract=plain(item.get("abstract")),
    )
    ids = {
        "doi": record.doi,
        "pmid": str(item.get("PMID", "")),
        "pmcid": str(item.get("PMCID", "")),
    }
    return record, ids
