"""Plain records shared by the corpus store, the search and the checking pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np


@dataclass(frozen=True)
class Document:
    """A reference text, stored in a collection or sent with one request as context."""

    id: str
    text: str
    title: str = ""
    source_url: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


class Origin(Enum):
    """Where a passage came from."""

    CORPUS = "corpus"
    CONTEXT = "context"


@dataclass(frozen=True)
class Passage:
    """A retrieved window of a document, with its character span in that document."""

    document_id: str
    text: str
    start: int
    end: int
    title: str = ""
    source_url: str = ""
    score: float = 0.0
    origin: Origin = Origin.CORPUS
    # Cosine of the query's and this passage's embeddings, set by the search that found it, so
    # that a verifier need not embed the passage again; None when the passage was not searched.
    similarity: float | None = None
    # The passage's unit embedding, carried from the same search, for verifiers that read more
    # of the two embeddings than their cosine; None when the passage was not searched.
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CollectionStats:
    name: str
    documents: int
    passages: int
    index_version: str
    embedder: str
    index_type: str


@dataclass(frozen=True)
class UpsertReport:
    """What one upsert wrote; rejected documents are listed with their reason."""

    collection: str
    documents_upserted: int
    passages_indexed: int
    errors: list[tuple[str, str]]
    index_version: str


@dataclass(frozen=True)
class DeleteReport:
    documents_deleted: int
    missing_ids: list[str]
    index_version: str
