"""A stand-in for the sentence embedder in tests that need many passages or a subprocess
without torch: each word is hashed to a fixed random direction and a text is the normalised
sum of its words' directions, so texts sharing words are near each other."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")


class HashingEmbedder:
    dim = 384
    version = "hashing-test@0"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest())
                vectors[row] += np.random.default_rng(seed).standard_normal(self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)
