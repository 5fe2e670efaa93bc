"""Embeddings of training and evaluation texts, computed once and kept on disk.

Embedding tens of thousands of sentences takes minutes on two cores; every fit of the signal
verifier reuses the same vectors, so they are stored under ``build/`` keyed by the text's hash
and the embedder's version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.embedder import Embedder

DEFAULT_DIR = Path("build") / "embeddings"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """A text -> unit vector map backed by one ``.npz`` file per embedder version."""

    def __init__(self, embedder: Embedder, directory: Path = DEFAULT_DIR) -> None:
        self.embedder = embedder
        self.path = directory / f"{embedder.version.replace('/', '_')}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as stored:
                keys = stored["keys"]
                matrix = stored["vectors"]
            self._vectors = dict(zip(keys.tolist(), matrix, strict=True))

    def encode(self, texts: Sequence[str], chunk: int = 2048) -> np.ndarray:
        """Vectors for ``texts``, embedding (and saving) only those not seen before."""
        missing = sorted({t for t in texts if _key(t) not in self._vectors})
        for start in range(0, len(missing), chunk):
            batch = missing[start : start + chunk]
            for text, vector in zip(batch, self.embedder.encode(batch), strict=True):
                self._vectors[_key(text)] = vector
            self.save()
            print(f"embedded {min(start + chunk, len(missing))}/{len(missing)}", flush=True)
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([self._vectors[_key(t)] for t in texts])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors))
        vectors = np.stack(list(self._vectors.values())).astype(np.float32)
        np.savez(self.path.with_suffix(".tmp.npz"), keys=keys, vectors=vectors)
        self.path.with_suffix(".tmp.npz").replace(self.path)
