"""Settings of the checker and the server, from flags or VERACITY_* environment variables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path(".veracity")
DEFAULT_COLLECTION = "demo"


@dataclass(frozen=True)
class Settings:
    """Everything the Checker needs to know; all state lives under ``data_dir``."""

    data_dir: Path = DEFAULT_DATA_DIR
    default_collection: str = DEFAULT_COLLECTION
    # Seed the default collection from the shipped demo corpus when it does not exist yet.
    seed_demo_corpus: bool = True
    max_answer_chars: int = 100_000
    max_context_documents: int = 64
    max_top_k: int = 50
    default_top_k: int = 5
