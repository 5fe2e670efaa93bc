"""The tantivy BM25 index on its own: analysis, ranking, updates, stamps and generations."""

from __future__ import annotations

from pathlib import Path

from retrieval import bm25_index
from retrieval.bm25_index import Bm25Index, Stamp, query_terms

TEXTS = {
    1: "Glaciers worldwide have retreated since 1850.",
    2: "The glacier café sells coffee to hikers.",
    3: "Honey bees pollinate crops; bees make honey.",
    4: "Bees are insects.",
}


def test_query_terms_are_stemmed_folded_and_free_of_syntax() -> None:
    assert query_terms("Glaciers RETREATED") == ["glacier", "retreat"]
    assert query_terms("Café") == ["cafe"]
    # Stopwords go unless nothing else is left; FTS or tantivy syntax is only punctuation.
    assert query_terms("the bees of +honey* AND title:x") == ["bee", "honey", "titl", "x"]
    assert query_terms("the of") == ["the", "of"]
    assert query_terms("(((") == [] and query_terms("a" * 5000) == []


def test_search_ranks_by_bm25_and_forgets_removed_passages(tmp_path: Path) -> None:
    index = bm25_index.build(tmp_path, "c", TEXTS.items())
    assert index.ntotal == 4
    assert set(index.search("glaciers", 10)) == {1, 2}
    # Two occurrences beat one, though in a longer passage.
    assert index.search("bees", 10) == [3, 4]
    assert index.search("honey bees", 1) == [3]
    assert index.search("volcano", 10) == [] and index.search("", 10) == []
    index.update([3], [(5, "Wild bees nest in the ground.")])
    assert index.search("bees", 10) == [3, 4]  # not visible before refresh
    index.refresh()
    index.settle()
    assert sorted(index.search("bees", 10)) == [4, 5] and index.ntotal == 4


def test_load_needs_a_stamp_of_the_same_version(tmp_path: Path) -> None:
    index = bm25_index.build(tmp_path, "c", TEXTS.items())
    assert Bm25Index.load(tmp_path, "c", "1-aa") is None  # not stamped yet
    bm25_index.publish(tmp_path, "c", index, "1-aa")
    loaded = Bm25Index.load(tmp_path, "c", "1-aa")
    assert loaded is not None and loaded.generation == index.generation
    assert loaded.search("honey", 5) == [3]
    assert Bm25Index.load(tmp_path, "c", "2-bb") is None
    (tmp_path / "c.bm25.json").write_text("{not json", encoding="utf-8")
    assert bm25_index.read_stamp(tmp_path, "c") is None
    assert Bm25Index.load(tmp_path, "c", "1-aa") is None
    bm25_index.write_stamp(tmp_path, "c", Stamp("missing", "1-aa"))
    assert Bm25Index.load(tmp_path, "c", "1-aa") is None


def test_publishing_a_new_generation_removes_the_old_one(tmp_path: Path) -> None:
    old = bm25_index.build(tmp_path, "c", TEXTS.items())
    bm25_index.publish(tmp_path, "c", old, "1-aa")
    new = bm25_index.build(tmp_path, "c", [(9, "Only bees here.")])
    assert old.search("honey", 5) == [3]
    bm25_index.publish(tmp_path, "c", new, "2-bb")
    assert [p.name for p in (tmp_path / "c.bm25").iterdir()] == [new.generation]
    assert bm25_index.read_stamp(tmp_path, "c") == Stamp(new.generation, "2-bb")
    # A reader of the old generation keeps working from its memory maps.
    assert old.search("honey", 5) == [3]
