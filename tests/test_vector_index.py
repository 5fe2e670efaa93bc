"""The FAISS wrapper: which index a size gets, and when it asks to be rebuilt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.vector_index import VectorIndex, lists_for


def unit_vectors(count: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, 32)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def build(count: int, exact_max: int) -> VectorIndex:
    vectors = unit_vectors(count)
    ids = np.arange(10, 10 + count, dtype=np.int64)
    sample = vectors[:: max(1, count // VectorIndex.training_size(count))]
    return VectorIndex.build(32, count, [(ids, vectors)], sample, exact_max)


@pytest.mark.parametrize("count", [40, 2_000, 20_000])
def test_list_count_is_trainable(count: int) -> None:
    assert 1 <= lists_for(count) <= max(1, count // 39)
    assert VectorIndex.training_size(count) >= min(count, 39 * lists_for(count))


def test_small_collections_are_exact_and_large_ones_ivf(tmp_path: Path) -> None:
    exact = build(500, exact_max=1_000)
    assert exact.kind == "faiss-IDMap2-FlatIP" and not exact.stale(1_000, exact_max=1_000)
    assert exact.stale(1_001, exact_max=1_000)
    ivf = build(5_000, exact_max=1_000)
    assert ivf.kind == f"faiss-IVF{lists_for(5_000)}-SQ8"
    # Not stale as built; stale once twice as many lists would be due.
    assert not ivf.stale(5_000) and not ivf.stale(9_000) and ivf.stale(11_000)
    ivf.write(tmp_path / "i.faiss")
    again = VectorIndex.read(tmp_path / "i.faiss")
    assert again.kind == ivf.kind and again.ntotal == 5_000


def test_ivf_finds_stored_vectors_and_forgets_removed_ones() -> None:
    ivf = build(5_000, exact_max=1_000)
    queries = unit_vectors(5_000)[:50]
    assert (ivf.search(queries, 1)[:, 0] == np.arange(10, 60)).mean() >= 0.95
    ivf.remove(range(10, 60))
    assert ivf.ntotal == 4_950
    assert not set(ivf.search(queries, 5).ravel()) & set(range(10, 60))
