"""The dense half of retrieval: a FAISS index per collection, a rebuildable cache of SQLite.

Two kinds, chosen by collection size (see ``EXACT_MAX``):

* **exact** — ``IndexIDMap2(IndexFlatIP)``: float32 vectors, brute-force inner product. Exact
  and cheap to update, but it costs 1.5 KB a passage and scans every vector per query.
* **approximate** — ``IndexIVFScalarQuantizer`` (IVF, 8-bit scalar quantisation, inner
  product): 392 bytes a passage with its id, and a query scans only ``nprobe`` of ``nlist``
  lists. IVF rather than HNSW because FAISS's HNSW cannot remove vectors (every delete or
  replacement would need a tombstone filter and periodic rebuilds) and its graph adds
  ``2 * M * 4`` bytes of links per vector to the codes; IVF supports ``remove_ids``. Its
  recall@10 against exact search and its latency are measured in
  ``bench/bench_retrieval.py`` (``bench/results/retrieval.json``).

The IVF centroids are trained on the collection as it is when the index is built; when the
collection has grown so much that twice as many lists would be due (4x the vectors at scale)
the index reports ``stale`` and the store rebuilds it from SQLite.

FAISS runs one OpenMP thread per search: requests are parallel already, and on a loaded
2-core machine OpenMP's thread team made one exact query over 100k vectors 8x slower (p50
160 ms on two threads, 21 ms on one, measured). Builds, one at a time under the store's
write lock, use every core.

Files are written to a temporary name and renamed, then the stamp (the collection's
``index_version`` in SQLite) is written the same way, so a crash leaves either a matching pair
or a stale stamp, which makes the next open rebuild.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

# Collections with more passages than this get the approximate index. Below it exact search is
# fast enough (one thread: p99 10 ms at 120k passages, so ~4 ms at 50k) and its recall is 1.
EXACT_MAX = 50_000
# FAISS warns below 39 training points per centroid; more than 64 buys no accuracy, only time.
_MIN_PER_LIST, _TRAIN_PER_LIST = 39, 64
# Lists searched per query: the bench's sweep at 1.1M passages gave recall@10 against exact
# search 0.93 at nprobe 16, 0.957 at 32 (p99 2.6 ms), 0.970 at 64 (p99 3.2 ms).
DEFAULT_NPROBE = 32

faiss.omp_set_num_threads(1)


@contextmanager
def _all_cores() -> Iterator[None]:
    """Let FAISS use every core while building an index, then go back to one thread."""
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


def lists_for(count: int) -> int:
    """IVF list count for ``count`` vectors: the usual ~4 sqrt(n), but no more lists than
    ``count`` can train, and at least 1."""
    return max(1, min(int(4 * math.sqrt(count)), count // _MIN_PER_LIST))


class VectorIndex:
    """A FAISS index of unit vectors keyed by passage id, exact or IVF-SQ8."""

    def __init__(self, index: faiss.Index, nprobe: int = DEFAULT_NPROBE) -> None:
        self._index = index
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = min(nprobe, index.nlist)

    @classmethod
    def empty(cls, dim: int) -> VectorIndex:
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)))

    @classmethod
    def build(
        cls,
        dim: int,
        count: int,
        batches: Iterable[tuple[np.ndarray, np.ndarray]],
        sample: np.ndarray,
        exact_max: int = EXACT_MAX,
    ) -> VectorIndex:
        """An index of ``count`` vectors arriving as (ids, vectors) ``batches``.

        ``sample`` trains the IVF centroids when ``count`` exceeds ``exact_max``; it is unused
        for an exact index. Streaming the batches keeps a rebuild from holding every float32
        vector in memory at once.
        """
        with _all_cores():
            if count <= exact_max:
                index = cls.empty(dim)
            else:
                nlist = max(1, min(lists_for(count), len(sample) // _MIN_PER_LIST))
                ivf = faiss.IndexIVFScalarQuantizer(
                    faiss.IndexFlatIP(dim),
                    dim,
                    nlist,
                    faiss.ScalarQuantizer.QT_8bit,
                    faiss.METRIC_INNER_PRODUCT,
                )
                ivf.cp.niter = 10
                ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
                index = cls(ivf)
            for ids, vectors in batches:
                index.add(ids, vectors)
        return index

    @staticmethod
    def training_size(count: int) -> int:
        """How many vectors ``build`` wants in ``sample`` for ``count`` vectors."""
        return min(count, lists_for(count) * _TRAIN_PER_LIST)

    @classmethod
    def read(cls, path: Path) -> VectorIndex:
        """The index stored at ``path``; OSError or RuntimeError when it cannot be read."""
        return cls(faiss.read_index(str(path)))

    def write(self, path: Path) -> None:
        """Write to a temporary file beside ``path``, then rename it over ``path``."""
        temporary = path.with_name(f"{path.name}.tmp{os.getpid()}")
        faiss.write_index(self._index, str(temporary))
        os.replace(temporary, path)

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    @property
    def kind(self) -> str:
        """A name for stats: the FAISS layout, with the list count for IVF."""
        if isinstance(self._index, faiss.IndexIVF):
            return f"faiss-IVF{self._index.nlist}-SQ8"
        return "faiss-IDMap2-FlatIP"

    def stale(self, count: int, exact_max: int = EXACT_MAX) -> bool:
        """Whether an index holding ``count`` vectors should be rebuilt: an exact index past
        ``exact_max``, or an IVF index for which twice its list count would now be due. An IVF
        index is not shrunk back to exact when deletes bring it
        below ``exact_max``; ``veracity index rebuild`` does that."""
        if isinstance(self._index, faiss.IndexIVF):
            return lists_for(count) > 2 * self._index.nlist
        return count > exact_max

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: Iterable[int]) -> None:
        wanted = np.fromiter(ids, dtype=np.int64)
        if len(wanted):
            self._index.remove_ids(faiss.IDSelectorBatch(wanted))

    def search(self, queries: np.ndarray, k: int) -> np.ndarray:
        """Per query, the ids of the ``k`` nearest vectors, best first (fewer when smaller)."""
        if not self.ntotal:
            return np.zeros((len(queries), 0), dtype=np.int64)
        _, ids = self._index.search(
            np.ascontiguousarray(queries, dtype=np.float32), min(k, self.ntotal)
        )
        return np.asarray(ids)
