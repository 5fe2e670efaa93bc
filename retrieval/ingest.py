"""Reading documents from files for upsert: plain text, Markdown, HTML, PDF and JSON Lines.

Every problem is an IngestError that names the file (and the line, for JSON Lines), because the
person who sees it is fixing a file by hand. A document's ``text`` is what gets indexed and
what passage spans point into: for HTML and PDF that is the extracted text, not the raw file.
HTML goes through trafilatura (main content only: menus, footers and boilerplate dropped) and
PDF through pypdf, both pure Python and well maintained.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from retrieval.types import Document

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIX = ".pdf"
JSONL_SUFFIX = ".jsonl"
# Bigger files are refused before they are read: far past what one upsert should carry.
MAX_FILE_BYTES = 64 * 1024 * 1024
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
    """The documents in ``path``: one per .txt/.md/.html/.pdf file, one per line of .jsonl."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        supported = ", ".join(sorted(_READERS))
        raise IngestError(path, f"unsupported file type {suffix or '(none)'!r}; use {supported}")
    return reader(path, _read_bytes(path))


def _text_documents(path: Path, data: bytes) -> list[Document]:
    text = _decode(path, data)
    match = _HEADING.search(text)
    title = match.group(1).strip() if match else path.stem
    return [Document(id=path.stem, text=text, title=title, metadata={"file": path.name})]


def _html_documents(path: Path, data: bytes) -> list[Document]:
    """The page's main text, one paragraph per block; title and canonical URL when given."""
    import trafilatura

    # Not _decode: HTML may declare another charset, which trafilatura honours.
    _refuse_binary(path, data)
    extracted = trafilatura.bare_extraction(data, with_metadata=True, favor_recall=True)
    text = getattr(extracted, "text", None) or ""
    if not text.strip():
        raise IngestError(path, "no text could be extracted from the HTML")
    # trafilatura ends each block with one newline; a blank line makes every block (a heading,
    # a list item) end a sentence for the chunker.
    text = "\n\n".join(line.strip() for line in text.splitlines() if line.strip())
    return [
        Document(
            id=path.stem,
            text=text,
            title=getattr(extracted, "title", None) or path.stem,
            source_url=getattr(extracted, "url", None) or "",
            metadata={"file": path.name},
        )
    ]


def _pdf_documents(path: Path, data: bytes) -> list[Document]:
    """The text of every page, pages separated by a blank line; scanned pages have none."""
    import pypdf

    if not data.lstrip()[:5] == b"%PDF-":
        raise IngestError(path, "is not a PDF (no %PDF- header)")
    # pypdf logs every repair it makes to a damaged file; the outcome is what matters here.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IngestError(path, "is an encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or path.stem
    except IngestError:
        raise
    # A damaged PDF can make pypdf fail in many ways (PdfReadError, KeyError, ValueError, ...);
    # all of them mean the same to the user.
    except Exception as e:
        raise IngestError(path, f"is not a readable PDF ({type(e).__name__}: {e})") from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise IngestError(path, "has no extractable text (a scanned PDF needs OCR first)")
    return [
        Document(
            id=path.stem,
            text=text,
            title=str(title),
            metadata={"file": path.name, "pages": str(len(pages))},
        )
    ]


def _jsonl_documents(path: Path, data: bytes) -> list[Document]:
    return _parse_jsonl(path, _decode(path, data))


_READERS: dict[str, Callable[[Path, bytes], list[Document]]] = {
    **dict.fromkeys(TEXT_SUFFIXES, _text_documents),
    **dict.fromkeys(HTML_SUFFIXES, _html_documents),
    PDF_SUFFIX: _pdf_documents,
    JSONL_SUFFIX: _jsonl_documents,
}


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; an error for a missing, unreadable, empty or oversized file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IngestError(
                path, f"is {size / 2**20:.0f} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError(path, "file not found") from None
    except IsADirectoryError:
        raise IngestError(path, "is a directory, not a file") from None
    except OSError as e:
        raise IngestError(path, f"cannot be read: {e.strerror}") from None
    if not data.strip():
        raise IngestError(path, "is empty")
    return data


def _decode(path: Path, data: bytes) -> str:
    """The UTF-8 text of ``data`` (a BOM is dropped); an error for anything else or nothing."""
    _refuse_binary(path, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError(path, f"is not UTF-8 (invalid byte at offset {e.start})") from None
    if not text.strip():
        raise IngestError(path, "is empty")
    return text


def _refuse_binary(path: Path, data: bytes) -> None:
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        raise IngestError(path, "looks binary (contains NUL bytes), expected text")


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
