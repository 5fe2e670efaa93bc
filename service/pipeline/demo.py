"""The demo data shipped inside the package: a small reference corpus and example answers.

Where they come from is written in service/data/SOURCE.md.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from retrieval.ingest import load_documents
from retrieval.types import Document


def demo_data_path(name: str) -> Path:
    """Path of a file in service/data (the package is installed unzipped)."""
    return Path(str(resources.files("service") / "data" / name))


def demo_corpus() -> list[Document]:
    return load_documents(demo_data_path("demo_corpus.jsonl"))
