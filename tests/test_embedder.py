"""The embedder refuses unpinned weights and returns unit vectors that reflect meaning."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedder import (
    EXPECTED_SHA256,
    WEIGHTS_FILE,
    Embedder,
    ModelIntegrityError,
    default_model_dir,
    file_sha256,
)


def test_wrong_expected_hash_raises_before_loading() -> None:
    with pytest.raises(ModelIntegrityError, match="sha256"):
        Embedder.load(expected_sha256="0" * 64)


def test_tampered_weights_raise(tmp_path: Path) -> None:
    for item in default_model_dir().iterdir():
        if item.is_file() and item.name != WEIGHTS_FILE:
            shutil.copy(item, tmp_path / item.name)
    (tmp_path / WEIGHTS_FILE).write_bytes(b"not the real weights")
    with pytest.raises(ModelIntegrityError, match=str(tmp_path)):
        Embedder.load(tmp_path)


def test_missing_weights_raise(tmp_path: Path) -> None:
    with pytest.raises(ModelIntegrityError, match="not found"):
        Embedder.load(tmp_path)


def test_shipped_weights_match_the_pin() -> None:
    assert file_sha256(default_model_dir() / WEIGHTS_FILE) == EXPECTED_SHA256


def test_version_and_dim(embedder: Embedder) -> None:
    assert embedder.version == "all-MiniLM-L6-v2@" + EXPECTED_SHA256[:8]
    assert embedder.dim == 384


def test_encode_shape_dtype_and_norm(embedder: Embedder) -> None:
    vectors = embedder.encode(["one sentence", "another, longer sentence about something"])
    assert vectors.shape == (2, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_encode_nothing(embedder: Embedder) -> None:
    assert embedder.encode([]).shape == (0, 384)


def test_paraphrase_is_closer_than_unrelated(embedder: Embedder) -> None:
    anchor, paraphrase, unrelated = embedder.encode(
        [
            "The Arctic sea ice is shrinking every decade.",
            "Ice cover in the Arctic Ocean keeps declining over the decades.",
            "The recipe needs two cups of flour and an egg.",
        ]
    )
    assert float(anchor @ paraphrase) > float(anchor @ unrelated) + 0.3
