"""Shared fixtures. The embedder takes seconds to load, so one instance serves every test."""

from __future__ import annotations

import os

import pytest

# No test may reach the real bibliographic APIs: citations are looked up offline (cache and
# local bibliography only) unless a test points the resolvers at a local fake server. Set at
# import time so that servers started as subprocesses inherit it.
os.environ.setdefault("VERACITY_OFFLINE", "1")

from retrieval.embedder import Embedder


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder.load()
