"""Reading documents from files for upsert: plain text, Markdown and JSON Lines.

Every problem is an IngestError that names the file (and the line, for JSON Lines), because the
person who sees it is fixing a file by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from retrieval.types import Document

TEXT_SUFFIXES = frozenset({".txt", ".md"})
JSONL_SUFFIX = ".jsonl"
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
# NUL never occurs in text; its presence near the start means a binary file.
_BINARY_SNIFF_BYTES = 8192


class IngestError(ValueError):
    """A file that cannot be read as documents; the message names the file and line."""

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


def load_documents(path: Path) -> list[Document]:
    """The documents in ``path``: one per .txt/.md file, one per line of a .jsonl file."""
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES and suffix != JSONL_SUFFIX:
        supported = ", ".join(sorted([*TEXT_SUFFIXES, JSONL_SUFFIX]))
        raise IngestError(path, f"unsupported file type {suffix or '(none)'!r}; use {supported}")
    text = _read_text(path)
    if suffix == JSONL_SUFFIX:
        return _parse_jsonl(path, text)
    match = _HEADING.search(text)
    title = match.group(1).strip() if match else path.stem
    return [Document(id=path.stem, text=text, title=title, metadata={"file": path.name})]


def _read_text(path: Path) -> str:
    """The file's UTF-8 text (a BOM is dropped); an error for anything else or nothing."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError(path, "file not found") from None
    except IsADirectoryError:
        raise IngestError(path, "is a directory, not a file") from None
    except OSError as e:
        raise IngestError(path, f"cannot be read: {e.strerror}") from None
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        raise IngestError(path, "looks binary (contains NUL bytes), expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError(path, f"is not UTF-8 (invalid byte at offset {e.start})") from None
    if not text.strip():
        raise IngestError(path, "is empty")
    return text


def _parse_jsonl(path: Path, text: str) -> list[Document]:
    documents: list[Document] = []
    first_line_of: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise IngestError(path, f"invalid JSON: {e.msg} (column {e.colno})", number) from None
        document = _document(path, number, record)
        if document.id in first_line_of:
            earlier = first_line_of[document.id]
            raise IngestError(
                path, f"duplicate id {document.id!r} (first on line {earlier})", number
            )
        first_line_of[document.id] = number
        documents.append(document)
    return documents


def _document(path: Path, line: int, record: Any) -> Document:
    if not isinstance(record, dict):
        raise IngestError(path, f"expected a JSON object, got {type(record).__name__}", line)
    for key in ("id", "text"):
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            raise IngestError(path, f"missing or empty string field {key!r}", line)
    for key in ("title", "source_url"):
        if not isinstance(record.get(key, ""), str):
            raise IngestError(path, f"field {key!r} must be a string", line)
    metadata = record.get("metadata", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise IngestError(path, "field 'metadata' must be an object of strings", line)
    return Document(
        id=record["id"],
        text=record["text"],
        title=record.get("title", ""),
        source_url=record.get("source_url", ""),
        metadata=metadata,
    )
