"""The reference corpus: SQLite as the source of truth, FAISS and tantivy for hybrid search.

SQLite (one WAL-mode file) holds collections, documents, their passages and each passage's
vector. Two per-collection indexes are caches of it, each persisted with a stamp of the
collection's ``index_version`` and rebuilt from SQLite whenever its files are missing,
unreadable, stamped with another version or hold another number of passages: the FAISS index
of the vectors (``retrieval.vector_index``) and the tantivy BM25 index of the passage texts
(``retrieval.bm25_index``).

Durability: every upsert or delete is one SQLite transaction (documents, passages and the new
version stamp commit together or not at all), and index files are written aside and renamed
(tantivy commits the same way), so a crash at any moment leaves the old or the new state; an
index that does not match SQLite is detected by its stamp and rebuilt.

Search fuses up to four ranked lists per query (dense and BM25, over the collection and over
the request's context documents) by reciprocal rank fusion (``retrieval.ranking``).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from retrieval import bm25_index
from retrieval.bm25_index import Bm25Index
from retrieval.chunking import Chunk, chunk_text
from retrieval.embedder import Embedder
from retrieval.locks import ReadWriteLock
from retrieval.ranking import HYBRID, Hit, Method, fuse, search_context, with_similarity
from retrieval.types import (
    CollectionStats,
    DeleteReport,
    Document,
    Origin,
    Passage,
    UpsertReport,
)
from retrieval.vector_index import EXACT_MAX, VectorIndex

STORE_VERSION = "hybrid-rrf-v2"
DATABASE_FILE = "corpus.sqlite3"
MAX_DOCUMENT_CHARS = 5_000_000
# Sentence windows: 3 sentences starting every 2 scored best on climate-FEVER evidence recall@5
# among the windows measured by bench/bench_retrieval.py (see the README's Retrieval section).
WINDOW, STRIDE, MAX_PASSAGE_CHARS = 3, 2, 1000
# Collection names become file names, so they are restricted to a safe alphabet.
_COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SQL_BATCH = 500
# Rows per step when a FAISS index is rebuilt from SQLite: bounds the float32 copies in memory.
_BUILD_BATCH = 20_000

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    name TEXT PRIMARY KEY,
    counter INTEGER NOT NULL,
    index_version TEXT NOT NULL,
    embedder TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL REFERENCES collections(name),
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    source_url TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    document_id TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL,
    FOREIGN KEY (collection, document_id) REFERENCES documents(collection, id)
);
CREATE INDEX IF NOT EXISTS passages_of_document ON passages(collection, document_id);
-- Stores written before BM25 moved to tantivy kept an FTS5 index here; nothing reads it now,
-- and its triggers would go on costing every write. The passage texts stay in `passages`.
DROP TRIGGER IF EXISTS passages_fts_insert;
DROP TRIGGER IF EXISTS passages_fts_delete;
DROP TABLE IF EXISTS passages_fts;
"""


class CorpusStore:
    """Collections of documents under ``root``, searched by dense + BM25 retrieval.

    Safe to use from several threads: writers are serialised, and a search never sees an upsert
    or delete half applied (SQLite, FAISS and the BM25 searcher change together under a
    read/write lock, held only while they are updated, not while texts are embedded or an index
    is rebuilt). Several processes may share ``root``: writes to a collection take a file lock,
    and each process notices the others' writes by the ``index_version`` in SQLite and reloads
    (or, failing that, rebuilds) its indexes before using them.
    """

    version = STORE_VERSION

    def __init__(
        self,
        root: Path,
        embedder: Embedder,
        *,
        window: int = WINDOW,
        stride: int = STRIDE,
        max_passage_chars: int = MAX_PASSAGE_CHARS,
        exact_max: int = EXACT_MAX,
    ) -> None:
        self.root = root
        self.embedder = embedder
        self.embedder_version = embedder.version
        self._window, self._stride, self._max_chars = window, stride, max_passage_chars
        self._exact_max = exact_max
        root.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        self._write_lock = threading.Lock()
        self._rw = ReadWriteLock()
        self._indexes: dict[str, VectorIndex] = {}
        self._bm25: dict[str, Bm25Index] = {}
        # The index_version the in-memory indexes reflect; SQLite may be ahead of it when
        # another process (the CLI beside a running server) writes to the same root.
        self._loaded: dict[str, str] = {}
        db = self._db()
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        for (name,) in db.execute("SELECT name FROM collections ORDER BY name").fetchall():
            with self._writing(name):
                self._load(name)

    # -- collections ------------------------------------------------------------------------

    def has_collection(self, name: str) -> bool:
        row = self._db().execute("SELECT 1 FROM collections WHERE name = ?", (name,)).fetchone()
        return row is not None

    def index_version(self, collection: str) -> str:
        """The stamp of the collection's current contents; it changes on every write."""
        return self._version(self._db(), collection)

    def stats(self, collection: str | None = None) -> list[CollectionStats]:
        """Counts per collection; every collection, by name, when ``collection`` is None."""
        db = self._db()
        with self._rw.read():
            if collection is None:
                names = [row[0] for row in db.execute("SELECT name FROM collections ORDER BY 1")]
            else:
                self._version(db, collection)
                names = [collection]
            return [self._stats(db, name) for name in names]

    def _stats(self, db: sqlite3.Connection, name: str) -> CollectionStats:
        (documents,) = db.execute(
            "SELECT count(*) FROM documents WHERE collection = ?", (name,)
        ).fetchone()
        (passages,) = db.execute(
            "SELECT count(*) FROM passages WHERE collection = ?", (name,)
        ).fetchone()
        index = self._indexes.get(name)
        return CollectionStats(
            name=name,
            documents=documents,
            passages=passages,
            index_version=self._version(db, name),
            embedder=self.embedder_version,
            index_type=f"{index.kind if index else 'faiss'}+tantivy-bm25",
        )

    # -- writing ----------------------------------------------------------------------------

    def upsert(self, collection: str, documents: Iterable[Document]) -> UpsertReport:
        """Add or replace documents by id; the collection is created when missing.

        Invalid documents are listed in ``errors`` and skipped; the valid ones are written in
        one transaction. Within one call, a later document with the same id wins.
        """
        if not _COLLECTION_NAME.fullmatch(collection):
            raise ValueError(f"invalid collection name {collection!r}")
        accepted: dict[str, Document] = {}
        errors: list[tuple[str, str]] = []
        for position, document in enumerate(documents):
            reason = _rejection(document)
            if reason is None:
                accepted.pop(document.id, None)
                accepted[document.id] = document
            else:
                errors.append((document.id, f"{reason} (document {position} of the request)"))
        chunked = [(doc, self._chunk(doc.text)) for doc in accepted.values()]
        texts = [c.text for _, chunks in chunked for c in chunks]
        vectors = self.embedder.encode(texts)
        with self._writing(collection):
            db = self._db()
            with self._rw.write():
                with _transaction(db):
                    created = self._ensure_collection(db, collection)
                    in_sync = created or self._in_sync(db, collection)
                    before = self._version(db, collection)
                    old_ids = self._remove_documents(db, collection, list(accepted))
                    new_ids = self._insert(db, collection, chunked, vectors)
                    changed = bool(accepted) or created
                    version = self._bump(db, collection) if changed else before
                self._update_indexes(
                    db,
                    collection,
                    (before, version),
                    in_sync,
                    old_ids,
                    list(zip(new_ids, texts, strict=True)),
                    vectors,
                )
            if changed:
                self._refresh(db, collection)
        return UpsertReport(
            collection=collection,
            documents_upserted=len(accepted),
            passages_indexed=len(new_ids),
            errors=errors,
            index_version=version,
        )

    def delete(self, collection: str, document_ids: Sequence[str]) -> DeleteReport:
        """Remove documents by id; ids not in the collection are reported, not an error."""
        self._version(self._db(), collection)
        with self._writing(collection):
            db = self._db()
            wanted = list(dict.fromkeys(document_ids))
            with self._rw.write():
                with _transaction(db):
                    in_sync = self._in_sync(db, collection)
                    before = self._version(db, collection)
                    present = self._existing(db, collection, wanted)
                    old_ids = self._remove_documents(db, collection, present)
                    version = self._bump(db, collection) if present else before
                no_vectors = np.zeros((0, self.embedder.dim), dtype=np.float32)
                self._update_indexes(
                    db, collection, (before, version), in_sync, old_ids, [], no_vectors
                )
            if present:
                self._refresh(db, collection)
        found = set(present)
        return DeleteReport(
            documents_deleted=len(present),
            missing_ids=[i for i in wanted if i not in found],
            index_version=version,
        )

    def rebuild(self, collection: str) -> CollectionStats:
        """Rebuild the collection's FAISS and BM25 indexes from SQLite and persist them.

        Needed only to repair or re-tune an index by hand (the store rebuilds on its own when
        the files do not match SQLite or the collection outgrows its index); searches keep
        using the old indexes until the new ones are swapped in.
        """
        self._version(self._db(), collection)
        with self._writing(collection):
            db = self._db()
            index, version = self._build_index(db, collection)
            bm25 = self._build_bm25(db, collection)
            with self._rw.write():
                self._indexes[collection] = index
                self._bm25[collection] = bm25
                self._loaded[collection] = version
            self._persist(collection, index, version)
            bm25_index.publish(self.root, collection, bm25, version)
        return self.stats(collection)[0]

    @contextmanager
    def _writing(self, collection: str) -> Iterator[None]:
        """Exclusive right to write ``collection`` or its index files: this process's write
        lock, then a file lock that processes sharing the root take too. Held from the SQLite
        transaction until the indexes on disk are stamped, so that another process never
        finds SQLite ahead of index files that are still being written (it waits instead of
        rebuilding them), and never writes the same files at once."""
        with self._write_lock, (self.root / f"{collection}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _ensure_collection(self, db: sqlite3.Connection, name: str) -> bool:
        """Create the collection row unless it exists; whether it was created."""
        cursor = db.execute(
            "INSERT OR IGNORE INTO collections (name, counter, index_version, embedder) "
            "VALUES (?, 0, '', ?)",
            (name, self.embedder_version),
        )
        return cursor.rowcount == 1

    def _existing(self, db: sqlite3.Connection, collection: str, ids: list[str]) -> list[str]:
        found: set[str] = set()
        for batch in _batches(ids):
            marks = ",".join("?" * len(batch))
            rows = db.execute(
                f"SELECT id FROM documents WHERE collection = ? AND id IN ({marks})",
                (collection, *batch),
            )
            found.update(row[0] for row in rows)
        return [i for i in ids if i in found]

    def _remove_documents(
        self, db: sqlite3.Connection, collection: str, ids: list[str]
    ) -> list[int]:
        """Delete the documents and their passages; the ids of the deleted passages."""
        passage_ids: list[int] = []
        for batch in _batches(ids):
            marks = ",".join("?" * len(batch))
            args = (collection, *batch)
            passage_ids += [
                row[0]
                for row in db.execute(
                    f"SELECT id FROM passages WHERE collection = ? AND document_id IN ({marks})",
                    args,
                )
            ]
            db.execute(
                f"DELETE FROM passages WHERE collection = ? AND document_id IN ({marks})", args
            )
            db.execute(f"DELETE FROM documents WHERE collection = ? AND id IN ({marks})", args)
        return passage_ids

    def _insert(
        self,
        db: sqlite3.Connection,
        collection: str,
        chunked: list[tuple[Document, list[Chunk]]],
        vectors: np.ndarray,
    ) -> list[int]:
        """Insert documents and passages; the new passage ids, in the order of ``vectors``."""
        ids: list[int] = []
        for document, chunks in chunked:
            db.execute(
                "INSERT INTO documents (collection, id, title, source_url, text, metadata) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    collection,
                    document.id,
                    document.title,
                    document.source_url,
                    document.text,
                    json.dumps(document.metadata, sort_keys=True),
                ),
            )
            for chunk in chunks:
                cursor = db.execute(
                    "INSERT INTO passages "
                    "(collection, document_id, span_start, span_end, text, vector) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        collection,
                        document.id,
                        chunk.start,
                        chunk.end,
                        chunk.text,
                        vectors[len(ids)].tobytes(),
                    ),
                )
                assert cursor.lastrowid is not None
                ids.append(cursor.lastrowid)
        return ids

    def _bump(self, db: sqlite3.Connection, collection: str) -> str:
        """Give the collection a new index version: a write counter and a random tag.

        The random tag keeps a recreated database from matching a stale FAISS file by counter.
        """
        (counter,) = db.execute(
            "SELECT counter + 1 FROM collections WHERE name = ?", (collection,)
        ).fetchone()
        version = f"{counter}-{secrets.token_hex(4)}"
        db.execute(
            "UPDATE collections SET counter = ?, index_version = ? WHERE name = ?",
            (counter, version, collection),
        )
        return version

    def _version(self, db: sqlite3.Connection, collection: str) -> str:
        row = db.execute(
            "SELECT index_version FROM collections WHERE name = ?", (collection,)
        ).fetchone()
        if row is None:
            raise KeyError(f"collection {collection!r} does not exist")
        return str(row[0])

    def _chunk(self, text: str) -> list[Chunk]:
        return chunk_text(text, self._window, self._stride, self._max_chars)

    # -- the FAISS cache --------------------------------------------------------------------

    def _index_paths(self, collection: str) -> tuple[Path, Path]:
        index = self.root / f"{collection}.faiss"
        return index, index.with_name(index.name + ".stamp")

    def _in_sync(self, db: sqlite3.Connection, collection: str) -> bool:
        """Whether the in-memory index reflects the collection's version in SQLite."""
        return self._loaded.get(collection) == self._version(db, collection)

    def _update_indexes(
        self,
        db: sqlite3.Connection,
        collection: str,
        versions: tuple[str, str],
        in_sync: bool,
        old_ids: list[int],
        added: list[tuple[int, str]],
        vectors: np.ndarray,
    ) -> None:
        """Apply a committed write, which took the collection from ``versions[0]`` to
        ``versions[1]``, to both indexes; searches are held off meanwhile.

        FAISS (in memory) is updated incrementally when it was current before the write, else
        (another process wrote meanwhile) rebuilt from SQLite. BM25 is updated in place when
        the index on disk holds the version before the write, else rebuilt. Should the BM25
        update fail, the collection is marked out of date, so that the next search reloads
        both indexes (rebuilding BM25, whose stamp no longer matches SQLite)."""
        before, version = versions
        if in_sync:
            index = self._indexes.setdefault(collection, VectorIndex.empty(self.embedder.dim))
            index.remove(old_ids)
            index.add(np.asarray([i for i, _ in added], dtype=np.int64), vectors)
            self._loaded[collection] = version
        else:
            self._indexes[collection], self._loaded[collection] = self._build_index(db, collection)
        if version == before:
            return
        bm25: Bm25Index | None = None
        try:
            bm25 = self._current_bm25(collection, before)
            if bm25 is None:
                bm25 = self._build_bm25(db, collection)
                bm25_index.publish(self.root, collection, bm25, version)
            else:
                bm25.update(old_ids, added)
                bm25.refresh()
                bm25_index.write_stamp(
                    self.root, collection, bm25_index.Stamp(bm25.generation, version)
                )
            self._bm25[collection] = bm25
        except BaseException:
            self._loaded.pop(collection, None)
            if bm25 is not None:
                bm25.settle()  # releases tantivy's writer lock
            raise

    def _current_bm25(self, collection: str, version: str) -> Bm25Index | None:
        """The collection's BM25 index on disk if its stamp says it holds ``version``: the one
        in memory when it is that generation, else opened; None when there is none."""
        stamp = bm25_index.read_stamp(self.root, collection)
        loaded = self._bm25.get(collection)
        if loaded is not None and stamp == bm25_index.Stamp(loaded.generation, version):
            return loaded
        return Bm25Index.load(self.root, collection, version)

    def _build_bm25(self, db: sqlite3.Connection, collection: str) -> Bm25Index:
        """A new, unstamped BM25 generation of the collection's passages, read from SQLite in
        one read transaction; callers hold the collection's write lock, so the version cannot
        change meanwhile."""
        log.info("building the BM25 index of %r from SQLite", collection)
        db.execute("BEGIN")
        try:
            cursor = db.execute(
                "SELECT id, text FROM passages WHERE collection = ? ORDER BY id", (collection,)
            )
            rows = (
                row for rows in iter(lambda: cursor.fetchmany(_BUILD_BATCH), []) for row in rows
            )
            return bm25_index.build(self.root, collection, rows)
        finally:
            db.execute("COMMIT")

    def _settle_bm25(self, collection: str) -> None:
        """After a write: let BM25 merges finish without holding searches off, then show
        searches the merged segments (the same passages, in fewer files)."""
        bm25 = self._bm25.get(collection)
        if bm25 is not None:
            bm25.settle()
            with self._rw.write():
                bm25.refresh()

    def _refresh(self, db: sqlite3.Connection, collection: str) -> None:
        """After a write: settle BM25, rebuild a FAISS index the collection has outgrown, then
        persist it.

        Runs under the write lock but not the read/write lock, so searches go on against the
        current (complete, merely slower) index while a replacement is built.
        """
        self._settle_bm25(collection)
        index = self._indexes[collection]
        if index.stale(index.ntotal, self._exact_max):
            log.info("rebuilding the vector index of %r for %d passages", collection, index.ntotal)
            index, version = self._build_index(db, collection)
            with self._rw.write():
                self._indexes[collection] = index
                self._loaded[collection] = version
        self._persist(collection, index, self._loaded[collection])

    def _sync(self, collection: str) -> None:
        """Reload the collection's index when another process has written to it."""
        if self._in_sync(self._db(), collection):
            return
        with self._writing(collection), self._rw.write():
            if not self._in_sync(self._db(), collection):
                self._load(collection)

    def _load(self, collection: str) -> None:
        """Load the persisted indexes when their stamps match SQLite, else rebuild them from
        SQLite. Callers hold the collection's write lock."""
        db = self._db()
        (embedder,) = db.execute(
            "SELECT embedder FROM collections WHERE name = ?", (collection,)
        ).fetchone()
        if embedder != self.embedder_version:
            self._reembed(db, collection, embedder)
        version = self._version(db, collection)
        (count,) = db.execute(
            "SELECT count(*) FROM passages WHERE collection = ?", (collection,)
        ).fetchone()
        index_path, stamp_path = self._index_paths(collection)
        index: VectorIndex | None = None
        try:
            if stamp_path.read_text(encoding="utf-8") == version:
                index = VectorIndex.read(index_path)
        except (OSError, RuntimeError, UnicodeDecodeError):
            pass
        if (
            index is None
            or index.ntotal != count
            or index.dim != self.embedder.dim
            or index.stale(count, self._exact_max)
        ):
            log.warning("rebuilding the vector index of collection %r from SQLite", collection)
            index, version = self._build_index(db, collection)
            self._persist(collection, index, version)
        bm25 = Bm25Index.load(self.root, collection, version)
        if bm25 is None or bm25.ntotal != count:
            log.warning("rebuilding the BM25 index of collection %r from SQLite", collection)
            bm25 = self._build_bm25(db, collection)
            bm25_index.publish(self.root, collection, bm25, version)
        self._indexes[collection] = index
        self._bm25[collection] = bm25
        self._loaded[collection] = version

    def _build_index(self, db: sqlite3.Connection, collection: str) -> tuple[VectorIndex, str]:
        """A fresh index of the collection's vectors and the version it reflects.

        One read transaction gives a consistent snapshot even while another process writes;
        rows are streamed so that a million passages never sit in memory as float32 twice.
        """
        db.execute("BEGIN")
        try:
            version = self._version(db, collection)
            (count,) = db.execute(
                "SELECT count(*) FROM passages WHERE collection = ?", (collection,)
            ).fetchone()
            sample = self._training_sample(db, collection, count)
            cursor = db.execute(
                "SELECT id, vector FROM passages WHERE collection = ? ORDER BY id", (collection,)
            )
            batches = (
                (np.asarray([row[0] for row in rows], dtype=np.int64), _vectors(rows, column=1))
                for rows in iter(lambda: cursor.fetchmany(_BUILD_BATCH), [])
            )
            index = VectorIndex.build(self.embedder.dim, count, batches, sample, self._exact_max)
        finally:
            db.execute("COMMIT")
        return index, version

    def _training_sample(self, db: sqlite3.Connection, collection: str, count: int) -> np.ndarray:
        """Vectors of evenly spaced passages (by id) to train IVF centroids on; none when the
        collection gets an exact index. Deterministic, so that a rebuild reproduces an index."""
        if count <= self._exact_max:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        ids = sorted(
            row[0]
            for row in db.execute("SELECT id FROM passages WHERE collection = ?", (collection,))
        )
        want = VectorIndex.training_size(count)
        chosen = ids[:: max(1, len(ids) // want)][:want]
        parts = [
            _vectors(
                db.execute(
                    f"SELECT vector FROM passages WHERE id IN ({','.join('?' * len(batch))})",
                    batch,
                ).fetchall()
            )
            for batch in _batches(chosen)
        ]
        return np.concatenate(parts)

    def _reembed(self, db: sqlite3.Connection, collection: str, embedder: str) -> None:
        """Recompute the vectors of a collection written with another embedder."""
        log.warning("re-embedding collection %r: written by %s", collection, embedder)
        rows = db.execute(
            "SELECT id, text FROM passages WHERE collection = ?", (collection,)
        ).fetchall()
        vectors = self.embedder.encode([row[1] for row in rows])
        with _transaction(db):
            db.executemany(
                "UPDATE passages SET vector = ? WHERE id = ?",
                [(v.tobytes(), row[0]) for v, row in zip(vectors, rows, strict=True)],
            )
            db.execute(
                "UPDATE collections SET embedder = ? WHERE name = ?",
                (self.embedder_version, collection),
            )
            self._bump(db, collection)

    def _persist(self, collection: str, index: VectorIndex, version: str) -> None:
        """Write the index, then its stamp, each to a temporary file renamed into place.

        A crash between the two leaves an old stamp, which makes the next open rebuild. Callers
        hold the collection's write lock, so the file and stamp of two processes never mix.
        """
        index_path, stamp_path = self._index_paths(collection)
        index.write(index_path)
        temporary = stamp_path.with_name(f"{stamp_path.name}.tmp{os.getpid()}")
        temporary.write_text(version, encoding="utf-8")
        os.replace(temporary, stamp_path)

    # -- searching --------------------------------------------------------------------------

    def search(
        self,
        collection: str | None,
        queries: Sequence[str],
        top_k: int,
        context: Sequence[Document] = (),
        methods: Sequence[Method] = HYBRID,
    ) -> list[list[Passage]]:
        """The ``top_k`` best passages for each query, from ``collection`` and ``context``.

        Context documents are chunked and embedded for this call only, never stored. Each
        passage's ``score`` is its fused RRF score divided by the best possible one (ranked
        first by every method), so it lies in (0, 1] and falls with the rank; it is a
        rank-based relevance, not a calibrated probability. ``methods`` narrows the search to
        dense or BM25 alone, for measuring what each contributes.
        """
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        if not methods or not set(methods) <= set(HYBRID):
            raise ValueError(f"methods must be a non-empty subset of {HYBRID}, got {methods}")
        if collection is not None and not self.has_collection(collection):
            raise KeyError(f"collection {collection!r} does not exist")
        if not queries:
            return []
        depth = max(top_k * 4, 20)
        pieces = [
            (i, doc, chunk) for i, doc in enumerate(context) for chunk in self._chunk(doc.text)
        ]
        vectors = self.embedder.encode([*queries, *(chunk.text for _, _, chunk in pieces)])
        query_vectors = vectors[: len(queries)]
        lists: list[list[list[Hit]]] = [[] for _ in queries]
        if collection is not None:
            found_in_corpus = self._search_corpus(
                collection, queries, query_vectors, depth, methods
            )
            for per_query, found in zip(lists, found_in_corpus, strict=True):
                per_query.extend(found)
        if pieces:
            hits = [
                Hit(
                    ("context", str(i)),
                    Passage(
                        document_id=doc.id,
                        text=chunk.text,
                        start=chunk.start,
                        end=chunk.end,
                        title=doc.title,
                        source_url=doc.source_url,
                        origin=Origin.CONTEXT,
                    ),
                )
                for i, doc, chunk in pieces
            ]
            found_in_context = search_context(
                hits, queries, query_vectors, vectors[len(queries) :], depth, methods
            )
            for per_query, found in zip(lists, found_in_context, strict=True):
                per_query.extend(found)
        return [fuse(ranked, top_k, len(set(methods))) for ranked in lists]

    def _search_corpus(
        self,
        collection: str,
        queries: Sequence[str],
        query_vectors: np.ndarray,
        depth: int,
        methods: Sequence[Method],
    ) -> list[list[list[Hit]]]:
        """Per query, one ranking of the collection's passages per method in ``methods``."""
        self._sync(collection)
        db = self._db()
        with self._rw.read():
            dense = (
                self._indexes[collection].search(query_vectors, depth)
                if "dense" in methods
                else np.zeros((len(queries), 0), dtype=np.int64)
            )
            rankings: list[list[list[int]]] = []
            for query, row in zip(queries, dense, strict=True):
                ranked: dict[Method, list[int]] = {"dense": [int(i) for i in row if i >= 0]}
                if "bm25" in methods:
                    ranked["bm25"] = self._bm25[collection].search(query, depth)
                rankings.append([ranked[method] for method in methods])
            wanted = sorted({i for lists in rankings for ids in lists for i in ids})
            hits, vectors = _fetch(db, wanted)
        return [
            [
                [with_similarity(hits[i], vectors[i], query_vector) for i in ids if i in hits]
                for ids in lists
            ]
            for lists, query_vector in zip(rankings, query_vectors, strict=True)
        ]

    # -- connections ------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must not be shared across threads
        while in use; one per thread lets readers run in parallel under WAL)."""
        if self._closed:
            raise RuntimeError("the corpus store is closed")
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(
                self.root / DATABASE_FILE,
                timeout=30.0,
                isolation_level=None,
                check_same_thread=False,
            )
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    def documents(self, collection: str, limit: int | None = None) -> Iterator[Document]:
        """The collection's documents in id order (``veracity tune`` learns from them)."""
        rows = self._db().execute(
            "SELECT id, title, source_url, text, metadata FROM documents "
            "WHERE collection = ? ORDER BY id LIMIT ?",
            (collection, -1 if limit is None else limit),
        )
        for doc_id, title, source_url, text, metadata in rows:
            yield Document(doc_id, text, title, source_url, json.loads(metadata))

    def close(self) -> None:
        """Close every thread's connection; the store cannot be used afterwards."""
        with self._write_lock, self._connections_lock:
            self._closed = True
            for db in self._connections:
                db.close()
            self._connections.clear()


def _rejection(document: Document) -> str | None:
    """Why ``document`` cannot be stored, or None when it can."""
    if not document.id.strip():
        return "id is empty"
    if "\x00" in document.id or "\x00" in document.text:
        return "contains NUL characters"
    if not document.text.strip():
        return "text is empty"
    if len(document.text) > MAX_DOCUMENT_CHARS:
        return f"text has {len(document.text)} characters; the limit is {MAX_DOCUMENT_CHARS}"
    return None


def _fetch(db: sqlite3.Connection, ids: list[int]) -> tuple[dict[int, Hit], dict[int, np.ndarray]]:
    """The passages with ``ids`` as hits, and their stored vectors by id."""
    hits: dict[int, Hit] = {}
    vectors: dict[int, np.ndarray] = {}
    for batch in _batches(ids):
        marks = ",".join("?" * len(batch))
        rows = db.execute(
            "SELECT p.id, p.document_id, p.span_start, p.span_end, p.text, d.title, d.source_url, "
            "p.vector FROM passages AS p JOIN documents AS d "
            "ON d.collection = p.collection AND d.id = p.document_id "
            f"WHERE p.id IN ({marks})",
            batch,
        )
        for pid, document_id, start, end, text, title, url, vector in rows:
            passage = Passage(document_id, text, start, end, title, url, origin=Origin.CORPUS)
            hits[pid] = Hit(("corpus", document_id), passage)
            vectors[pid] = np.frombuffer(vector, dtype=np.float32)
    return hits, vectors


def _vectors(rows: Sequence[tuple[Any, ...]], column: int = 0) -> np.ndarray:
    """The float32 vectors stored as blobs in ``column`` of ``rows``, stacked."""
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([np.frombuffer(row[column], dtype=np.float32) for row in rows])


def _batches(items: list[str] | list[int]) -> Iterator[list[str] | list[int]]:
    for i in range(0, len(items), _SQL_BATCH):
        yield items[i : i + _SQL_BATCH]


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
