"""Retrieval benchmark: passage windows, dense vs BM25 vs hybrid, and the store at 10k-1M.

    python -m bench.bench_retrieval [--out bench/results/retrieval.json] [--sizes 10000,...]

1. **Evidence recall on climate-FEVER** (``../shared/data/eval/climate_fever``). The corpus is
   every evidence sentence of the dev file, grouped into one document per Wikipedia article in
   article order, mixed with distractor documents of Wikipedia sentences from FEVER-NLI. For
   each claim with SUPPORTS/REFUTES evidence, recall@5 is the share of its gold sentences that
   lie inside one of the 5 passages returned. Every sentence-window setting is ingested with
   the real embedder (ingest passages/s comes from these runs) and searched dense-only,
   BM25-only and hybrid.
2. **Scale** (10k, 100k, 1M passages). Texts are real sentences (e-SNLI and FEVER-NLI,
   deduplicated) drawn at random into 10-sentence documents, chunked by the store as usual.
   Embedding a million passages takes hours on 2 cores, so their vectors are synthesised: each
   is a random convex mix of 3 real sentence embeddings (from part 1) plus Gaussian noise,
   normalised; queries are real embeddings of climate-FEVER claims. Everything else — SQLite,
   chunking, FAISS and tantivy builds, persistence — runs the store's real code. Search latency is
   measured with query vectors precomputed (embedding one query is reported separately), and
   RSS in a fresh process that loads the embedder, opens the store and searches.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from retrieval.chunking import split_sentences
from retrieval.embedder import Embedder
from retrieval.ranking import Method
from retrieval.store import STRIDE, WINDOW, CorpusStore
from retrieval.types import Document
from retrieval.vector_index import VectorIndex

ROOT = Path(__file__).resolve().parent.parent

SHARED = ROOT.parent / "shared" / "data"
CLIMATE_FEVER = SHARED / "eval" / "climate_fever" / "climate-fever-dev.jsonl"
FEVER_NLI = SHARED / "nli" / "fever_nli" / "dev.raw.input0"
ESNLI = [SHARED / "nli" / "esnli" / f"{s}.{part}" for s in ("s1", "s2") for part in ("dev", "test")]
WINDOWS = ["1/1", "2/1", "3/2"]
METHODS: dict[str, tuple[Method, ...]] = {
    "dense": ("dense",),
    "bm25": ("bm25",),
    "hybrid": ("dense", "bm25"),
}
NPROBES = [8, 16, 32, 64]
SENTENCES_PER_DOC, MIX, NOISE = 10, 3, 0.35


class CachingEmbedder:
    """The real embedder, remembering every text: the claims are embedded once, not once per
    window setting and method."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder, self.dim, self.version = embedder, embedder.dim, embedder.version
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in self.cache))
        self.cache.update(zip(new, self.embedder.encode(new), strict=True))
        return np.stack([self.cache[t] for t in texts]) if texts else self.embedder.encode([])


class LookupEmbedder:
    """Serves precomputed vectors by text, under the real embedder's version (so that the
    store, reopened with the real embedder, finds nothing to re-embed)."""

    def __init__(self, dim: int, version: str, compose: Callable[[int], np.ndarray]) -> None:
        self.dim, self.version, self.compose = dim, version, compose
        self.table: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Known texts get their vector, new ones a freshly synthesised one."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        new = list(dict.fromkeys(t for t in texts if t not in self.table))
        fresh = dict(zip(new, self.compose(len(new)), strict=True))
        return np.stack([self.table[t] if t in self.table else fresh[t] for t in texts])


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }


def single_sentences(lines: Sequence[str], limit: int) -> list[str]:
    """Unique sentences of 30..300 characters that the chunker also sees as one sentence."""
    found: dict[str, None] = {}
    for line in lines:
        for start, end in split_sentences(line):
            sentence = " ".join(line[start:end].split())
            if 30 <= len(sentence) <= 300 and len(split_sentences(sentence)) == 1:
                found[sentence] = None
        if len(found) >= limit:
            break
    return list(found)[:limit]


# -- 1. climate-FEVER evidence recall --------------------------------------------------------


def climate_fever_corpus(
    distractors: int,
) -> tuple[list[Document], list[tuple[str, list[tuple[str, int, int]]]]]:
    """Documents, and per claim its gold evidence as (document id, start, end) spans."""
    articles: dict[str, dict[int, str]] = defaultdict(dict)
    claims = []
    for line in CLIMATE_FEVER.read_text("utf-8").splitlines():
        row = json.loads(line)
        gold = []
        for evidence in row["evidences"]:
            article, number = evidence["evidence_id"].rsplit(":", 1)
            articles[article][int(number)] = " ".join(evidence["evidence"].split())
            if evidence["evidence_label"] in ("SUPPORTS", "REFUTES"):
                gold.append((article, int(number)))
        if gold:
            claims.append((row["claim"], gold))
    documents, spans = [], {}
    for article, sentences in sorted(articles.items()):
        text, offset = [], 0
        for number, sentence in sorted(sentences.items()):
            spans[(article, number)] = (offset, offset + len(sentence))
            text.append(sentence)
            offset += len(sentence) + 2
        documents.append(Document(article, "\n\n".join(text), title=article))
    known = {s for d in documents for s in d.text.split("\n\n")}
    pool = [
        s
        for s in single_sentences(FEVER_NLI.read_text("utf-8").splitlines(), distractors * 2)
        if s not in known
    ]
    pool = pool[:distractors]
    for i in range(0, len(pool), SENTENCES_PER_DOC):
        documents.append(Document(f"distractor-{i}", "\n\n".join(pool[i : i + SENTENCES_PER_DOC])))
    gold_spans = [(claim, [(a, *spans[(a, n)]) for a, n in gold]) for claim, gold in claims]
    return documents, gold_spans


def evidence_recall(
    embedder: Embedder, distractors: int, windows: list[str], work: Path
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """Recall@5 per window setting and method; also real sentence and claim embeddings."""
    documents, claims = climate_fever_corpus(distractors)
    queries = [claim for claim, _ in claims]
    results: dict[str, Any] = {
        "documents": len(documents),
        "claims": len(claims),
        "distractor_sentences": distractors,
        "windows": {},
    }
    sentence_vectors = np.zeros((0, embedder.dim), dtype=np.float32)
    caching = CachingEmbedder(embedder)
    for setting in dict.fromkeys(windows):
        window, stride = (int(x) for x in setting.split("/"))
        store = CorpusStore(
            work / f"cf-{window}-{stride}",
            caching,  # type: ignore[arg-type]
            window=window,
            stride=stride,
        )
        started = time.perf_counter()
        report = store.upsert("cf", documents)
        seconds = time.perf_counter() - started
        entry: dict[str, Any] = {
            "passages": report.passages_indexed,
            "ingest_passages_per_s": round(report.passages_indexed / seconds, 1),
        }
        for name, methods in METHODS.items():
            found = store.search("cf", queries, 5, methods=methods)
            recalls = [
                np.mean(
                    [
                        any(p.document_id == d and p.start <= s and e <= p.end for p in passages)
                        for d, s, e in gold
                    ]
                )
                for passages, (_, gold) in zip(found, claims, strict=True)
            ]
            entry[f"recall@5_{name}"] = round(float(np.mean(recalls)), 4)
        entry["mean_passage_chars"] = round(
            float(np.mean([len(p.text) for p in store.search("cf", queries[:50], 5)[0]])), 1
        )
        if window == 1:  # one sentence a passage: these vectors seed the synthetic corpus
            db = store._db()
            rows = db.execute("SELECT vector FROM passages").fetchall()
            sentence_vectors = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in rows])
        store.close()
        results["windows"][f"{window}/{stride}"] = entry
        print(f"window {window}/{stride}: {entry}", flush=True)
    return results, sentence_vectors, embedder.encode(queries)


# -- 2. scale ----------------------------------------------------------------------------------


def composer(anchors: np.ndarray, rng: np.random.Generator) -> Callable[[int], np.ndarray]:
    """Synthetic passage vectors: see the module docstring."""

    def compose(count: int) -> np.ndarray:
        picks = rng.integers(0, len(anchors), size=(count, MIX))
        weights = rng.dirichlet(np.ones(MIX), size=count).astype(np.float32)
        vectors = np.einsum("nk,nkd->nd", weights, anchors[picks])
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors += rng.standard_normal(vectors.shape).astype(np.float32) * (
            NOISE / np.sqrt(anchors.shape[1])
        )
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    return compose


def build_scaled(
    root: Path, size: int, pool: list[str], lookup: LookupEmbedder, rng: np.random.Generator
) -> dict[str, Any]:
    """Upsert documents until the collection holds ``size`` passages; timings of the store."""
    store = CorpusStore(root, lookup)  # type: ignore[arg-type]
    # About five upserts per size (10-sentence documents give ~5 passages each).
    passages, number, seconds, batch = 0, 0, 0.0, max(100, min(size // 25, 20_000))
    while passages < size:
        picks = rng.integers(0, len(pool), size=(batch, SENTENCES_PER_DOC))
        documents = [
            Document(f"d{number + i}", "\n\n".join(pool[j] for j in row))
            for i, row in enumerate(picks)
        ]
        number += batch
        started = time.perf_counter()
        passages += store.upsert("scale", documents).passages_indexed
        seconds += time.perf_counter() - started
    stats = store.stats("scale")[0]
    store.close()
    return {
        "passages": stats.passages,
        "index_type": stats.index_type,
        "store_ingest_passages_per_s_without_embedding": round(stats.passages / seconds, 1),
        "on_disk_mb": {
            "sqlite": _megabytes(root / "corpus.sqlite3"),
            "faiss": _megabytes(root / "scale.faiss"),
            "bm25": _megabytes(root / "scale.bm25"),
        },
    }


def _megabytes(path: Path) -> float:
    """Size of a file, or of every file under a directory, in MB."""
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    return round(sum(p.stat().st_size for p in files) / 1e6, 1)


def exact_top(root: Path, queries: np.ndarray, k: int) -> tuple[np.ndarray, list[float]]:
    """Exact top-k ids over every stored vector, and a flat index's single-query latencies."""
    import sqlite3

    db = sqlite3.connect(root / "corpus.sqlite3")
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(queries.shape[1]))
    cursor = db.execute("SELECT id, vector FROM passages ORDER BY id")
    while rows := cursor.fetchmany(50_000):
        ids = np.asarray([r[0] for r in rows], dtype=np.int64)
        flat.add_with_ids(np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows]), ids)
    db.close()
    _, top = flat.search(queries, k)
    latencies = []
    for q in queries[:100]:
        started = time.perf_counter()
        flat.search(q[None, :], 20)
        latencies.append(time.perf_counter() - started)
    return top, latencies


def scale_point(
    size: int,
    work: Path,
    pool: list[str],
    anchors: np.ndarray,
    claims: list[str],
    claim_vectors: np.ndarray,
    embedder: Embedder,
) -> dict[str, Any]:
    rng = np.random.default_rng(size)
    root = work / f"scale-{size}"
    lookup = LookupEmbedder(embedder.dim, embedder.version, composer(anchors, rng))
    started = time.perf_counter()
    result = build_scaled(root, size, pool, lookup, rng)
    result["build_s"] = round(time.perf_counter() - started, 1)
    print(f"{size}: built {result}", flush=True)
    lookup.table = dict(zip(claims, claim_vectors, strict=True))  # queries: real embeddings
    store = CorpusStore(root, lookup)  # type: ignore[arg-type]
    for name, methods in METHODS.items():
        latencies = []
        for claim in claims[:200]:
            started = time.perf_counter()
            store.search("scale", [claim], 5, methods=methods)
            latencies.append(time.perf_counter() - started)
        result[f"search_{name}"] = percentiles(latencies)
    result["load_average_1_5_15_after_searches"] = os.getloadavg()
    store.close()
    top, flat_latencies = exact_top(root, claim_vectors, 10)
    result["dense_exact_flat"] = percentiles(flat_latencies)
    index = VectorIndex.read(root / "scale.faiss")
    if "IVF" in index.kind:
        sweep = {}
        for nprobe in NPROBES:
            index = VectorIndex(faiss.read_index(str(root / "scale.faiss")), nprobe)
            found = index.search(claim_vectors, 10)
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, top, strict=True)])
            latencies = []
            for q in claim_vectors[:100]:
                started = time.perf_counter()
                index.search(q[None, :], 20)
                latencies.append(time.perf_counter() - started)
            sweep[str(nprobe)] = {
                "recall@10_vs_exact": round(float(recall), 4),
                **percentiles(latencies),
            }
        result["ivf_nprobe_sweep"] = sweep
    result["rss"] = rss_probe(root, claims[:50])
    result["rss_without_pandas"] = rss_probe(root, claims[:50], hide=["pandas"])
    print(f"{size}: {result}", flush=True)
    return result


def rss_probe(root: Path, queries: list[str], hide: Sequence[str] = ()) -> dict[str, float]:
    """Peak RSS of a fresh process that loads the embedder, opens the store and searches.

    ``hide`` makes modules unimportable there. pandas is the one that matters: scikit-learn,
    which sentence-transformers imports, imports pandas whenever it is installed (~120 MB
    RSS), and the dev install has it (ray[data]) while the service's own install does not.
    """
    hidden = [arg for name in hide for arg in ("--hide-module", name)]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_retrieval",
            "--rss-probe",
            str(root),
            *hidden,
            *queries,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_rss_probe(root: Path, queries: list[str], hide: Sequence[str]) -> None:
    for name in hide:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail

    def status_mb(field: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024)
        return 0

    embedder = Embedder.load()
    embedder.encode(["warm up"])
    with_embedder = status_mb("VmRSS")
    store = CorpusStore(root, embedder)
    opened = status_mb("VmRSS")
    for query in queries:
        store.search("scale", [query], 5)
    searched = status_mb("VmRSS")
    report = {
        "embedder_loaded_mb": with_embedder,
        "store_opened_mb": opened,
        "after_searches_mb": searched,
        "store_share_mb": searched - with_embedder,
        "peak_mb": status_mb("VmHWM"),
    }
    print(json.dumps(report))


def sentence_pool(limit: int) -> list[str]:
    lines = [line for path in [FEVER_NLI, *ESNLI] for line in path.read_text("utf-8").splitlines()]
    return single_sentences(lines, limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "retrieval.json")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--distractors", type=int, default=1000)
    parser.add_argument("--windows", default=",".join(WINDOWS), help="window/stride settings")
    parser.add_argument("--rss-probe", type=Path)
    parser.add_argument("--hide-module", action="append", default=[])
    parser.add_argument("queries", nargs="*")
    args = parser.parse_args()
    if args.rss_probe:
        run_rss_probe(args.rss_probe, args.queries, args.hide_module)
        return
    started = time.perf_counter()
    embedder = Embedder.load()
    single = []
    for _ in range(30):
        t = time.perf_counter()
        embedder.encode(["Global warming is driving polar bears toward extinction."])
        single.append(time.perf_counter() - t)
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} CPU cores (shared), faiss {faiss.__version__}, "
        f"tantivy {version('tantivy')}",
        "load_average_1_5_15_at_start": os.getloadavg(),
        "chosen_window_stride": f"{WINDOW}/{STRIDE}",
        "embed_one_query": percentiles(single),
    }
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        work = Path(tmp)
        recall, anchors, claim_vectors = evidence_recall(
            embedder, args.distractors, ["1/1", *args.windows.split(",")], work
        )
        results["climate_fever"] = recall
        claims, _ = zip(*climate_fever_corpus(0)[1], strict=True)
        pool = sentence_pool(200_000)
        results["scale_method"] = (
            f"texts: {len(pool)} unique real sentences (FEVER-NLI premises, e-SNLI premises and "
            f"hypotheses) drawn at random into {SENTENCES_PER_DOC}-sentence documents; vectors: "
            f"normalised random convex mix of {MIX} of {len(anchors)} real sentence embeddings "
            f"(climate-FEVER evidence + distractors) plus N(0, {NOISE}^2/d) noise; queries: real "
            f"embeddings of {len(claims)} climate-FEVER claims"
        )
        results["scale"] = {}
        for size in [int(s) for s in args.sizes.split(",")]:
            results["scale"][str(size)] = scale_point(
                size, work, pool, anchors, list(claims), claim_vectors, embedder
            )
            shutil.rmtree(work / f"scale-{size}")
    results["load_average_1_5_15_at_end"] = os.getloadavg()
    results["wall_s"] = round(time.perf_counter() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
