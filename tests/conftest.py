"""Shared fixtures. The embedder takes seconds to load, so one instance serves every test."""

from __future__ import annotations

import pytest

from retrieval.embedder import Embedder


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder.load()
