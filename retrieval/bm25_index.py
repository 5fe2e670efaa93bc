"""The BM25 half of corpus retrieval: a tantivy index per collection, a rebuildable cache of SQLite.

Why tantivy rather than SQLite FTS5: FTS5's ``bm25()`` scores every passage that matches any
query term and has no early termination, so a query with common words cost 2 s (p99) at a
million passages. Tantivy answers the same top-k disjunction with block-max WAND, skipping
blocks of postings that cannot enter the top k, and reads its index through memory-mapped
files, so a searcher keeps resident only the postings its queries touch. BM25 uses the same
k1 = 1.2, b = 0.75 as FTS5; only passage ids are indexed besides the text (the text itself
stays in SQLite).

Files, per collection, under the store's root:

* ``{collection}.bm25/{generation}/`` — tantivy's files. Updates go into the current
  generation through tantivy's own commit, which writes a new ``meta.json`` aside and renames
  it, so a crash leaves tantivy's previous commit or the new one.
* ``{collection}.bm25.json`` — the stamp: the current generation and the SQLite
  ``index_version`` it holds, written aside and renamed after each commit. A crash between
  the commit and the stamp leaves the previous version in the stamp, which no longer matches
  SQLite, so the store rebuilds. A rebuild fills a new generation beside the old one and then
  switches the stamp to it, so searches (in this process or another sharing the root) keep
  using the old one until they reopen.

Writers to one collection are serialised by the store (across processes too), which holds its
lock from the SQLite commit until the stamp is written.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy

from retrieval.ranking import query_words

_TEXT, _ID = "text", "id"
_ANALYZER_NAME = "veracity_en"
# Bytes a writer buffers before it flushes a segment; tantivy's floor is 15 MB a thread.
_WRITER_HEAP = 64_000_000


def _analyzer() -> tantivy.TextAnalyzer:
    """Words split at non-alphanumerics, lowercased, accents folded, Snowball English stems:
    tantivy's match for the FTS5 tokenizer the store used before, ``porter unicode61
    remove_diacritics 2``. Tokens over 40 bytes (hashes, base64) are dropped."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _schema() -> tantivy.Schema:
    """Text indexed with term frequencies (no positions: BM25 needs none), and the passage id
    as an indexed term (for deletes) and a fast field (to read hits without the doc store)."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(_TEXT, tokenizer_name=_ANALYZER_NAME, index_option="freq")
    builder.add_unsigned_field(_ID, indexed=True, fast=True)
    return builder.build()


_ANALYZER = _analyzer()
_SCHEMA = _schema()


def query_terms(text: str) -> list[str]:
    """The distinct index terms a query for ``text`` matches (see ``ranking.query_words``)."""
    return list(dict.fromkeys(_ANALYZER.analyze(" ".join(query_words(text)))))


@dataclass(frozen=True)
class Stamp:
    """Which generation directory is current and which SQLite ``index_version`` it holds."""

    generation: str
    version: str


class Bm25Index:
    """One generation of a collection's tantivy index, with the searcher searches use.

    The searcher is a snapshot: a commit becomes visible only through ``refresh``, which the
    store calls while it holds searches off, so a search never sees SQLite and BM25 disagree.
    """

    def __init__(self, index: tantivy.Index, generation: str) -> None:
        index.register_tokenizer(_ANALYZER_NAME, _ANALYZER)
        index.config_reader(reload_policy="manual")
        self._index = index
        self.generation = generation
        self._searcher = index.searcher()
        self._writer: tantivy.IndexWriter | None = None

    @classmethod
    def create(cls, root: Path, collection: str) -> Bm25Index:
        """An empty index in a new generation directory of ``collection``."""
        generation = secrets.token_hex(8)
        path = _directory(root, collection) / generation
        path.mkdir(parents=True)
        return cls(tantivy.Index(_SCHEMA, path=str(path), reuse=False), generation)

    @classmethod
    def load(cls, root: Path, collection: str, version: str) -> Bm25Index | None:
        """The index whose stamp says it holds ``version``; None when the stamp is missing,
        unreadable or names another version, or the files cannot be opened."""
        stamp = read_stamp(root, collection)
        if stamp is None or stamp.version != version:
            return None
        path = _directory(root, collection) / stamp.generation
        try:
            if not tantivy.Index.exists(str(path)):
                return None
            return cls(tantivy.Index.open(str(path)), stamp.generation)
        except (OSError, ValueError):
            return None

    @property
    def ntotal(self) -> int:
        """Passages visible to searches (deleted ones excluded)."""
        return int(self._searcher.num_docs)

    def update(self, removed: Sequence[int], added: Iterable[tuple[int, str]]) -> None:
        """Delete passages by id, add (id, text) ones, and commit.

        Searches see the commit after ``refresh``; merges it starts go on until ``settle``,
        so that they need not hold searches off.
        """
        writer = self._index.writer(heap_size=_WRITER_HEAP, num_threads=1)
        try:
            if removed:
                writer.delete_documents_by_query(
                    tantivy.Query.term_set_query(_SCHEMA, _ID, list(removed))
                )
            for passage_id, text in added:
                document = tantivy.Document()
                document.add_unsigned(_ID, passage_id)
                document.add_text(_TEXT, text)
                writer.add_document(document)
            writer.commit()
        except BaseException:
            writer.rollback()
            writer.wait_merging_threads()
            raise
        self._writer = writer

    def settle(self) -> None:
        """Wait for the merges of the last commit and release tantivy's writer lock, so that
        another process can write to this generation."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.wait_merging_threads()

    def refresh(self) -> None:
        """Make the last commit (and any merges since) visible to searches."""
        self._index.reload()
        self._searcher = self._index.searcher()

    def search(self, text: str, k: int) -> list[int]:
        """Ids of the ``k`` passages with the best BM25 score for ``text``'s words, best first.

        The words are turned into terms by the index's own analyzer and combined as a
        disjunction of term queries, which tantivy evaluates with block-max WAND; nothing the
        user typed is parsed as query syntax."""
        terms = query_terms(text)
        if not terms:
            return []
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.term_query(_SCHEMA, _TEXT, t, "freq"))
                for t in terms
            ]
        )
        searcher = self._searcher
        hits = searcher.search(query, k, count=False).hits
        ids = searcher.fast_field_values(_ID, [address for _, address in hits])
        return [int(i) for i in ids if i is not None]


def build(root: Path, collection: str, rows: Iterable[tuple[int, str]]) -> Bm25Index:
    """A new generation holding the (passage id, text) ``rows``, committed and merged, not yet
    stamped (see ``publish``)."""
    index = Bm25Index.create(root, collection)
    index.update([], rows)
    index.settle()
    index.refresh()
    return index


def publish(root: Path, collection: str, index: Bm25Index, version: str) -> None:
    """Stamp ``index`` as holding ``version``, then delete the collection's other generations
    (open readers of those keep their memory maps until they reopen)."""
    write_stamp(root, collection, Stamp(index.generation, version))
    for path in _directory(root, collection).iterdir():
        if path.name != index.generation:
            shutil.rmtree(path, ignore_errors=True)


def read_stamp(root: Path, collection: str) -> Stamp | None:
    """The collection's stamp; None when it is missing or unreadable."""
    try:
        data = json.loads(_stamp_path(root, collection).read_text(encoding="utf-8"))
        return Stamp(str(data["generation"]), str(data["version"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_stamp(root: Path, collection: str, stamp: Stamp) -> None:
    """Write the stamp to a temporary file, then rename it into place."""
    path = _stamp_path(root, collection)
    temporary = path.with_name(f"{path.name}.tmp{os.getpid()}")
    temporary.write_text(
        json.dumps({"generation": stamp.generation, "version": stamp.version}), encoding="utf-8"
    )
    os.replace(temporary, path)


def _directory(root: Path, collection: str) -> Path:
    return root / f"{collection}.bm25"


def _stamp_path(root: Path, collection: str) -> Path:
    return root / f"{collection}.bm25.json"
