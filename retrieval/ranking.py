"""Ranking pieces shared by corpus and context search: BM25 query words, context search, RRF.

Dense and BM25 scores are not on comparable scales, but their ranks are, so the ranked lists
are fused by reciprocal rank fusion (RRF) and near-duplicate passages are dropped afterwards.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from retrieval.types import Passage

RRF_K = 60
MAX_QUERY_TERMS = 64
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
Method = Literal["dense", "bm25"]
HYBRID: tuple[Method, ...] = ("dense", "bm25")
_WORD = re.compile(r"\w+")
# Dropped from BM25 queries: they match nearly every passage and only add noise and work.
_STOPWORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from"),
        *("has", "have", "he", "her", "his", "in", "is", "it", "its", "of", "on", "or"),
        *("she", "that", "the", "their", "there", "they", "this", "to", "was", "were"),
        *("which", "who", "will", "with", "not", "no"),
    }
)


@dataclass(frozen=True)
class Hit:
    """A ranked passage; ``source`` names its document unambiguously across origins."""

    source: tuple[str, str]
    passage: Passage


def query_words(text: str) -> list[str]:
    """The distinct lowercased words of ``text`` that a BM25 query should match, at most
    ``MAX_QUERY_TERMS``: stopwords are dropped unless the text has nothing else. Shared by the
    corpus (tantivy) and context (FTS5) BM25 so that both match a query the same way."""
    words = [w.lower() for w in _WORD.findall(text)]
    terms = [w for w in words if w not in _STOPWORDS] or words
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


def fts_query(text: str) -> str | None:
    """An FTS5 query matching any word of ``text``; None when it has no words.

    Each word is quoted, so nothing the user typed is read as FTS syntax (AND, NEAR, *, :, ^).
    """
    return " OR ".join(f'"{term}"' for term in query_words(text)) or None


def with_similarity(hit: Hit, vector: np.ndarray, query_vector: np.ndarray) -> Hit:
    """``hit`` with its passage's embedding and cosine to the query it was found for."""
    return Hit(
        hit.source, replace(hit.passage, similarity=float(vector @ query_vector), vector=vector)
    )


def search_context(
    hits: list[Hit],
    queries: Sequence[str],
    query_vectors: np.ndarray,
    passage_vectors: np.ndarray,
    depth: int,
    methods: Sequence[Method] = HYBRID,
) -> list[list[list[Hit]]]:
    """Per query, one ranking of the context passages per method in ``methods``.

    BM25 runs in a throwaway in-memory FTS5 table: a request's few context passages need no
    pruning, and a tantivy index per request (a writer with its own threads) took ~24 ms to
    create and fill with 30 passages on the loaded 2-core machine. FTS5's Porter stemmer and
    tantivy's Snowball English one (the corpus side, ``retrieval.bm25_index``) differ on few
    words, and each list is ranked on its own before fusion.
    """
    similarity = query_vectors @ passage_vectors.T
    memory = sqlite3.connect(":memory:")
    try:
        memory.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize='{FTS_TOKENIZER}')")
        memory.executemany(
            "INSERT INTO t (rowid, text) VALUES (?, ?)",
            [(i, hit.passage.text) for i, hit in enumerate(hits)],
        )
        rankings: list[list[list[Hit]]] = []
        for query, query_vector, row in zip(queries, query_vectors, similarity, strict=True):
            ranked: dict[Method, list[int]] = {
                "dense": [int(i) for i in np.argsort(-row, kind="stable")[:depth]]
            }
            match = fts_query(query)
            ranked["bm25"] = (
                [
                    r[0]
                    for r in memory.execute(
                        "SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?",
                        (match, depth),
                    )
                ]
                if match
                else []
            )
            rankings.append(
                [
                    [
                        with_similarity(hits[i], passage_vectors[i], query_vector)
                        for i in ranked[method]
                    ]
                    for method in methods
                ]
            )
        return rankings
    finally:
        memory.close()


def fuse(rankings: list[list[Hit]], top_k: int, methods: int = len(HYBRID)) -> list[Passage]:
    """Reciprocal rank fusion, then near-duplicates dropped: a passage overlapping a better one
    of the same document, or with the same normalised text as a better one.

    Scores are divided by the best possible one, a passage ranked first by each of the
    ``methods`` ranking methods, so that they lie in (0, 1]."""
    fused: dict[tuple[tuple[str, str], int, int], float] = defaultdict(float)
    by_key: dict[tuple[tuple[str, str], int, int], Hit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            key = (hit.source, hit.passage.start, hit.passage.end)
            fused[key] += 1.0 / (RRF_K + rank)
            by_key[key] = hit
    best = methods / (RRF_K + 1)
    chosen: list[Passage] = []
    texts: set[str] = set()
    spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for key in sorted(fused, key=lambda k: (-fused[k], k)):
        hit = by_key[key]
        start, end = hit.passage.start, hit.passage.end
        text = " ".join(hit.passage.text.lower().split())
        if text in texts or any(s < end and start < e for s, e in spans[hit.source]):
            continue
        texts.add(text)
        spans[hit.source].append((start, end))
        chosen.append(replace(hit.passage, score=min(1.0, fused[key] / best)))
        if len(chosen) == top_k:
            break
    return chosen
