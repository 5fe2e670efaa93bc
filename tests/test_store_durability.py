"""The store at scale and under failure: the approximate index, rebuilds, and a writer killed
with SIGKILL mid-write. The hashing embedder keeps these fast and the subprocess free of torch."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hashing_embedder import HashingEmbedder

from retrieval import bm25_index
from retrieval.store import DATABASE_FILE, CorpusStore
from retrieval.types import Document

TESTS = Path(__file__).resolve().parent
ANIMALS = ["otter", "heron", "lynx", "badger", "falcon", "newt", "marten", "ibis", "stoat", "wren"]


def corpus(prefix: str, count: int) -> list[Document]:
    """Documents of several sentences, each about one animal and one number."""
    return [
        Document(
            f"{prefix}-{i}",
            f"The {ANIMALS[i % len(ANIMALS)]} number {i} lives by the river. "
            f"It was counted in survey {prefix}. Rangers saw it at dawn. It eats fish daily.",
        )
        for i in range(count)
    ]


def open_store(root: Path, exact_max: int = 30) -> CorpusStore:
    return CorpusStore(root, HashingEmbedder(), exact_max=exact_max)  # type: ignore[arg-type]


def check_consistent(store: CorpusStore, collection: str) -> int:
    """Assert SQLite, FAISS and the BM25 index (in memory and its stamp on disk) agree; the
    passage count."""
    [stats] = store.stats(collection)
    assert store._indexes[collection].ntotal == stats.passages
    assert store._bm25[collection].ntotal == stats.passages
    stamp = bm25_index.read_stamp(store.root, collection)
    assert stamp == bm25_index.Stamp(store._bm25[collection].generation, stats.index_version)
    db = sqlite3.connect(store.root / DATABASE_FILE)
    try:
        (orphans,) = db.execute(
            "SELECT count(*) FROM passages p LEFT JOIN documents d "
            "ON d.collection = p.collection AND d.id = p.document_id WHERE d.id IS NULL"
        ).fetchone()
    finally:
        db.close()
    assert orphans == 0
    return stats.passages


def test_large_collection_gets_the_approximate_index(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(tmp_path)
    store.upsert("big", corpus("a", 10))
    assert store.stats("big")[0].index_type.startswith("faiss-IDMap2-FlatIP")
    store.upsert("big", corpus("b", 40))
    assert "IVF" in store.stats("big")[0].index_type
    hits = store.search("big", ["heron number 31 survey b"], 3)[0]
    assert hits[0].document_id == "b-31"
    # Replacing and deleting work on the IVF index without duplicates or leftovers.
    store.upsert("big", [Document("b-31", "A heron number 31 moved to the lake in survey c.")])
    store.delete("big", ["b-1"])
    found = store.search("big", ["heron number 31 survey", "otter number 1 survey b"], 50)
    assert [p.document_id for p in found[0]].count("b-31") == 1
    assert "b-1" not in {p.document_id for p in found[1]}
    passages = check_consistent(store, "big")
    version = store.index_version("big")
    store.close()
    caplog.clear()
    reopened = open_store(tmp_path)
    assert "rebuilding" not in caplog.text  # the persisted IVF index matched its stamp
    assert reopened.index_version("big") == version
    assert "IVF" in reopened.stats("big")[0].index_type
    assert check_consistent(reopened, "big") == passages
    reopened.close()


def test_rebuild_from_sqlite(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.upsert("c", corpus("a", 50))
    expected = store.search("c", ["lynx number 12"], 5)
    (tmp_path / "c.faiss").write_bytes(b"garbage")
    stats = store.rebuild("c")
    assert "IVF" in stats.index_type and stats.passages == check_consistent(store, "c")
    assert store.search("c", ["lynx number 12"], 5) == expected
    store.close()
    # The rebuilt file is what the next open loads.
    reopened = open_store(tmp_path)
    assert reopened.search("c", ["lynx number 12"], 5) == expected
    reopened.close()


def test_search_during_ingest_into_the_approximate_index(tmp_path: Path) -> None:
    writes = [
        corpus("a", 60),
        [Document("a-9", "The wren number 9 left after survey a ended.")],
        corpus("z", 200),  # past 4x the size the IVF index was trained for: a rebuild
    ]
    query = ["wren number 9 survey a"]
    # The result after each committed write, from a replay on another root (deterministic).
    replay = open_store(tmp_path / "replay")
    states = []
    for documents in writes:
        replay.upsert("c", documents)
        states.append(replay.search("c", query, 3))
    replay.close()
    assert states[0] != states[1]
    store = open_store(tmp_path / "live")
    store.upsert("c", writes[0])
    seen, failures = [], []
    done = threading.Event()

    def search_until_done() -> None:
        try:
            while not done.is_set():
                seen.append(store.search("c", query, 3))
        except BaseException as e:  # reported to the main thread below
            failures.append(e)

    thread = threading.Thread(target=search_until_done)
    thread.start()
    for documents in writes[1:]:
        store.upsert("c", documents)
    done.set()
    thread.join(timeout=30)
    assert not failures and seen
    # Each search saw the state some committed write left, never a mix.
    assert all(result in states for result in seen)
    assert store.search("c", query, 3) == states[-1]
    check_consistent(store, "c")
    store.close()


_WRITER = textwrap.dedent(
    """
    import sys
    sys.path[:0] = [{root!r}, {tests!r}]
    from pathlib import Path
    from retrieval.types import Document
    from retrieval.store import CorpusStore
    from hashing_embedder import HashingEmbedder

    store = CorpusStore(Path({data!r}), HashingEmbedder(), exact_max=100)
    batch = {first}
    while True:
        docs = [
            Document(f"b{{batch}}-{{i}}", f"Batch {{batch}} item {{i}} grows. " * 30)
            for i in range(40)
        ]
        store.upsert("crash", docs)
        print(batch, flush=True)
        batch += 1
    """
)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_writer_killed_mid_write_leaves_only_whole_upserts(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    committed: list[int] = []
    for round_ in range(3):
        first = round_ * 1000
        script = _WRITER.format(
            root=str(TESTS.parent), tests=str(TESTS), data=str(tmp_path), first=first
        )
        writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None
        for _ in range(rng.randint(1, 3)):
            committed.append(int(writer.stdout.readline()))
        # Somewhere in the next upsert: embedding, the transaction or the index files.
        threading.Event().wait(rng.uniform(0, 0.15))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        committed += [int(line) for line in writer.stdout.read().split()]
    store = open_store(tmp_path, exact_max=100)
    ids = {row[0] for row in store._db().execute("SELECT id FROM documents")}
    batches = {i.split("-")[0] for i in ids}
    # Every acknowledged upsert survived; at most one unacknowledged one per kill committed.
    assert {f"b{b}" for b in committed} <= batches
    assert len(batches) <= len(committed) + 3
    assert all(f"{b}-{i}" in ids for b in batches for i in range(40))
    check_consistent(store, "crash")
    assert store.search("crash", [f"Batch {committed[-1]} item 7"], 1)[0][0].document_id == (
        f"b{committed[-1]}-7"
    )
    store.close()


def test_crash_between_bm25_commit_and_stamp_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    query = ["wren number 9 survey z"]
    replay = open_store(tmp_path / "replay")
    replay.upsert("c", corpus("a", 20))
    replay.upsert("c", corpus("z", 12))
    expected = replay.search("c", query, 3)
    replay.close()

    def crash(*_: object) -> None:
        raise KeyboardInterrupt  # stands for the process dying right after tantivy's commit

    stores = {}
    for name in ("same-process", "next-process"):
        stores[name] = store = open_store(tmp_path / name)
        store.upsert("c", corpus("a", 20))
        before = store.index_version("c")
        with monkeypatch.context() as patch:
            patch.setattr(bm25_index, "write_stamp", crash)
            with pytest.raises(KeyboardInterrupt):
                store.upsert("c", corpus("z", 12))
        # SQLite committed and so did tantivy, but the stamp still names the old version.
        stamp = bm25_index.read_stamp(tmp_path / name, "c")
        assert stamp is not None and stamp.version == before != store.index_version("c")
    # This process reloads before its next search ...
    assert stores["same-process"].search("c", query, 3) == expected
    check_consistent(stores["same-process"], "c")
    stores["same-process"].close()
    # ... and a new one rebuilds on open.
    stores["next-process"].close()
    caplog.clear()
    reopened = open_store(tmp_path / "next-process")
    assert "rebuilding the BM25 index" in caplog.text
    assert reopened.search("c", query, 3) == expected
    check_consistent(reopened, "c")
    reopened.close()


@pytest.mark.parametrize("damage", ["stamp of another version", "garbage files", "no stamp"])
def test_bm25_index_not_matching_sqlite_is_rebuilt(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(tmp_path)
    store.upsert("c", corpus("a", 40))
    store.delete("c", ["a-3"])
    expected = store.search("c", ["badger number 3 survey a", "lynx number 12"], 5)
    old = bm25_index.read_stamp(tmp_path, "c")
    store.close()
    assert old is not None
    if damage == "stamp of another version":
        bm25_index.write_stamp(tmp_path, "c", bm25_index.Stamp(old.generation, "9-0badf00d"))
    elif damage == "garbage files":
        for path in (tmp_path / "c.bm25" / old.generation).iterdir():
            if path.is_file():
                path.write_bytes(b"garbage")
    else:
        (tmp_path / "c.bm25.json").unlink()
    caplog.clear()
    reopened = open_store(tmp_path)
    assert "rebuilding the BM25 index" in caplog.text
    new = bm25_index.read_stamp(tmp_path, "c")
    assert new is not None and new.generation != old.generation
    # The new generation replaced the old one on disk.
    assert [p.name for p in (tmp_path / "c.bm25").iterdir()] == [new.generation]
    assert reopened.search("c", ["badger number 3 survey a", "lynx number 12"], 5) == expected
    check_consistent(reopened, "c")
    reopened.close()


def test_deletes_and_replacements_leave_bm25(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.upsert("c", corpus("a", 40))
    # Phrases only in a-5 (replaced below) and a-7 (deleted below).
    phrases = ["newt number 5 lives", "ibis number 7 lives"]

    def found(reader: CorpusStore, words: str) -> list[str]:
        texts = dict(reader._db().execute("SELECT id, text FROM passages"))
        return [texts[i] for i in reader._bm25["c"].search(words, 100)]

    assert all(any(p in text for text in found(store, p)) for p in phrases)
    store.upsert("c", [Document("a-5", "A quokka moved in. Nobody counted it.")])
    store.delete("c", ["a-7"])
    for reader in (store, open_store(tmp_path)):
        assert reader._bm25["c"].ntotal == check_consistent(reader, "c")
        # BM25 returns only passages SQLite still has (found() would raise KeyError), and
        # none of the old texts.
        for phrase in phrases:
            assert not any(phrase in text for text in found(reader, phrase))
        assert found(reader, "quokka") == ["A quokka moved in. Nobody counted it."]
        reader.close()


def test_store_written_with_fts5_opens_with_nothing_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(tmp_path)
    store.upsert("c", corpus("a", 40))
    expected = store.search("c", ["marten number 16 survey a"], 5)
    passages = check_consistent(store, "c")
    store.close()
    # Turn the root into one written before BM25 moved to tantivy: an FTS5 index kept by
    # triggers inside SQLite, and no BM25 files.
    db = sqlite3.connect(tmp_path / DATABASE_FILE)
    db.executescript(
        """
        CREATE VIRTUAL TABLE passages_fts USING fts5(
            text, content='passages', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        INSERT INTO passages_fts(passages_fts) VALUES ('rebuild');
        CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN
            INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text);
        END;
        """
    )
    db.close()
    (tmp_path / "c.bm25.json").unlink()
    shutil.rmtree(tmp_path / "c.bm25")
    caplog.clear()
    reopened = open_store(tmp_path)
    assert "rebuilding the BM25 index" in caplog.text
    assert check_consistent(reopened, "c") == passages
    assert reopened.search("c", ["marten number 16 survey a"], 5) == expected
    names = {row[0] for row in reopened._db().execute("SELECT name FROM sqlite_master")}
    assert not {n for n in names if n.startswith("passages_fts")}
    reopened.upsert("c", corpus("b", 3))  # writes no longer touch FTS5
    assert check_consistent(reopened, "c") > passages
    reopened.close()
