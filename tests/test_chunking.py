"""Passages are windows of whole sentences whose spans index the document exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.chunking import chunk_text, split_sentences

TEXT = "First one. Second one! Third one? Fourth one. Fifth one."


def test_sentences_are_split_with_exact_spans() -> None:
    text = 'Dr. Smith came. He said "Hi." (Then left.)\n\nnew paragraph  '
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == ["Dr. Smith came.", 'He said "Hi."', "(Then left.)", "new paragraph"]


def test_windows_overlap_by_window_minus_stride() -> None:
    chunks = chunk_text(TEXT, window=3, stride=2)
    assert [c.text for c in chunks] == [
        "First one. Second one! Third one?",
        "Third one? Fourth one. Fifth one.",
    ]
    for chunk in chunks:
        assert TEXT[chunk.start : chunk.end] == chunk.text


def test_every_sentence_is_covered_when_stride_equals_window() -> None:
    chunks = chunk_text(TEXT, window=2, stride=2)
    assert [c.text for c in chunks] == [
        "First one. Second one!",
        "Third one? Fourth one.",
        "Fifth one.",
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"])
def test_blank_text_has_no_passages(text: str) -> None:
    assert chunk_text(text) == []


def test_long_sentence_is_cut_at_whitespace() -> None:
    text = " ".join(f"word{i}" for i in range(1000)) + "."
    chunks = chunk_text(text, max_chars=200)
    assert all(len(c.text) <= 200 for c in chunks)
    assert " ".join(c.text for c in chunks) == text
    assert all(not c.text[0].isspace() and not c.text[-1].isspace() for c in chunks)


def test_huge_token_is_cut_anywhere() -> None:
    text = "x" * 2500
    chunks = chunk_text(text, max_chars=1000)
    assert [len(c.text) for c in chunks] == [1000, 1000, 500]


def test_window_is_shortened_to_the_cap_without_skipping_sentences() -> None:
    sentences = [f"Sentence {i} " + "pad " * 40 + "end." for i in range(6)]
    text = " ".join(sentences)
    chunks = chunk_text(text, window=3, stride=2, max_chars=400)
    assert all(len(c.text) <= 400 for c in chunks)
    covered = " ".join(c.text for c in chunks)
    assert all(s in covered for s in sentences)


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        chunk_text(TEXT, window=2, stride=3)


@given(
    st.text(
        alphabet=st.sampled_from([*"ab .!?\n\t\"')(X9", "é", "…"]),
        max_size=400,
    ),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(5, 120),
)
def test_every_span_maps_back_exactly(text: str, window: int, stride: int, cap: int) -> None:
    stride = min(stride, window)
    chunks = chunk_text(text, window=window, stride=stride, max_chars=cap)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text and chunk.text == chunk.text.strip()
        assert len(chunk.text) <= cap
    words = text.split()
    assert set(words) <= {w for c in chunks for w in c.text.split()} or any(
        len(w) > cap for w in words
    )
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
