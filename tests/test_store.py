"""The corpus store: SQLite as the truth, FAISS and BM25 as rebuildable caches, hybrid search."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedder import Embedder
from retrieval.store import MAX_DOCUMENT_CHARS, CorpusStore
from retrieval.types import Document, Origin, Passage

DOCS = [
    Document(
        "paris",
        "Paris is the capital and most populous city of France. The Eiffel Tower was completed "
        "in 1889. The Seine river flows through the city.",
        title="Paris",
        source_url="https://en.wikipedia.org/wiki/Paris",
    ),
    Document(
        "bees",
        "Honey bees pollinate many crops. A colony can contain tens of thousands of workers. "
        "Beekeepers harvest honey in late summer.",
    ),
    Document(
        "glaciers",
        "Glaciers worldwide have retreated since 1850. Meltwater from glaciers raises the sea "
        "level. The Rhone Glacier has lost much of its volume.",
    ),
    Document(
        "etna",
        "Mount Etna is an active volcano on Sicily. Its eruptions are frequent. Lava flows have "
        "reached nearby towns.",
    ),
]
QUERIES = ["What is the capital of France?", "Who makes honey?", "Why is the sea level rising?"]


@pytest.fixture
def store(tmp_path: Path, embedder: Embedder) -> Iterator[CorpusStore]:
    store = CorpusStore(tmp_path, embedder)
    store.upsert("demo", DOCS)
    yield store
    store.close()


def keys(results: list[list[Passage]]) -> list[list[tuple[str, int, int]]]:
    return [[(p.document_id, p.start, p.end) for p in ps] for ps in results]


def top_ids(store: CorpusStore, query: str, k: int = 5) -> list[str]:
    return [p.document_id for p in store.search("demo", [query], k)[0]]


def test_search_finds_the_right_document(store: CorpusStore) -> None:
    results = store.search("demo", QUERIES, 2)
    assert [r[0].document_id for r in results] == ["paris", "bees", "glaciers"]
    best = results[0][0]
    assert best.origin is Origin.CORPUS
    assert (best.title, best.source_url) == ("Paris", "https://en.wikipedia.org/wiki/Paris")
    assert DOCS[0].text[best.start : best.end] == best.text
    for ranked in results:
        scores = [p.score for p in ranked]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 < s <= 1.0 for s in scores)


def test_overlapping_windows_and_identical_texts_are_collapsed(
    tmp_path: Path, embedder: Embedder
) -> None:
    store = CorpusStore(tmp_path, embedder)
    sentences = " ".join(f"Volcano fact number {i} is about lava." for i in range(9))
    store.upsert(
        "c",
        [Document("long", sentences), Document("a", "Lava is hot."), Document("b", "Lava is hot.")],
    )
    ranked = store.search("c", ["lava volcano"], 10)[0]
    texts = [p.text for p in ranked]
    assert texts.count("Lava is hot.") == 1
    spans = sorted((p.start, p.end) for p in ranked if p.document_id == "long")
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))
    store.close()


def test_upserting_the_same_id_replaces_the_document(store: CorpusStore) -> None:
    before = store.index_version("demo")
    new_text = "Bumblebees nest in the ground. Their colonies are small."
    report = store.upsert("demo", [Document("bees", new_text)])
    assert (report.documents_upserted, report.passages_indexed) == (1, 1)
    assert report.index_version == store.index_version("demo") != before
    [stats] = store.stats("demo")
    assert (stats.documents, stats.passages) == (4, 4)
    ranked = store.search("demo", ["Beekeepers harvest honey in late summer"], 10)[0]
    bee_passages = [p for p in ranked if p.document_id == "bees"]
    assert [p.text for p in bee_passages] == [new_text]


def test_later_duplicate_in_one_request_wins(tmp_path: Path, embedder: Embedder) -> None:
    store = CorpusStore(tmp_path, embedder)
    report = store.upsert("c", [Document("x", "Old words."), Document("x", "New words.")])
    assert report.documents_upserted == 1
    assert [p.text for p in store.search("c", ["words"], 5)[0]] == ["New words."]
    store.close()


def test_delete_removes_from_dense_and_bm25(store: CorpusStore) -> None:
    report = store.delete("demo", ["etna", "nope", "etna"])
    assert (report.documents_deleted, report.missing_ids) == (1, ["nope"])
    assert report.index_version == store.index_version("demo")
    # "Etna" and "Sicily" only occur in the deleted document: BM25 would rank it first.
    assert "etna" not in top_ids(store, "Mount Etna Sicily volcano eruptions lava", 10)
    dense_only = "a mountain that spews molten rock"
    assert "etna" not in top_ids(store, dense_only, 10)
    assert store.stats("demo")[0].documents == 3
    again = store.delete("demo", ["etna"])
    assert (again.documents_deleted, again.missing_ids) == (0, ["etna"])
    assert again.index_version == report.index_version


def test_reopening_gives_the_same_results(
    store: CorpusStore, tmp_path: Path, embedder: Embedder
) -> None:
    expected = keys(store.search("demo", QUERIES, 3))
    version = store.index_version("demo")
    store.close()
    reopened = CorpusStore(tmp_path, embedder)
    assert reopened.index_version("demo") == version
    assert keys(reopened.search("demo", QUERIES, 3)) == expected
    reopened.close()


def test_writes_by_another_store_on_the_same_root_are_seen(
    store: CorpusStore, tmp_path: Path, embedder: Embedder
) -> None:
    other = CorpusStore(tmp_path, embedder)  # stands for a second process, e.g. the CLI
    other.upsert("demo", [Document("danube", "The Danube flows through Vienna and Budapest.")])
    assert top_ids(store, "Which river flows through Budapest?", 1) == ["danube"]
    store.delete("demo", ["danube"])
    store.upsert("demo", [Document("nile", "The Nile flows north through Egypt.")])
    other.upsert("demo", [Document("rhine", "The Rhine flows through Basel and Cologne.")])
    for reader in (store, other):
        assert "danube" not in top_ids(reader, "river through Budapest", 10)
        assert top_ids(reader, "river through Egypt", 1) == ["nile"]
        assert top_ids(reader, "river through Cologne", 1) == ["rhine"]
        # Both indexes, not only SQLite, caught up.
        passages = reader.stats("demo")[0].passages
        assert reader._indexes["demo"].ntotal == reader._bm25["demo"].ntotal == passages
    other.close()


@pytest.mark.parametrize("damage", ["delete index", "corrupt stamp", "corrupt index"])
def test_damaged_index_is_rebuilt_from_sqlite(
    store: CorpusStore,
    tmp_path: Path,
    embedder: Embedder,
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store.delete("demo", ["etna"])
    expected = keys(store.search("demo", QUERIES, 3))
    version = store.index_version("demo")
    store.close()
    index, stamp = tmp_path / "demo.faiss", tmp_path / "demo.faiss.stamp"
    if damage == "delete index":
        index.unlink()
    elif damage == "corrupt stamp":
        stamp.write_text("1-00000000", encoding="utf-8")
    else:
        index.write_bytes(b"garbage")
    reopened = CorpusStore(tmp_path, embedder)
    assert "rebuilding" in caplog.text
    assert index.exists() and stamp.read_text(encoding="utf-8") == version
    assert keys(reopened.search("demo", QUERIES, 3)) == expected
    reopened.close()


def test_bad_documents_are_reported_and_good_ones_written(
    tmp_path: Path, embedder: Embedder
) -> None:
    store = CorpusStore(tmp_path, embedder)
    report = store.upsert(
        "c",
        [
            Document("good", "A valid document."),
            Document("", "No id."),
            Document("blank", " \n\t "),
            Document("nul", "Has a \x00 byte."),
            Document("huge", "x" * (MAX_DOCUMENT_CHARS + 1)),
            Document("also-good", "Another valid one."),
        ],
    )
    assert [(doc_id, reason.split(" (")[0]) for doc_id, reason in report.errors] == [
        ("", "id is empty"),
        ("blank", "text is empty"),
        ("nul", "contains NUL characters"),
        (
            "huge",
            f"text has {MAX_DOCUMENT_CHARS + 1} characters; the limit is {MAX_DOCUMENT_CHARS}",
        ),
    ]
    assert report.documents_upserted == 2
    assert store.stats("c")[0].documents == 2
    store.close()


def test_only_bad_documents_still_create_the_collection(tmp_path: Path, embedder: Embedder) -> None:
    store = CorpusStore(tmp_path, embedder)
    report = store.upsert("c", [Document("x", "")])
    assert store.has_collection("c") and report.documents_upserted == 0
    assert store.search("c", ["anything"], 3) == [[]]
    store.close()


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'cat" OR "dog',
        "honey AND bees",
        "NOT honey",
        "hon*",
        "text: honey",
        "NEAR(a b)",
        "^honey",
        "(((",
        "-",
        "",
        "   ",
        "a" * 5000,
        "col:umn {x} [y] + - ~ @",
    ],
)
def test_fts_syntax_in_queries_is_harmless(store: CorpusStore, query: str) -> None:
    assert len(store.search("demo", [query], 3)[0]) <= 3


def test_context_is_searched_but_not_stored(store: CorpusStore) -> None:
    context = [
        Document(
            "ctx",
            "The Danube flows through Vienna and Budapest. It ends in the Black Sea.",
            title="Danube",
        )
    ]
    only = store.search(None, ["Which river flows through Budapest?"], 3, context)[0]
    assert [(p.document_id, p.origin, p.title) for p in only] == [("ctx", Origin.CONTEXT, "Danube")]
    mixed = store.search("demo", ["Which river flows through Budapest?"], 3, context)[0]
    assert mixed[0].origin is Origin.CONTEXT
    assert {p.origin for p in mixed} == {Origin.CONTEXT, Origin.CORPUS}
    assert store.stats("demo")[0].documents == len(DOCS)
    assert "ctx" not in top_ids(store, "Danube Budapest Vienna")


def test_unknown_collection_and_bad_arguments(store: CorpusStore) -> None:
    assert store.has_collection("demo") and not store.has_collection("other")
    for call in (
        lambda: store.search("other", ["q"], 3),
        lambda: store.delete("other", ["x"]),
        lambda: store.stats("other"),
        lambda: store.index_version("other"),
    ):
        with pytest.raises(KeyError):
            call()
    with pytest.raises(ValueError):
        store.search("demo", ["q"], 0)
    with pytest.raises(ValueError):
        store.upsert("../escape", DOCS)
    assert store.search("demo", [], 3) == []


def test_stats_of_all_collections(store: CorpusStore) -> None:
    store.upsert("another", [Document("x", "Something else entirely.")])
    stats = store.stats()
    assert [(s.name, s.documents) for s in stats] == [("another", 1), ("demo", len(DOCS))]
    assert all(s.embedder == store.embedder_version for s in stats)


def test_search_during_upsert_sees_before_or_after(store: CorpusStore) -> None:
    query = ["Which volcano erupts on Sicily?"]
    before = keys(store.search("demo", query, 3))
    more = [
        Document(f"volcano-{i}", f"Volcano {i} on Sicily erupted in {1900 + i}. Its lava was hot.")
        for i in range(30)
    ]
    seen: list[list[list[tuple[str, int, int]]]] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def search_until_done() -> None:
        try:
            while not done.is_set():
                seen.append(keys(store.search("demo", query, 3)))
        except BaseException as e:  # reported to the main thread below
            failures.append(e)

    thread = threading.Thread(target=search_until_done)
    thread.start()
    store.upsert("demo", more)
    done.set()
    thread.join(timeout=30)
    after = keys(store.search("demo", query, 3))
    assert not failures
    assert before != after
    assert seen and all(result in (before, after) for result in seen)


def test_each_passage_carries_its_vector_and_cosine_to_the_query(
    store: CorpusStore, embedder: Embedder
) -> None:
    """The verifier reuses these instead of embedding every passage again."""
    context = [Document("note", "Honey bees make honey from nectar. They live in hives.")]
    [found] = store.search("demo", ["Who makes honey?"], 4, context)
    assert {p.origin for p in found} == {Origin.CORPUS, Origin.CONTEXT}
    fresh = embedder.encode(["Who makes honey?", *(p.text for p in found)])
    for passage, vector in zip(found, fresh[1:], strict=True):
        assert passage.similarity == pytest.approx(float(vector @ fresh[0]), abs=1e-4)
        assert passage.vector is not None
        np.testing.assert_allclose(passage.vector, vector, atol=1e-4)
